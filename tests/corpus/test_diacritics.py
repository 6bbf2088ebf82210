"""Restoring diacritics: only marks change, marked text stays, context wins, the shipped
model round-trips through its folder and restores held-out questions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.diacritics import DiacriticModel, restore_diacritics, shipped_model, syllables
from corpus.normalize import fold_text, normalize_text

TEXTS = [
    "Hà Nội là thủ đô của Việt Nam.",
    "Thủ đô Hà Nội có nhiều hồ nước.",
    "Ông Ba đến Hà Nội năm 2020.",
    "Năm nào ông Ba đến thăm hồ?",
    "Hồ Gươm ở trung tâm Hà Nội.",
]


@pytest.fixture(scope="module")
def small() -> DiacriticModel:
    return DiacriticModel.train(TEXTS)


def test_restores_learned_spellings(small):
    assert small.restore("ha noi la thu do cua viet nam") == "hà nội là thủ đô của việt nam"


def test_neighbours_decide_between_spellings(small):
    # "ho" is "hồ" after "nhiều" and "Hồ" (a name) before "Gươm" in the training text.
    assert small.restore("nhieu ho nuoc") == "nhiều hồ nước"


def test_marked_syllables_digits_and_punctuation_stay(small):
    assert small.restore("Ông Ba den nam 2020?") == "Ông Ba đến năm 2020?"
    assert small.restore("Hà noi, 12/3!") == "Hà nội, 12/3!"  # typed lowercase


def test_context_spelling_and_capitals_win(small):
    got = small.restore("ho guom o dau?", context=["Khu vực Hồ Gươm rất đẹp."])
    assert got.startswith("Hồ Gươm")


def test_typed_capitals_are_kept(small):
    assert small.restore("HA NOI") == "HÀ NỘI"
    assert small.restore("Ha Noi") == "Hà Nội"


def test_unknown_syllables_stay_as_typed(small):
    assert small.restore("zyx qwerty") == "zyx qwerty"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạ ,.?0123ĐÀÔ", max_size=60))
def test_only_marks_change(text):
    small = DiacriticModel.train(TEXTS)
    got = small.restore(text, context=TEXTS[:2])
    assert fold_text(got) == fold_text(text)
    assert len(got) == len(normalize_text(text))


def test_folder_round_trip_and_refusals(small, tmp_path):
    small.save(tmp_path / "m")
    again = DiacriticModel.load(tmp_path / "m")
    assert again.restore("ho guom") == small.restore("ho guom")
    manifest = tmp_path / "m" / "manifest.json"
    manifest.write_text(json.dumps({"format": "other/9", "params": {}}))
    with pytest.raises(ValueError, match="rebuild it with scripts/build_diacritics.py"):
        DiacriticModel.load(tmp_path / "m")
    with pytest.raises(FileNotFoundError, match="build one"):
        DiacriticModel.load(tmp_path / "nothing")


def test_shipped_model_restores_unseen_questions():
    # Questions written for this test (not in the training data).
    questions = [
        "Thành phố nào có dân số đông nhất cả nước?",
        "Ai là người đã ký quyết định thành lập trường đại học này?",
        "Công ty đã đầu tư bao nhiêu tiền vào dự án năm ngoái?",
        "Vì sao giá xăng tăng mạnh trong tháng trước?",
    ]
    right = total = 0
    for q in questions:
        got, want = syllables(shipped_model().restore(fold_text(q))), syllables(q)
        right += sum(g == w for g, w in zip(got, want, strict=True))
        total += len(want)
    assert right / total >= 0.9
    assert restore_diacritics("Ha Noi") == "Hà Nội"
