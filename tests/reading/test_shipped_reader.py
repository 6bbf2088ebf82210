"""The reader shipped in the repo, loaded over the PyPI base model (marked ``model``)."""

from __future__ import annotations

import json
import shutil

import pytest

from qa.reading.model import MANIFEST, ReaderManifestError
from qa.reading.reader import SHIPPED, TrainedReader

pytestmark = pytest.mark.model

PASSAGE = (
    "Thay mặt Hội đồng thủ đô Phnom Penh, Đô trưởng Khuong Sreng nồng nhiệt chào mừng "
    "chuyến thăm của đoàn đại biểu cấp cao thủ đô Hà Nội."
)
OTHER = "Giá lúa IR50404 tại An Giang tăng 200 đồng, lên 7.800 đồng/kg trong tuần này."


@pytest.fixture(scope="module")
def reader() -> TrainedReader:
    r = TrainedReader()
    r.warm_up()
    return r


def test_manifest_names_base_data_and_calibration(reader):
    man = reader.manifest
    assert man["format"] == "hoidap-reader"
    assert len(man["base_fingerprint"]) == 64
    assert all(d["sha256"] and d["licence"] for d in man["data"])
    assert 0 < man["calibration"]["threshold"] < 1
    assert len(man["calibration"]["confidence"]["weights"]) == 5
    assert len(man["calibration"]["english"]["confidence"]["weights"]) == 5
    assert man["dev_scores"]["viquad_dev"]["f1"] > 50


def test_answers_with_a_verbatim_span_and_refuses_elsewhere(reader):
    got = reader.read("Đô trưởng Phnom Penh là ai?", [OTHER, PASSAGE])
    assert got.answered and got.best.passage == 1
    assert "Khuong Sreng" in got.best.text
    assert PASSAGE[got.best.start : got.best.end] == got.best.text
    none = reader.read("Đô trưởng Phnom Penh là ai?", [OTHER])
    assert none.p_no_answer > got.p_no_answer
    assert 0.5 < got.confidence < 1 and none.confidence < got.confidence


def test_question_typed_without_diacritics_is_read_with_them(reader):
    marked = reader.read("Đô trưởng Phnom Penh là ai?", [OTHER, PASSAGE])
    typed = reader.read("do truong phnom penh la ai?", [OTHER, PASSAGE])
    assert typed.answered and typed.best.text == marked.best.text
    assert abs(typed.p_no_answer - marked.p_no_answer) < 0.05


def test_english_questions_are_marked_in_the_evidence(reader):
    # The calibration may weigh reading across languages (scripts/fit_reader.py).
    assert reader.read("Who is the mayor of Phnom Penh?", [PASSAGE]).evidence.english == 1.0
    assert reader.read("Đô trưởng Phnom Penh là ai?", [PASSAGE]).evidence.english == 0.0


@pytest.mark.xfail(
    strict=True,
    reason="English questions over Vietnamese text are this reader's weakest case (XQuAD "
    "English questions F1 15, docs/reader.md): it picks the rise (200 đồng), not the price",
)
def test_english_question_over_vietnamese_passage(reader):
    got = reader.read("What is the price of IR50404 rice in An Giang?", [OTHER])
    assert got.best is not None and "7.800" in got.best.text


def _shipped_with(tmp_path, **changes) -> TrainedReader:
    """A copy of the shipped reader whose manifest says ``changes``."""
    folder = tmp_path / "reader"
    shutil.copytree(SHIPPED, folder)
    man = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**man, **changes}))
    return TrainedReader(folder)


def test_refuses_weights_that_do_not_match_the_manifest(tmp_path):
    with pytest.raises(ReaderManifestError, match="restore it from git or retrain"):
        _shipped_with(tmp_path, weights_sha256="0" * 64).warm_up()


def test_refuses_another_base_model(tmp_path):
    with pytest.raises(ReaderManifestError, match="another base model"):
        _shipped_with(tmp_path, base_fingerprint="f" * 64).warm_up()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, reader):
    """The shipped reader over an index of the bundled articles (real encoder)."""
    from embeddings.encoder import default_encoder
    from qa.answering.answerer import Answerer
    from qa.retrieval.indexes import ensure_default_index
    from qa.retrieval.retriever import HybridRetriever

    encoder = default_encoder()
    folder = tmp_path_factory.mktemp("bundled") / "idx"
    ensure_default_index(folder, encoder)
    return Answerer(HybridRetriever.load(folder, encoder), reader=reader, extractive=True)


def test_follow_up_is_answered_from_the_conversation(bundled):
    hits = bundled.retriever.search("Đô trưởng Phnom Penh là ai?", k=5)
    first = bundled.reader.read("Đô trưởng Phnom Penh là ai?", [h.text for h in hits])
    assert first.best and "Khuong Sreng" in first.best.text  # its best span, however sure
    history = [
        {"role": "user", "content": "Đô trưởng Phnom Penh là ai?"},
        {"role": "assistant", "content": "Khuong Sreng [1]."},
    ]
    then = bundled.ask("Ông ấy đã hội đàm với Bí thư Thành ủy Hà Nội nào?", history=history)
    assert then.span and "Đinh Tiến Dũng" in then.span
    hit, mark = then.citations[0], then.highlights[0]
    assert hit.text[mark.start - hit.start : mark.end - hit.start] == then.span
