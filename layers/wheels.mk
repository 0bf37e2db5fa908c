# What every layer's Makefile (layers/<name>/Makefile, run by `sam build` with BuildMethod: makefile) shares: its
# locked dependencies as wheels for the Lambda runtime (python3.13, arm64), then their bytecode.
# requirements.txt is the lock (hashes; `make lock` at the top writes it) and leaves out boto3/botocore and their
# dependencies: the Lambda runtime provides them, and bundling them would triple a layer. --no-deps: the lock is the
# whole, exact set.
# uv (the top-level `make build` passes the pinned one in .venv) when there is one, else pip; both print what they
# install (uv on stderr, which sam build does not show: hence 2>&1). uv leaves a .lock file in the target, which is
# no part of the layer.
UV ?= $(shell command -v uv 2>/dev/null)
PIP ?= python3 -m pip
RUNTIME_PYTHON ?= python3.13

ifneq ($(UV),)
INSTALL_LOCKED = $(UV) pip install --no-deps --require-hashes --target "$(ARTIFACTS_DIR)/python" \
	--python-platform aarch64-manylinux2014 --python-version 3.13 --only-binary :all: -r requirements.txt 2>&1 \
	&& rm -f "$(ARTIFACTS_DIR)/python/.lock"
else
INSTALL_LOCKED = $(PIP) install --no-compile --no-deps --require-hashes --target "$(ARTIFACTS_DIR)/python" \
	--platform manylinux2014_aarch64 --implementation cp --python-version 3.13 --only-binary=:all: -r requirements.txt
endif

# /opt is read-only in Lambda: without bytecode in the layer every cold start compiles pydantic, Powertools and baton
# from source. unchecked-hash: valid whatever mtimes the zip restores.
COMPILE_BYTECODE = find "$(ARTIFACTS_DIR)/python" -name "__pycache__" -type d -prune -exec rm -rf {} + \
	&& $(RUNTIME_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(ARTIFACTS_DIR)/python"
