"""Retrieval metrics, the source-matching rule, and the report plot."""

from __future__ import annotations

import json
import random

import pytest

from qa.evaluation.metrics import EvalRecord, first_hit_rank, percentile, retrieval_report
from qa.evaluation.questions import source_matches
from qa.evaluation.report_plot import plot_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("doc_id", "source", "expected"),
    [
        ("000_7de53399bb164004", "000_7de53399bb164004", True),  # exact
        ("000_7de53399bb164004", "000", True),  # prefix ending at "_"
        ("000_7de53399bb164004", "000_", True),  # source ends with a separator
        ("000_7de53399bb164004", "000_7de5", False),  # cut inside a segment
        ("0001_abc", "000", False),
        ("Title/31", "Title/3", False),
        ("Title/3", "Title/3", True),
        ("Fresno,_California/0", "Fresno,_California", True),
        ("Fresno,_California/0", "Fresno", True),  # next char "," is a boundary
        ("abc", "", False),  # an empty source names nothing
        ("ab", "abc", False),
    ],
)
def test_source_matches(doc_id: str, source: str, expected: bool) -> None:
    assert source_matches(doc_id, source) is expected


def _hand_records() -> list[EvalRecord]:
    d_list = tuple(f"x{i}" for i in range(10)) + ("d9",)  # the hit is at rank 11
    return [
        EvalRecord(
            id="A",
            type="fact",
            sources=("000",),
            retrieved=("001_x", "000_a", "000_a", "002"),
            latency_ms=10.0,
        ),  # rank 2
        EvalRecord(
            id="B",
            type="fact",
            sources=("Title/3",),
            retrieved=("Title/31", "Title/30", "x", "y", "z", "Title/3"),
            latency_ms=20.0,
        ),  # rank 6
        EvalRecord(
            id="C", type="list", sources=("d1", "d2"), retrieved=("d2",), latency_ms=30.0
        ),  # rank 1
        EvalRecord(
            id="D", type="list", sources=("d9",), retrieved=d_list, latency_ms=40.0
        ),  # rank 11: beyond every cut-off
        EvalRecord(
            id="E", type="list", sources=(), retrieved=("d1",), latency_ms=50.0
        ),  # unanswerable: not scored
    ]


def test_hand_computed_report() -> None:
    report = retrieval_report(_hand_records())
    assert [first_hit_rank(r) for r in _hand_records()] == [2, 6, 1, 11, None]
    assert report.n == 5
    overall = report.overall
    assert (overall.n, overall.n_unanswerable) == (4, 1)
    assert overall.recall == pytest.approx((0.25, 0.5, 0.75))
    assert overall.mrr == pytest.approx((1 / 2 + 1 / 6 + 1) / 4)
    fact, lst = report.by_type
    assert (fact.name, fact.n, fact.n_unanswerable) == ("fact", 2, 0)
    assert fact.recall == pytest.approx((0.0, 0.5, 1.0))
    assert fact.mrr == pytest.approx((1 / 2 + 1 / 6) / 2)
    assert (lst.name, lst.n, lst.n_unanswerable) == ("list", 2, 1)
    assert lst.recall == pytest.approx((0.5, 0.5, 0.5))
    assert lst.mrr == pytest.approx(0.5)
    assert report.latency_p50_ms == pytest.approx(30.0)
    assert report.latency_p95_ms == pytest.approx(48.0)  # 40 + 0.8 * (50 - 40)


def test_to_dict_is_strict_json_and_flat() -> None:
    records = [
        *_hand_records(),
        EvalRecord(id="F", type="none", sources=(), retrieved=(), latency_ms=1.0),
    ]
    data = json.loads(json.dumps(retrieval_report(records).to_dict(), allow_nan=False))
    assert data["overall"]["recall@5"] == pytest.approx(0.5)
    assert data["overall"]["mrr@10"] == pytest.approx(1.6666667 / 4)
    assert data["by_type"]["none"] == {
        "n": 0,
        "n_unanswerable": 1,
        "recall@1": None,
        "recall@5": None,
        "recall@10": None,
        "mrr@10": None,
    }
    assert set(data["latency_ms"]) == {"p50", "p95"}


