# Assay: `make run` and `make test` set up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all lint bench screenshots clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/assay-desk --demo

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

test-all: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -m 'slow or not slow'

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/bench_foundation.py

clean:
	rm -rf $(VENV) build dist
