# faqbot: `make run` serves the site and API; `make test` runs every check. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= $(or $(FAQBOT_PORT),8000)

.PHONY: setup run build test test-fast lint typecheck browser benchmarks eval notebook bench clean

setup: $(STAMP)

# torch first, pinned: 2.13.0 is the CPU build on this machine's disk; an unpinned torch would
# pull a multi-GB CUDA build as a dependency of sentence-transformers.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

build: setup
	$(BIN)/faqbot build

run: build
	FAQBOT_PORT=$(PORT) $(BIN)/faqbot serve

# Debian's chromium drives the browser tests; install it when missing and we can (root).
# axe-core (the accessibility checks) comes from the npm registry, pinned by tests/e2e/package-lock.json.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and this is not root: browser tests will be skipped (outside CI)"; fi; }
	@test -d tests/e2e/node_modules/axe-core || npm ci --prefix tests/e2e --silent

# ruff for style, and import-linter for the layering (pyproject.toml: the stages import downwards only).
lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports --no-cache

typecheck: setup
	$(BIN)/mypy

test: setup browser lint typecheck
	$(BIN)/pytest

# The inner loop: no model, no browser, no load test (under a minute).
test-fast: setup
	$(BIN)/pytest -m "not model and not browser and not slow" -q

# Public benchmark data (StackFAQ, SQuAD "Normans") into benchmarks/, which git ignores: from
# BENCHMARKS_FROM (a local folder of <set>/<file>) when given, else from the public sources.
benchmarks: setup
	$(BIN)/python scripts/benchmarks.py $(if $(BENCHMARKS_FROM),--from $(BENCHMARKS_FROM),)

eval: build
	$(BIN)/faqbot eval --suite

# wrk (Debian) generates the load when it can be had; else bench/loadgen.py does, in Python.
# `make bench SCALE=1` adds the 10k/100k/1M-passage part (about 15 minutes on 2 cores).
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; } || echo "no wrk: using bench/loadgen.py"; \
	  else echo "no wrk: using bench/loadgen.py"; fi; }
	$(BIN)/python bench/run.py $(if $(SCALE),--scale,)

notebook: setup
	$(BIN)/jupyter lab notebooks/evaluation.ipynb

clean:
	rm -rf $(VENV) benchmarks indexes/current indexes/builds indexes/cache .pytest_cache .mypy_cache .ruff_cache
