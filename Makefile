# One obvious way to run everything. `make install` then `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install test test-fast lint format bench eval-xquad

install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(VENV)/bin/hoidap setup

test:
	$(PY) -m pytest -q

test-fast:  # logic only, no real model
	$(PY) -m pytest -q -m "not model"

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench:
	$(PY) scripts/bench_retrieval.py

eval-xquad:
	$(VENV)/bin/hoidap eval --no-generate --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --out eval-out/xquad-vi.jsonl
	$(VENV)/bin/hoidap eval --no-generate --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --questions-from ../shared/benchmarks/xquad-vi/xquad.en.json --out eval-out/xquad-en.jsonl
	$(VENV)/bin/hoidap eval --no-generate --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --fold-questions --out eval-out/xquad-folded.jsonl
