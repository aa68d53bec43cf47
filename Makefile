# pgviz: every command a reader or maintainer needs. Each target first makes sure .venv
# exists with the pinned versions of requirements.txt and pgviz installed (idempotent).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pgviz-installed
FIRST_NOTEBOOK := notebooks/01-what-is-grad-log-pi.ipynb
LAB_ARGS ?=
# Jupyter refuses to run as root without --allow-root (containers, CI): add it only there.
AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
NOTEBOOKS ?= notebooks/[0-9][0-9]-*.ipynb

.PHONY: help setup lab test lint format execute bench clean

help:
	@echo "make lab      open the series in JupyterLab (creates .venv when missing)"
	@echo "make test     run every test: ruff (lint + format check), pytest and strict nbval over every notebook"
	@echo "make format   format the code and the notebooks with ruff (then make execute for notebooks)"
	@echo "make execute  re-execute every notebook in place to refresh its stored outputs"
	@echo "make bench    print the benchmark figures"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "pgviz needs Python >= 3.10; set PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -c "import pgviz.rl; pgviz.rl.compile_loops()"  # numba's compile, once (cached on disk)
	@touch $(STAMP)

setup: $(STAMP)

# Serve the repository root (not notebooks/, which a file argument alone would pick), so paths
# match the Binder links: lab/tree/notebooks/NN-slug.ipynb.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. $(AS_ROOT) $(LAB_ARGS) $(FIRST_NOTEBOOK)

test: lint
	$(BIN)/python -m pytest

# ruff (configured in pyproject.toml) over the package, tests, tools, benchmarks and notebooks.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One fresh kernel per notebook, top to bottom: execution counts 1..n. Outputs are never hand-edited.
execute: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.store_widget_state=False \
	    $(NOTEBOOKS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(TOPICS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# --- navigation, static pages, real-browser widget test (tools/, tests/browser/) ---------------
.PHONY: nav site browser-test
BROWSER_STAMP := $(VENV)/.pgviz-browser-installed
CHROMIUM ?= /usr/bin/chromium

# Regenerate the README contents, notebooks/00-index.ipynb and every notebook's prev/next cells.
nav: $(STAMP)
	$(BIN)/python tools/navigation.py

# One HTML page per notebook from its stored outputs (no re-execution) into site/.
site: $(STAMP)
	$(BIN)/python tools/build_site.py --output site

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	@touch $(BROWSER_STAMP)

# Every notebook in JupyterLab in headless Chromium: Run All, no widget errors, every slider moves
# its figure; prints the latencies. Needs Debian's chromium (apt-get install -y chromium).
browser-test: $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || { echo "browser-test needs $(CHROMIUM): apt-get install -y chromium"; exit 1; }
	PGVIZ_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -p no:cacheprovider -s tests/browser/browser_widgets.py
