# The commands the README gives. `make run` and `make test` each do all the set-up they need.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test bench lint install chromium clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || PY=python3; $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

node_modules/htmx.org/dist/htmx.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then echo "installing npm (Debian) for the front-end libraries"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing: install Node.js and npm (e.g. 'apt-get install npm'), then retry"; exit 1; fi; }
	npm ci --no-audit --no-fund --silent
	@touch $@

install: $(STAMP) node_modules/htmx.org/dist/htmx.min.js

# Debian's Chromium, which Playwright drives through executablePath (no browser download).
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Chromium (Debian) for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "Chromium is missing at $(CHROMIUM): run 'sudo apt-get install chromium fonts-noto-cjk' (or set CHROMIUM=/path)"; exit 1; fi; }

run: install
	$(BIN)/siyu run --port $(PORT)

test: install chromium
	SIYU_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -n 2 --dist loadfile $(ARGS)

bench: install
	$(BIN)/python -m benchmarks $(if $(ONLY),--only $(ONLY),) $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/siyu makemigrations --check --dry-run
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules var
