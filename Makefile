# Berkane e-services portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}'

.PHONY: system-deps
system-deps: ## Install the missing Debian packages (SpatiaLite, PostGIS, Chromium, fonts, npm)
	@scripts/install-system-deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

portal/static/vendor/fonts.css: node_modules/.installed scripts/build_assets.py
	$(BIN)/python scripts/build_assets.py

.PHONY: assets
assets: portal/static/vendor/fonts.css ## Copy front-end assets from npm packages into portal/static/vendor

.PHONY: translations
translations: ## Compile the Arabic and French catalogs (.mo files are built, not committed)
	$(BIN)/flask translate compile

.PHONY: translations-update
translations-update: ## Extract messages and merge them into translations/*/messages.po
	$(BIN)/flask translate update

.PHONY: install
install: system-deps $(VENV)/.runtime assets translations ## Everything the portal needs to run

.PHONY: run
run: install ## Serve the portal with demo data on http://127.0.0.1:5000 (embedded SpatiaLite)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

.PHONY: test-deps
test-deps: system-deps $(VENV)/.dev .venv-ogctests/.installed assets translations

# The OGC API conformance suite (ogctests) needs pytest<9 and httpx<0.28: its own virtualenv, from a full lock file.
.venv-ogctests/.installed: requirements-ogctests.txt
	$(PYTHON) -m venv .venv-ogctests
	.venv-ogctests/bin/pip install -q -r requirements-ogctests.txt
	@touch $@

# Both cores: each xdist worker has its own database and, for browser tests, its own live portal.
PYTEST_WORKERS ?= 2

.PHONY: test
test: test-deps ## Run the whole suite on SpatiaLite, then on PostGIS
	$(BIN)/pytest -n $(PYTEST_WORKERS) --db spatialite
	$(BIN)/pytest -n $(PYTEST_WORKERS) --db postgis

.PHONY: test-spatialite test-postgis
test-spatialite: test-deps ## Run the suite on SpatiaLite only
	$(BIN)/pytest -n $(PYTEST_WORKERS) --db spatialite
test-postgis: test-deps ## Run the suite on PostGIS only
	$(BIN)/pytest -n $(PYTEST_WORKERS) --db postgis

# bench/ogcapi_peers.py serves the same table through pygeoapi and tipg, whose dependencies clash with ours:
# each gets its own virtualenv from a full lock file; wrk (Debian) is the load generator.
BENCH_PEERS := pygeoapi tipg

.venv-bench-%/.installed: bench/peers/requirements-%.txt
	$(PYTHON) -m venv .venv-bench-$*
	.venv-bench-$*/bin/pip install -q -r $<
	@touch $@

.PHONY: bench-deps
bench-deps: ## Install what bench/ogcapi_peers.py needs: wrk, and pygeoapi and tipg in their own virtualenvs
	@scripts/install-system-deps.sh wrk
	@$(MAKE) --no-print-directory $(VENV)/.runtime $(BENCH_PEERS:%=.venv-bench-%/.installed)

.PHONY: lint
lint: $(VENV)/.dev ## Check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: clean
clean: ## Remove built files (keeps the database in instance/)
	rm -rf portal/static/vendor test-output .pytest_cache
	find translations -name '*.mo' -delete
