# Fluxo: `make demo` runs the platform on an embedded PostgreSQL; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed

.PHONY: demo test lint format lock clean

demo: $(STAMP)
	$(VENV)/bin/fluxo demo

test: $(STAMP)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin the whole dependency tree after changing pyproject.toml.
lock: $(STAMP)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# The venv is (re)built whenever the pins change. uv installs the locked set in seconds;
# --compile-bytecode because imports of the uncompiled tree run about twice as slow.
$(STAMP): pyproject.toml requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip sync --quiet --python $(VENV)/bin/python --compile-bytecode requirements.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --compile-bytecode --no-deps -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) .fluxo dbt_project/target dbt_project/logs