def test_format_table() -> None:
    records = [
        *_hand_records(),
        EvalRecord(id="F", type="none", sources=(), retrieved=(), latency_ms=1.0),
    ]
    lines = retrieval_report(records).format_table().splitlines()
    assert lines[0].split() == ["type", "n", "unans", "R@1", "R@5", "R@10", "MRR@10"]
    assert lines[1].split() == ["overall", "4", "2", "0.250", "0.500", "0.750", "0.417"]
    assert lines[2].split()[:2] == ["fact", "2"]
    assert lines[4].split() == ["none", "0", "1", "-", "-", "-", "-"]
    assert lines[-1].startswith("latency ms: p50 25.0")
    assert len({len(line) for line in lines[:-1]}) == 1  # columns line up


def _random_records(rng: random.Random, n: int) -> list[EvalRecord]:
    docs = [f"{i:03d}_{rng.randrange(16**4):04x}" for i in range(15)]
    records = []
    for i in range(n):
        sources = tuple(d.split("_")[0] for d in rng.sample(docs, rng.choice([0, 1, 1, 2])))
        retrieved = tuple(rng.choice(docs) for _ in range(rng.randrange(13)))
        kind = rng.choice(["a", "b", "c"])
        records.append(
            EvalRecord(
                id=f"q{i}",
                type=kind,
                sources=sources,
                retrieved=retrieved,
                latency_ms=rng.uniform(1, 100),
            )
        )
    return records


@pytest.mark.parametrize("seed", range(30))
def test_properties_on_random_records(seed: int) -> None:
    rng = random.Random(seed)
    records = _random_records(rng, rng.randrange(1, 40))
    report = retrieval_report(records, ks=(1, 3, 5, 10))
    shuffled = records[:]
    rng.shuffle(shuffled)
    assert retrieval_report(shuffled, ks=(1, 3, 5, 10)) == report
    for row in report.rows:
        if row.n == 0:
            continue
        assert list(row.recall) == sorted(row.recall)  # recall@k never drops as k grows
        assert row.recall[0] <= row.mrr <= row.recall[-1]  # R@1 <= MRR@10 <= R@10
    scored = [row for row in report.by_type if row.n]
    if scored:  # overall is the n-weighted mean of the types
        weighted = sum(row.recall[2] * row.n for row in scored) / sum(row.n for row in scored)
        assert report.overall.recall[2] == pytest.approx(weighted)
    assert report.latency_p50_ms <= report.latency_p95_ms <= max(r.latency_ms for r in records)


def test_repeated_ids_keep_their_first_position() -> None:
    # A repeat of a miss still takes a slot: the hit moves from rank 2 to rank 3.
    once = EvalRecord(id="q", type="t", sources=("a",), retrieved=("b", "a"), latency_ms=1.0)
    twice = EvalRecord(
        id="q", type="t", sources=("a",), retrieved=("b", "b", "a", "a"), latency_ms=1.0
    )
    assert (first_hit_rank(once), first_hit_rank(twice)) == (2, 3)


def test_percentile() -> None:
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)


@pytest.mark.parametrize(("ks", "message"), [((), "ks"), ((5, 1), "ks"), ((0, 1), "ks")])
def test_bad_arguments(ks: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        retrieval_report(_hand_records(), ks=ks)
    with pytest.raises(ValueError, match="no records"):
        retrieval_report([])


def test_plot_writes_png(tmp_path) -> None:
    records = [
        *_hand_records(),
        EvalRecord(id="F", type="none", sources=(), retrieved=(), latency_ms=1.0),
    ]
    out = plot_report(retrieval_report(records), tmp_path / "sub" / "report.png")
    assert out == tmp_path / "sub" / "report.png"
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 1000
