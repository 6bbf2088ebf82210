# One obvious way to run everything. `make install` then `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install serve test test-fast lint format bench bench-answer eval eval-answers eval-xquad-withheld eval-retrieval train-reader diacritics

install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,ray]'
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

DATA ?= ../shared/datasets/qa
XQUAD ?= ../shared/benchmarks/xquad-vi
HOIDAP := $(VENV)/bin/hoidap

eval:  # the figures of docs/reader.md: dev sets (decide on these), XQuAD-vi (report only); in eval-out/
	$(HOIDAP) eval --squad $(DATA)/viquad1.0/dev_ViQuAD.json --every 10 --extractive --out eval-out/viquad-dev-open.jsonl
	$(HOIDAP) eval --squad $(DATA)/mailong25-vi-squad2/dev-v2.0.json --gold-passage --out eval-out/mailong-dev-gold.jsonl
	$(HOIDAP) eval --out eval-out/bundled.jsonl
	$(HOIDAP) eval --squad $(XQUAD)/xquad.vi.json --every 5 --extractive --out eval-out/xquad-vi.jsonl
	$(HOIDAP) eval --squad $(XQUAD)/xquad.vi.json --every 5 --gold-passage --out eval-out/xquad-vi-gold.jsonl
	$(HOIDAP) eval --squad $(XQUAD)/xquad.vi.json --questions-from $(XQUAD)/xquad.en.json --every 5 --out eval-out/xquad-en.jsonl  # default mode: translated first (~25 min)
	$(HOIDAP) eval --squad $(XQUAD)/xquad.vi.json --fold-questions --every 5 --extractive --out eval-out/xquad-folded.jsonl

eval-answers:  # answers + refusals + citations on the bundled question set
	$(HOIDAP) eval --out eval-out/answers.jsonl

eval-xquad-withheld:  # every 20th XQuAD-vi question asked with its own paragraph left out: refusal
	$(HOIDAP) eval --squad $(XQUAD)/xquad.vi.json --every 20 --withhold-sources --extractive --out eval-out/xquad-withheld.jsonl

eval-retrieval:  # retrieval only on XQuAD-vi: Vietnamese, English and unaccented questions
	$(HOIDAP) eval --no-generate --squad $(XQUAD)/xquad.vi.json --out eval-out/xquad-vi.jsonl
	$(HOIDAP) eval --no-generate --squad $(XQUAD)/xquad.vi.json --questions-from $(XQUAD)/xquad.en.json --out eval-out/xquad-en.jsonl
	$(HOIDAP) eval --no-generate --squad $(XQUAD)/xquad.vi.json --fold-questions --out eval-out/xquad-folded.jsonl

READER_DATA = $(DATA)/viquad1.0/train_ViQuAD.json $(DATA)/mailong25-vi-squad2/train-v2.0.json $(DATA)/th1nhng0/train_reg.json $(DATA)/th1nhng0/train_wiki.json $(DATA)/squad2-en/train-v2.0-first-10-articles.json

train-reader:  # the shipped reader, reproduced (~4 h on 2 cores in all; run it with nohup; --resume continues)
	$(HOIDAP) train-reader --data $(READER_DATA) --out runs/reader1 --frozen-layers 4 --epochs 0.8
	$(HOIDAP) train-reader --data $(READER_DATA) --out runs/reader2 --frozen-layers 4 --init runs/reader1 --epochs 1.0 --lr 5e-5 --warmup 0.03 --seed 14
	$(PY) scripts/rerank_sweep.py --reader runs/reader2 --squad $(DATA)/viquad1.0/dev_ViQuAD.json --distractors $(DATA)/../news/baomoi-2017-35k.jsonl.gz --every 5 --out runs/rerank-viquad.jsonl
	# third schedule: ViQuAD train questions also asked in English (scripts/data/viquad-train-en.jsonl, made by scripts/translate_questions.py --every 6 --batch 32 --dtype bf16)
	$(PY) scripts/cross_lingual_squad.py $(DATA)/viquad1.0/train_ViQuAD.json scripts/data/viquad-train-en.jsonl runs/viquad-train-paired.json --paired
	$(HOIDAP) train-reader --data runs/viquad-train-paired.json $(DATA)/mailong25-vi-squad2/train-v2.0.json --out runs/reader --frozen-layers 4 --init runs/reader2 --epochs 1.0 --lr 3e-5 --warmup 0.05 --seed 15
	$(PY) scripts/rerank_sweep.py --from runs/rerank-viquad.jsonl --top 5 --write runs/reader  # the second reader's weight (16), re-swept for this one in docs/reader.md
	$(PY) scripts/fit_reader.py --reader runs/reader --write
	@echo "to ship it: cp runs/reader/reader.safetensors runs/reader/manifest.json qa/reading/weights/"

diacritics:  # the diacritics model for questions typed without them (corpus/data/diacritics; ~1 min)
	$(PY) scripts/build_diacritics.py --sweep
