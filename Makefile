# Everything installs from scratch: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EVAL   ?= ../shared/eval

.PHONY: install demo test test-fast bench load lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Summarize the bundled sample article on the offline model and print the digest.
demo: install
	$(BIN)/precis summarize samples/article.html

## The whole test suite (fast tests and the real packaged model).
test: install
	$(BIN)/python -m pytest

## Only the tests that need no model.
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

## Quality and speed on the evaluation data in $(EVAL); reports numbers, asserts nothing.
bench: install
	$(BIN)/python -m bench --eval-dir $(EVAL)

## Bursts of /summarize (20 and 200 links) against the real `precis slack --http`, a mock Slack API
## and an article server, all on 127.0.0.1: acknowledgement times, answers, busy, peak RSS.
load: install
	$(BIN)/python -m bench.load --eval-dir $(EVAL)

lint: install
	$(BIN)/ruff check bot models tests bench
	$(BIN)/ruff format --check bot models tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
