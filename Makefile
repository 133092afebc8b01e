# Assay: `make run` and `make test` set up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all lint bench screenshots dist wheelhouse clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/assay-desk --demo

test: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

test-all: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,build]'
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q -m 'slow or not slow'

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/bench_foundation.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots_review.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots_demo.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots_analysis.py

# One folder, dist/assay/, with both programs (PyInstaller; see build.spec).
dist: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,build]'
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller build.spec

# Every wheel Assay needs, for this platform and Python, with hashes: install with
#   pip install --no-index --find-links dist/wheelhouse -r dist/wheelhouse/requirements.txt
wheelhouse: $(STAMP)
	$(BIN)/python tools/wheelhouse.py dist/wheelhouse

clean:
	rm -rf $(VENV) build dist
