# Two commands for a newcomer: `make run` and `make test`. Each sets up its own virtualenv.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NODE   ?= node
PORT   ?= 8501

.PHONY: run test lint validate setup setup-dev bench clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

## Run the atlas on http://127.0.0.1:$(PORT) (no network needed).
run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

## Lint, type-check, validate the data and run every test (browser tests need /usr/bin/chromium;
## the map script's tests need Node.js: Debian's `nodejs`).
test: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m layers validate
	$(NODE) --test tests/js/*.test.js
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m mypy

validate: $(VENV)/.runtime
	$(PY) -m layers validate

bench: $(VENV)/.dev
	$(PY) benchmarks/bench_geocode.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
