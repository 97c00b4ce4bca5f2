# Two entry points: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Offline-friendly Prefect defaults for every command started from here.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= INFO

.PHONY: install demo test lint typecheck bench clean

install: $(STAMP)

# torch first: the local CPU wheel when no torch is importable, so the range in pyproject.toml
# is already satisfied and pip never reaches for the CUDA build. A torch the user installed
# (e.g. a CUDA build on a GPU machine) is left alone.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rebalance demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) rebalance-output .pytest_cache .mypy_cache .ruff_cache
