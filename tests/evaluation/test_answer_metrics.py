"""Answer-quality scores: normalization, EM/F1/containment, and the answer report."""

from __future__ import annotations

import json
import random
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qa.evaluation.answer_metrics import (
    AnswerRecord,
    answer_report,
    contains_gold,
    exact_match,
    normalize_answer,
    token_f1,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hà   NỘI. ", "hà nội"),
        ("The Economist", "the economist"),  # no English article dropping
        ("1,165 tỷ USD", "1165 tỷ usd"),  # digit grouping joins, as SQuAD's does
        ("1.165 tỷ USD", "1165 tỷ usd"),
        ("2024-2025", "2024 2025"),  # a range stays two numbers
        ("Hà Nội-Viêng Chăn", "hà nội viêng chăn"),  # punctuation between words splits them
        ("8,5%", "85 %"),
        ("8,5 %", "85 %"),
        ("giá $5", "giá $ 5"),  # symbols are kept, as their own token
        ("«Đổi mới» – “Hội nhập”…", "đổi mới hội nhập"),  # Unicode punctuation goes too
        ("a\u200bb\u00a0c", "ab c"),  # invisible characters and NBSP
        ("", ""),
        ("!!! ...", ""),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


def test_vietnamese_diacritics_are_kept() -> None:
    decomposed = unicodedata.normalize("NFD", "Hòa Bình")
    assert normalize_answer(decomposed) == "hòa bình"  # NFC first: marks stay on their letter
    assert exact_match("hòa", ["hoa"]) == 0.0
    assert exact_match("Đà Nẵng", ["Da Nang"]) == 0.0
    assert exact_match("hoà", ["Hòa"]) == 1.0  # old and new tone placement are one word


def test_exact_match_ignores_case_and_punctuation() -> None:
    assert exact_match("Hà Lan.", ["hà lan"]) == 1.0
    assert exact_match("“HÀ LAN”!", ["Anh", "Hà  Lan"]) == 1.0  # best over golds
    assert exact_match("Hà Lan đầu tư", ["Hà Lan"]) == 0.0


def test_token_f1_by_hand() -> None:
    # pred: hà lan đầu tư 13 tỷ usd vào hà nội (10 tokens); gold: 13 tỷ usd (3, all shared).
    pred = "Hà Lan đầu tư 1,3 tỷ USD vào Hà Nội"
    assert token_f1(pred, ["1,3 tỷ USD"]) == pytest.approx(2 * 0.3 * 1 / (0.3 + 1))
    # Counter overlap: "hà" twice in pred but once in gold shares 1; "nội" shares 1 of 2.
    assert token_f1("hà hà nội", ["hà nội nội"]) == pytest.approx(2 / 3)
    assert token_f1("hà hà nội", ["Anh", "hà nội nội"]) == pytest.approx(2 / 3)  # max
    assert token_f1("Hà Lan", ["Hàn Quốc"]) == 0.0
    assert token_f1("", [""]) == 1.0 and token_f1("", ["x"]) == 0.0  # SQuAD's empty rule


def test_contains_gold_whole_tokens() -> None:
    pred = "GRDP tăng 8,5% so với"
    assert contains_gold(pred, ["8,5%"])
    assert contains_gold(pred, ["8,5"])  # "85" is a whole token of the prediction
    assert not contains_gold(pred, ["8"])  # part of "85"
    assert not contains_gold(pred, ["5%"])  # "5 %" is not "85 %"
    assert not contains_gold("Hàn Quốc", ["Hà"])
    assert contains_gold("Thủ đô Hà Nội.", ["Viêng Chăn", "hà nội"])
    assert not contains_gold("tăng", ["..."])  # an empty gold is in no non-empty answer


def test_no_golds_is_an_error() -> None:
    for score in (exact_match, token_f1, contains_gold):
        with pytest.raises(ValueError, match="no gold"):
            score("x", [])


def _record(
    id: str,
    type: str,
    golds: tuple[str, ...],
    answer: str,
    *,
    refused: bool = False,
    cited: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    valid: bool = True,
    first: float | None = None,
    total: float = 100.0,
    answerable: bool | None = None,
) -> AnswerRecord:
    answerable = bool(sources) if answerable is None else answerable
    return AnswerRecord(
        id=id,
        type=type,
        answerable=answerable,
        golds=golds,
        answer=answer,
        refused=refused,
        cited_docs=cited,
        sources=sources,
        markers_valid=valid,
        first_token_ms=first,
        total_ms=total,
    )


def _hand_records() -> list[AnswerRecord]:
    return [
        # EM 0; F1: pred khoảng 13 tỷ usd, gold 13 tỷ usd -> P 3/4, R 1 -> 6/7. Cites 000_a
        # twice (one distinct doc, a hit) and 001_b (a miss).
        _record(
            "A",
            "fact",
            ("1,3 tỷ USD",),
            "Khoảng 1,3 tỷ USD [1][3].",
            cited=("000_a", "001_b", "000_a"),
            sources=("000",),
            first=100.0,
            total=1000.0,
        ),
        # Marker stripped, so an exact match; its one citation is a hit.
        _record(
            "B",
            "fact",
            ("Anh", "Hà Lan"),
            "Hà Lan [2]",
            cited=("002_c",),
            sources=("002",),
            first=200.0,
            total=2000.0,
        ),
        # A false refusal: scores 0 although the refusal text is not checked.
        _record(
            "C", "list", ("Viêng Chăn",), "Viêng Chăn", refused=True, sources=("003",), total=300.0
        ),
        # Unanswerable and refused: right; its bad marker counts against markers_valid.
        _record("D", "none", (), "Không có thông tin [1].", refused=True, valid=False, total=400.0),
        # Unanswerable but answered: its citation is not part of citation precision.
        _record("E", "none", (), "Năm 2030 [1]", cited=("009_z",), first=50.0, total=500.0),
        # Answerable, answered wrong, no citation.
        _record(
            "F", "list", ("Hai thỏa thuận",), "Không rõ", sources=("004",), first=150.0, total=600.0
        ),
    ]


def test_hand_computed_report() -> None:
    r = answer_report(_hand_records())
    assert (r.n, r.n_answerable, r.n_unanswerable, r.n_scored) == (6, 4, 2, 4)
    assert r.exact_match == pytest.approx(25.0)
    assert r.f1 == pytest.approx(100 * (6 / 7 + 1) / 4)
    assert r.contains_gold == pytest.approx(0.5)
    assert r.citation_precision == pytest.approx(2 / 3)  # A: 1 of 2 distinct, B: 1 of 1
    assert r.answers_with_citation == pytest.approx(3 / 4)  # A, B, E of A, B, E, F
    assert r.markers_valid == pytest.approx(5 / 6)
    assert r.refusal_accuracy == pytest.approx(0.5)  # D refused, E answered
    assert r.false_refusal_rate == pytest.approx(0.25)  # C of A, B, C, F
    assert r.first_token_p50_ms == pytest.approx(125.0)  # 50 100 150 200
    assert r.first_token_p95_ms == pytest.approx(192.5)
    assert r.total_p50_ms == pytest.approx(550.0)  # 300 400 500 600 1000 2000
    assert r.total_p95_ms == pytest.approx(1750.0)
    fact, lst, none = r.by_type
    assert (fact.name, fact.n, fact.contains_gold, fact.refused) == ("fact", 2, 1.0, 0.0)
    assert fact.f1 == pytest.approx(100 * (6 / 7 + 1) / 2)
    assert (lst.name, lst.n, lst.f1, lst.contains_gold, lst.refused) == ("list", 2, 0, 0, 0.5)
    assert (none.name, none.n, none.f1, none.contains_gold, none.refused) == (
        "none",
        2,
        None,
        None,
        0.5,
    )


def test_order_does_not_matter() -> None:
    records = _hand_records()
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    assert answer_report(shuffled) == answer_report(records)


def test_none_when_a_group_is_empty() -> None:
    only_answerable = answer_report([_record("a", "t", ("x",), "x", sources=("1",))])
    assert only_answerable.refusal_accuracy is None
    assert only_answerable.citation_precision is None  # answered, but cited nothing
    assert only_answerable.first_token_p50_ms is None  # nothing was streamed
    only_unanswerable = answer_report([_record("b", "t", (), "Không biết", refused=True)])
    for field in ("exact_match", "f1", "contains_gold", "citation_precision"):
        assert getattr(only_unanswerable, field) is None, field
    assert only_unanswerable.false_refusal_rate is None
    assert only_unanswerable.answers_with_citation is None  # every answer was a refusal
    assert only_unanswerable.refusal_accuracy == 1.0


def test_answerable_without_gold_is_not_text_scored() -> None:
    # A retrieval-only question: it has sources but no gold answer text.
    r = answer_report([_record("a", "t", (), "Hà Lan [1]", cited=("7_x",), sources=("7",))])
    assert (r.n_answerable, r.n_scored) == (1, 0)
    assert (r.exact_match, r.f1, r.contains_gold) == (None, None, None)
    assert r.citation_precision == 1.0


def test_no_records_is_an_error() -> None:
    with pytest.raises(ValueError, match="no records"):
        answer_report([])


def test_to_dict_is_strict_json() -> None:
    records = [*_hand_records(), _record("G", "empty", (), "?", first=float("nan"))]
    data = json.loads(json.dumps(answer_report(records).to_dict(), allow_nan=False))
    assert data["exact_match"] == pytest.approx(25.0)
    assert data["by_type"]["none"] == {"n": 2, "f1": None, "contains_gold": None, "refused": 0.5}
    assert data["latency_ms"]["total"]["p50"] == pytest.approx(500.0)
    assert set(data["latency_ms"]) == {"first_token", "total"}
    only = answer_report([_record("b", "t", (), "?", refused=True)]).to_dict()
    json.dumps(only, allow_nan=False)
    assert only["f1"] is None and only["latency_ms"]["first_token"] == {"p50": None, "p95": None}


def test_format_table() -> None:
    lines = answer_report(_hand_records()).format_table().splitlines()
    assert lines[0].split() == ["type", "n", "F1", "contains", "refused"]
    assert lines[1].split() == ["fact", "2", "92.9", "1.000", "0.000"]
    assert lines[3].split() == ["none", "2", "-", "-", "0.500"]
    assert len({len(line) for line in lines[:4]}) == 1  # columns line up
    assert lines[4].startswith("EM 25.0  F1 46.4  contains 0.500  (scored 4 of 4 answerable")
    assert "precision 0.667" in lines[5] and "false-refusal rate 0.250" in lines[6]
    assert lines[-1].startswith("latency ms: first token p50 125.0")


_VI = st.text(alphabet="aăâbcdđeêhiklnoôơtuưyàáảãạầấòóỏõọờớ ÀĐ0123456789 .,%-![]", max_size=25)
_TEXT = _VI | st.text(max_size=25)


@given(_TEXT, st.lists(_TEXT, min_size=1, max_size=3))
def test_score_properties(pred: str, golds: list[str]) -> None:
    em, f1 = exact_match(pred, golds), token_f1(pred, golds)
    assert 0.0 <= em <= 1.0 and 0.0 <= f1 <= 1.0
    assert em in (0.0, 1.0)
    assert f1 >= em
    if em:
        assert contains_gold(pred, golds)


@given(_TEXT)
def test_identity_properties(x: str) -> None:
    assert exact_match(x, [x]) == 1.0
    assert contains_gold(x, [x])
    assert normalize_answer(normalize_answer(x)) == normalize_answer(x)
    assume(normalize_answer(x))
    assert token_f1(x, [x]) == 1.0


@given(_TEXT, _TEXT)
def test_f1_is_symmetric(a: str, b: str) -> None:
    assert token_f1(a, [b]) == pytest.approx(token_f1(b, [a]))
