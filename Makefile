# Two commands do all the set-up: `make report` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := rusmiddel-analysis
ARGS ?=
# Exact versions with hashes of everything pyproject.toml declares (runtime, dev, dask), for
# every platform; `make lock` refreshes it with uv at this version.
LOCK := requirements.lock
UV_VERSION := 0.13.9

.PHONY: setup report test check lint lock lab bench screenshots docs clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "rusmiddel-analysis needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Installs the lock, then the package itself without resolving again. Re-installs only when the
# lock, pyproject.toml or this file changed, so a second run is fast.
$(STAMP): $(LOCK) pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (rusmiddel-analysis)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Demo data only when data/raw holds no exports; then raw -> processed -> HTML for every year.
report: setup
	$(BIN)/rusmiddel demo-data --if-empty
	$(BIN)/rusmiddel process
	$(BIN)/rusmiddel report $(ARGS)

# The whole suite, as CI runs it (.ci/run): before a commit.
test: setup
	$(BIN)/python -m pytest $(ARGS)

# The fast loop while working (about 2 minutes on 2 cores): the linters, then every test not marked slow or browser.
check: lint
	$(BIN)/python -m pytest -m "not slow and not browser" $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Re-resolve the lock after pyproject.toml changed, keeping every pin that still fits;
# `make lock ARGS=--upgrade` moves everything to the newest versions that fit.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra dask --universal --python-version 3.11 --generate-hashes \
		--quiet --output-file $(LOCK) $(ARGS)

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
