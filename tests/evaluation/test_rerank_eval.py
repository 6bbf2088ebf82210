"""``hoidap eval --rerank``: retrieval is scored after the reader re-orders the top
passages, as answers order them; a reader without a fitted re-ranking is refused."""

import json

import pytest
from test_squad import _small

from qa.evaluation.evaluate import EvalOptions, run_eval
from qa.reading.reader import FakeReader
from qa.reading.rerank import Rerank

ANSWERS = {"Ai họp?": "Ủy ban", "Ở đâu đẹp?": "Đà Nẵng", "Gì?": "X"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOIDAP_CACHE", str(tmp_path / "cache"))


def _firsts(out) -> dict[str, str]:
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    return {r["id"]: r["retrieved"][0]["doc_id"] for r in rows}


def test_rerank_puts_the_passage_holding_the_answer_first(tmp_path, cache, encoder):
    out = tmp_path / "out.jsonl"
    opts = EvalOptions(squad=str(_small(tmp_path)), out=str(out), generate=False, k=3)
    reader = FakeReader(ANSWERS, rerank=Rerank(top=3, retrieval_weight=0.0))
    run_eval(opts, encoder, say=lambda _m: None, reader=reader)
    plain = _firsts(out)
    run_eval(
        EvalOptions(**{**opts.__dict__, "rerank": True}), encoder, lambda _m: None, None, reader
    )
    ranked = _firsts(out)
    assert ranked == {"a": "Hoa_Binh/0", "b": "Hoa_Binh/1", "c": "Khac/0"}
    assert plain != ranked  # the fake encoder's order differs: else this shows nothing
    metrics = json.loads(out.with_name("out.metrics.json").read_text(encoding="utf-8"))
    assert metrics["overall"]["recall@1"] == 1.0


def test_rerank_needs_a_fitted_reranking(tmp_path, cache, encoder):
    opts = EvalOptions(squad=str(_small(tmp_path)), out=str(tmp_path / "o.jsonl"), rerank=True)
    with pytest.raises(ValueError, match="no fitted re-ranking"):
        run_eval(opts, encoder, say=lambda _m: None, reader=FakeReader(ANSWERS))
