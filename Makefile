# faqbot: `make run` serves the site and API; `make test` runs every check. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
PORT ?= $(or $(FAQBOT_PORT),8000)

.PHONY: setup runtime run build test test-fast lint typecheck browser services benchmarks eval notebook notebook-run bench clean

# `make run` needs the runtime only (runtime); `make test` adds the development tools (setup).
runtime: $(RUNTIME)
setup: $(STAMP)

# torch first, its CPU build (scripts/install-torch.sh): an unpinned torch would pull a multi-GB
# CUDA build as a dependency of sentence-transformers.
$(RUNTIME): pyproject.toml
	@test -x $(BIN)/python || { echo "== 1/3 creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "== 2/3 installing PyTorch, CPU build (a download of about 200 MB, 750 MB installed; the longest step)"
	@scripts/install-torch.sh $(BIN)/python
	@echo "== 3/3 installing faqbot and what it runs on (FastAPI, sentence-transformers, FAISS, ...)"
	@$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME)
	@echo "== installed: $$($(BIN)/faqbot --version)"

$(STAMP): $(RUNTIME)
	@echo "== installing the development tools (pytest, ruff, mypy, Playwright, Jupyter, ...)"
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

build: runtime
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

# PostgreSQL, nginx and HAProxy from Debian, for the question-log tests on PostgreSQL, the replicas
# behind a proxy, and `make bench`; podman (with runc, and debootstrap for a base image where no
# registry answers) for the container image's test. The tests start their own in temp dirs
# (tests/services.py). Installed when missing and we can (root).
SERVICE_PACKAGES := postgresql nginx haproxy podman runc debootstrap
services:
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && \
	    { command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } && \
	    { command -v haproxy >/dev/null 2>&1 || test -x /usr/sbin/haproxy; } && \
	    command -v podman >/dev/null 2>&1 && { command -v runc >/dev/null 2>&1 || test -x /usr/sbin/runc; } && \
	    { command -v debootstrap >/dev/null 2>&1 || test -x /usr/sbin/debootstrap; }; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SERVICE_PACKAGES) >/dev/null; \
	else echo "Some of $(SERVICE_PACKAGES) are missing and this is not root: their tests will be skipped (outside CI)"; fi

# ruff for style, and import-linter for the layering (pyproject.toml: the stages import downwards only).
lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports --no-cache

typecheck: setup
	$(BIN)/mypy

test: setup browser services lint typecheck
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
# `make bench SCALE=1` adds the 10k/100k/1M-passage part: the indexes alone (bench/scale.py), then whole
# sites built and answered end to end (bench/scale_e2e.py); about an hour and a half on 2 cores, ~25 GB of disk.
bench: setup services
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; } || echo "no wrk: using bench/loadgen.py"; \
	  else echo "no wrk: using bench/loadgen.py"; fi; }
	$(BIN)/python bench/run.py $(if $(SCALE),--scale,)

notebook: setup
	$(BIN)/jupyter lab notebooks/evaluation.ipynb

# Executes the notebook in place (its saved outputs are this run's) and copies its suite table into the README.
notebook-run: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=1800 notebooks/evaluation.ipynb
	$(BIN)/python scripts/quality_table.py

clean:
	rm -rf $(VENV) benchmarks indexes/current indexes/builds indexes/cache .pytest_cache .mypy_cache .ruff_cache
