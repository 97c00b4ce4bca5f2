# Two entry points: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Offline-friendly Prefect defaults for every command started from here.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= INFO
# Short OpenMP spins: torch's and scikit-learn's runtimes otherwise starve each other on a busy
# 2-core machine (see `set_process_defaults` in rebalance/cli/main.py for the measurements).
export GOMP_SPINCOUNT ?= 10000

.PHONY: install browser postgres demo test lint typecheck clean bench-ctgan-env bench-gan bench-validation bench-wide bench-parallel bench-scale

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

# Debian's Chromium renders the validation report in the browser test. Installed when missing
# (apt-get, as root or through sudo); SKIP_BROWSER=1 skips it and that test then skips.
browser:
	@if [ -n "$$SKIP_BROWSER" ] || command -v chromium >/dev/null 2>&1; then :; \
	else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
		|| { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
		|| { echo "could not install chromium (set SKIP_BROWSER=1 to skip the browser test)"; exit 1; }; \
	fi

# Debian's PostgreSQL for the test that serves with PostgreSQL as Prefect's database (the
# production setup). Installed when missing, like chromium; SKIP_POSTGRES=1 skips that test.
postgres:
	@if [ -n "$$SKIP_POSTGRES" ] || command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then :; \
	else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 \
		|| { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
		|| { echo "could not install postgresql (set SKIP_POSTGRES=1 to skip the PostgreSQL test)"; exit 1; }; \
	fi

test: $(STAMP) browser postgres
	$(BIN)/python -m pytest -q

# ruff, the layers contract in pyproject.toml (entry points -> flows -> tasks -> engines
# -> core), then mypy. import-linter and mypy read rebalance.gan etc. through the links
# rebalance/gan -> ../gan, so they see the layout the wheel installs.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build rebalance-output .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (see benchmarks/README.md). ctgan lives in its own environment: it pins pandas<3.
BENCH_CTGAN ?= .bench-ctgan

$(BENCH_CTGAN)/.installed:
	$(PYTHON) -m venv $(BENCH_CTGAN)
	$(BENCH_CTGAN)/bin/pip install --quiet torch==2.13.0
	$(BENCH_CTGAN)/bin/pip install --quiet ctgan==0.12.1 "pandas<3"
	touch $@

bench-ctgan-env: $(BENCH_CTGAN)/.installed

bench-validation: $(STAMP)
	$(BIN)/python benchmarks/validation_matrix.py

bench-gan: $(STAMP) $(BENCH_CTGAN)/.installed
	$(BIN)/python benchmarks/gan_vs_ctgan.py --ctgan-python $(BENCH_CTGAN)/bin/python

# Issue 15's scale checks: a 50-row x 1,000-column run end to end, and method auto on adult
# with its candidates one after another vs side by side (see benchmarks/README.md).
bench-wide: $(STAMP)
	$(BIN)/python benchmarks/wide.py

bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py

bench-parallel: $(STAMP)
	$(BIN)/python benchmarks/parallel_candidates.py
