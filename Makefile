# Two commands do all the set-up: `make report` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := rusmiddel-analysis
ARGS ?=

.PHONY: setup report test lint lab bench screenshots docs clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "rusmiddel-analysis needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml or this file changed, so a second run is fast.
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,dask]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (rusmiddel-analysis)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Demo data only when data/raw holds no exports; then raw -> processed -> HTML for every year.
report: setup
	$(BIN)/rusmiddel demo-data --if-empty
	$(BIN)/rusmiddel process
	$(BIN)/rusmiddel report $(ARGS)

test: setup
	$(BIN)/python -m pytest $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

lab: setup
	$(BIN)/jupyter lab --notebook-dir=.

bench: setup
	$(BIN)/python benchmarks/bench_reports.py

screenshots: setup
	$(BIN)/python scripts/screenshots.py

# the methodology's worked examples from the current demo and the verdict simulation
docs: setup
	$(BIN)/python scripts/methodology.py

clean:
	rm -rf $(VENV)
