# baton: `make dev` runs the whole system locally, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
CHECKOV := $(VENV)/checkov/bin/checkov
PORT ?= 3000
export SAM_CLI_TELEMETRY := 0
# uv copies from its cache when it cannot hardlink (another filesystem): say so once, not per package.
export UV_LINK_MODE := copy
# `sam build` for the python3.13 runtime needs python3.13 on PATH (pyenv has it here).
PY313 := $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13 2>/dev/null)
# Parameter defaults under which every optional resource of template.yaml exists (for checkov, see validate).
ALL_OPTIONAL_RESOURCES := HostConsole=true AlarmEmail=ops@example.com CognitoDomainPrefix=baton-check SnapStart=true
# Left out of the layers' locks: the Lambda runtime provides them (snapshot-restore-py: SnapStart's runtime hooks).
PROVIDED_BY_LAMBDA := boto3 botocore s3transfer urllib3 python-dateutil six jmespath snapshot-restore-py
# Each layer (template.yaml's AWS::Serverless::LayerVersion) is a folder with its requirements.in and lock.
LAYERS := $(patsubst %/requirements.in,%,$(wildcard layers/*/requirements.in))

.PHONY: help install axe dev test unit lint typecheck validate build bench lock smoke preflight publish-console redrive clean

help:
	@echo "make dev       run baton locally on http://127.0.0.1:$(PORT) (PORT=... to change)"
	@echo "make test      lint, type-check, validate the template (cfn-lint + serverless rules, sam, checkov), run every test"
	@echo "make build     sam build (python3.13, arm64)"
	@echo "make preflight STACK=<stack> [REGION=...] [PARAMS=\"SenderEmail=... CognitoDomainPrefix=...\"]  before sam deploy"
	@echo "make smoke     STACK=<stack> [REGION=...] after a deploy, or BASE_URL=http://127.0.0.1:3000 against make dev"
	@echo "make publish-console STACK=<stack> [REGION=...]  upload web/ with a config.json from the stack's outputs"
	@echo "make redrive STACK=<stack> [REGION=...]  the SNS subscriptions' dead letters back through the events topic"
	@echo "make lock      re-pin requirements-*.txt and layers/*/requirements.txt from their .in files"
	@echo "make bench     benchmarks against a local runtime they start themselves"
	@echo "make lint | typecheck | validate | unit"

# Locked installs through uv (itself pinned with hashes): the dev tools, and checkov in its own environment.
$(VENV)/.ready: requirements-uv.txt requirements-dev.txt requirements-checkov.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --no-deps --require-hashes -r requirements-uv.txt
	$(UV) pip sync --python $(BIN)/python --require-hashes requirements-dev.txt
	$(UV) venv --allow-existing --python $(PYTHON) $(VENV)/checkov
	$(UV) pip sync --python $(VENV)/checkov/bin/python --require-hashes requirements-checkov.txt
	@# Make the repository's packages importable in the venv, as `pip install -e` would.
	$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "baton-dev.pth").write_text("$(CURDIR)\n$(CURDIR)/layers/baton\n")'
	touch $@

# The operator CLI, as a console script would install it (it runs from this checkout, like the .pth above).
$(BIN)/baton-admin: $(VENV)/.ready
	printf '#!/bin/sh\nexec "$(CURDIR)/$(BIN)/python" -m tools.baton_admin "$$@"\n' > $@
	chmod +x $@

install: $(VENV)/.ready $(BIN)/baton-admin

dev: install
	PORT=$(PORT) $(BIN)/python -m local

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy tools

validate: install
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint
	@# checkov reads neither Fn::ForEach (AWS::LanguageExtensions) nor conditions other than the defaults': it scans
	@# template.yaml as tools/render_template writes it out, once as deployed by default and once with every optional
	@# resource present (the console, ...).
	rendered=$$(mktemp -d) && trap 'rm -rf "$$rendered"' EXIT && \
	$(BIN)/python -m tools.render_template > "$$rendered/template.json" && \
	$(CHECKOV) --config-file .checkov.yaml -f "$$rendered/template.json" && \
	$(BIN)/python -m tools.render_template $(ALL_OPTIONAL_RESOURCES) > "$$rendered/template.json" && \
	$(CHECKOV) --config-file .checkov.yaml -f "$$rendered/template.json"

unit: install
	$(BIN)/pytest tests/unit -q

# axe-core for the console's accessibility checks, pinned with its integrity hash in tests/e2e/a11y's lock file.
# Without npm the Chromium accessibility tests skip, and say so; CI (.ci/run) requires them.
AXE := tests/e2e/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/a11y/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e/a11y --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the console's axe-core checks will be skipped (apt-get install npm)"; fi

axe: $(AXE)

test: lint typecheck validate axe
	$(BIN)/pytest

build: install
	@if [ -z "$(PY313)" ]; then echo "python3.13 not found: install it (pyenv install 3.13) for sam build"; exit 1; fi
	PATH="$(dir $(PY313)):$$PATH" UV="$(CURDIR)/$(UV)" $(BIN)/sam build
	@# /var/task is read-only in Lambda: ship each function's bytecode, as the layer does (layers/baton/Makefile)
	for artifact in .aws-sam/build/*Function; do $(PY313) -m compileall -q --invalidation-mode unchecked-hash "$$artifact"; done

bench: install
	$(BIN)/python -m bench

# Before a deploy: what CloudFormation cannot check (CloudFront verification, Lambda quota, SES, the Cognito prefix).
preflight: install
	@if [ -z "$(STACK)" ]; then echo "STACK=<stack name> [REGION=...] [PARAMS=\"Name=value ...\"] make preflight"; exit 1; fi
	$(BIN)/python -m tools.preflight --stack $(STACK) $(if $(REGION),--region $(REGION)) $(PARAMS)

# After a deploy: STACK=baton-dev [REGION=eu-west-1] make smoke; against `make dev`: BASE_URL=http://127.0.0.1:3000 make smoke
smoke: install
	@if [ -z "$(STACK)$(BASE_URL)" ]; then echo "STACK=<stack name> [REGION=...] make smoke, or BASE_URL=http://127.0.0.1:3000 make smoke"; exit 1; fi
	$(BIN)/python -m tools.smoke $(if $(BASE_URL),--base-url $(BASE_URL),--stack $(STACK)) $(if $(REGION),--region $(REGION))

publish-console: install
	@if [ -z "$(STACK)" ]; then echo "STACK=<stack name> make publish-console"; exit 1; fi
	$(BIN)/python -m tools.publish_console --stack $(STACK) $(if $(REGION),--region $(REGION))

# After an SNS delivery failure is fixed: the SubscriptionDeadLetters events back through the events topic.
redrive: install
	@if [ -z "$(STACK)" ]; then echo "STACK=<stack name> make redrive"; exit 1; fi
	$(BIN)/python -m tools.redrive --stack $(STACK) $(if $(REGION),--region $(REGION))

lock: install
	$(UV) pip compile --quiet --universal --generate-hashes requirements-uv.in -o requirements-uv.txt
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes requirements-dev.in -o requirements-dev.txt
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes requirements-checkov.in -o requirements-checkov.txt
	for layer in $(LAYERS); do (cd $$layer && ../../$(UV) pip compile --quiet --python-version 3.13 --python-platform aarch64-manylinux2014 \
		--generate-hashes -c ../../requirements-dev.txt $(addprefix --no-emit-package ,$(PROVIDED_BY_LAMBDA)) requirements.in \
		-o requirements.txt) || exit 1; done

clean:
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache
