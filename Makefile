# One obvious way to run everything. `make install` then `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install serve test test-fast lint format bench bench-answer eval-answers eval-xquad eval-xquad-answers eval-xquad-reader eval-xquad-withheld eval-heldout eval-fresh eval-fourth eval-fifth eval-sixth eval-seventh eval-eighth eval-ninth eval-tenth

install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(VENV)/bin/hoidap setup

serve:  # the chat UI + REST API on http://127.0.0.1:7860
	$(VENV)/bin/hoidap serve

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

bench-answer:  # first token, whole answer, tokens/s, peak RSS on the bundled corpus
	$(PY) scripts/bench_answer.py

eval-answers:  # answers + refusals + citations on the bundled question set
	$(VENV)/bin/hoidap eval --out eval-out/answers.jsonl

eval-heldout:  # the same on the held-out set (two checks were since written from its misses)
	$(VENV)/bin/hoidap eval corpus/data/heldout.jsonl --out eval-out/heldout.jsonl

eval-fresh:  # the same on the third set (checks were since written from its first run)
	$(VENV)/bin/hoidap eval corpus/data/heldout2.jsonl --out eval-out/fresh.jsonl

eval-fourth:  # the same on the fourth set (checks were since written from its misses)
	$(VENV)/bin/hoidap eval corpus/data/heldout3.jsonl --out eval-out/fourth.jsonl

eval-fifth:  # the same on the fifth set (committed before its first run; checks written since)
	$(VENV)/bin/hoidap eval corpus/data/heldout4.jsonl --out eval-out/fifth.jsonl

eval-sixth:  # the same on the sixth set (committed before its first run)
	$(VENV)/bin/hoidap eval corpus/data/heldout5.jsonl --out eval-out/sixth.jsonl

eval-seventh:  # the same on the seventh set (committed before its first run)
	$(VENV)/bin/hoidap eval corpus/data/heldout6.jsonl --out eval-out/seventh.jsonl

eval-eighth:  # the same on the eighth set (committed before its first run)
	$(VENV)/bin/hoidap eval corpus/data/heldout7.jsonl --out eval-out/eighth.jsonl

eval-ninth:  # the same on the ninth set (committed before its first run)
	$(VENV)/bin/hoidap eval corpus/data/heldout8.jsonl --out eval-out/ninth.jsonl

eval-tenth:  # the same on the tenth set (committed before its first run)
	$(VENV)/bin/hoidap eval corpus/data/heldout9.jsonl --out eval-out/tenth.jsonl

eval-xquad-answers:  # every 20th XQuAD-vi question (60), full pipeline over all 240 paragraphs
	$(VENV)/bin/hoidap eval --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --every 20 --out eval-out/xquad-answers.jsonl

eval-xquad-reader:  # the same 60 without refusal checks: what the reader alone gets right
	$(VENV)/bin/hoidap eval --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --every 20 --no-refusal-checks --out eval-out/xquad-reader.jsonl

eval-xquad-withheld:  # the same 60, each asked with its own paragraph left out: refusal
	$(VENV)/bin/hoidap eval --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --every 20 --withhold-sources --out eval-out/xquad-withheld.jsonl

eval-xquad:
	$(VENV)/bin/hoidap eval --no-generate --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --out eval-out/xquad-vi.jsonl
	$(VENV)/bin/hoidap eval --no-generate --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --questions-from ../shared/benchmarks/xquad-vi/xquad.en.json --out eval-out/xquad-en.jsonl
	$(VENV)/bin/hoidap eval --no-generate --squad ../shared/benchmarks/xquad-vi/xquad.vi.json --fold-questions --out eval-out/xquad-folded.jsonl
