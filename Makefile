# baton: `make dev` runs the whole system locally, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
export SAM_CLI_TELEMETRY := 0
# `sam build` for the python3.13 runtime needs python3.13 on PATH (pyenv has it here).
PY313 := $(shell PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || command -v python3.13 2>/dev/null)

.PHONY: help install dev test unit lint typecheck validate build bench clean

help:
	@echo "make dev       run baton locally on http://127.0.0.1:$(PORT) (PORT=... to change)"
	@echo "make test      lint, type-check, validate the template, run every test"
	@echo "make build     sam build (python3.13, arm64)"
	@echo "make bench     benchmarks against a local runtime they start themselves"
	@echo "make lint | typecheck | validate | unit"

$(VENV)/.ready: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	@# Make the repository's packages importable in the venv, as `pip install -e` would.
	$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "baton-dev.pth").write_text("$(CURDIR)\n$(CURDIR)/layers/baton\n")'
	touch $@

install: $(VENV)/.ready

dev: install
	PORT=$(PORT) $(BIN)/python -m local

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

validate: install
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint

unit: install
	$(BIN)/pytest tests/unit -q

test: lint typecheck validate
	$(BIN)/pytest

build: install
	@if [ -z "$(PY313)" ]; then echo "python3.13 not found: install it (pyenv install 3.13) for sam build"; exit 1; fi
	PATH="$(dir $(PY313)):$$PATH" $(BIN)/sam build

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache
