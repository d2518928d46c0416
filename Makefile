# The book's commands. `make book` and `make test` are all the set-up a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
NB ?=

.PHONY: book test unit nbval site lint execute lab reproduce bench venv clean test-site chromium check-install test-determinism

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements-dev.txt
	# d2l 1.0.3 pins old NumPy: installed without its pins, for the tests that compare against it
	$(PIP) install --no-deps d2l==1.0.3
	touch $(STAMP)

venv: $(STAMP)

book: venv  ## build the site into _build/html
	$(BIN)/jupyter-book build .
	@echo "The book is built: open _build/html/index.html in a browser."

test: venv lint unit nbval site  ## unit and claims tests, every notebook in SMOKE mode, the site with -W

lint: venv  ## ruff, and actionlint on the GitHub workflows (offline)
	$(BIN)/ruff check utils tools tests bench _ext
	$(BIN)/actionlint .github/workflows/*.yml

unit: venv
	$(BIN)/python -m pytest tests -q --ignore=tests/site --ignore=tests/determinism

nbval: venv
	@if ls chapters/*.ipynb >/dev/null 2>&1; then \
	  BOOK_SMOKE=1 $(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
	    -p no:cacheprovider -q chapters; \
	else echo "no notebooks in chapters/ yet: nbval has nothing to run"; fi

site: venv  ## build the site with warnings as errors, then check every internal link and anchor and the Pitfalls page
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W --keep-going
	$(BIN)/python -m tools.check_links _build/html
	$(BIN)/python -m pytest tests/site/test_pitfalls_page.py -q -p no:cacheprovider

test-site: venv chromium  ## the built site in a browser with no network: pages, math, solutions, images, links
	@[ -f _build/html/index.html ] || $(MAKE) site
	$(BIN)/python -m pytest tests/site -q -p no:cacheprovider

test-determinism: venv  ## chapters 2 and 5 executed twice in FULL mode glue identical numbers (slow)
	$(BIN)/python -m pytest tests/determinism -q

check-install: venv  ## requirements.txt resolves with binary wheels for Python 3.12 (as on Colab) and 3.11
	$(BIN)/python -m tools.check_install

chromium:  # Debian's Chromium for the browser tests (browser downloads do not work offline); BOOK_CHROMIUM overrides
	@[ -n "$$BOOK_CHROMIUM" ] || command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	  else echo "The browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

execute: venv  ## run notebooks in FULL mode and store them: make execute [NB=chapters/xx.ipynb]
	$(BIN)/python -m tools.execute $(NB)

lab: venv  ## JupyterLab with the book's environment
	$(BIN)/jupyter lab

reproduce: venv  ## re-execute every chapter (FULL) into a temporary folder, then run the claims tests on it
	@out=$$(mktemp -d); \
	BOOK_NOTEBOOK_DIR=$$out $(BIN)/python -m tools.execute --output-dir $$out && \
	BOOK_NOTEBOOK_DIR=$$out $(BIN)/python -m pytest tests/claims -q

bench: venv  ## performance benchmarks (see chapters' performance appendix)
	$(BIN)/python -m bench.run

clean:
	rm -rf _build
