"""``hoidap eval --squad F --distractors ARCHIVE``: F's paragraphs beside an archive."""

import gzip
import json
from pathlib import Path

import pytest
from test_squad import _small

from embeddings.clone import clone_index
from embeddings.store import IndexStore
from qa.evaluation.distractors import archive_index
from qa.evaluation.evaluate import EvalOptions, run_eval


def _archive(tmp_path: Path, n: int = 12) -> Path:
    path = tmp_path / "archive.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(n):
            record = {"id": f"news-{i}", "title": f"Tin {i}", "text": f"Hà Nội có tin số {i}."}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOIDAP_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_questions_are_asked_over_the_paragraphs_and_the_archive(tmp_path, cache, encoder):
    archive = _archive(tmp_path)
    options = EvalOptions(
        squad=str(_small(tmp_path)), distractors=str(archive), out=str(tmp_path / "out.jsonl")
    )
    report = run_eval(options, encoder, say=lambda _m: None)
    assert "R@1" in report or "recall" in report.lower()
    combined = next(p for p in (cache / "eval-index").iterdir() if "+" in p.name)
    ids = set(IndexStore.load(combined).articles)
    assert {f"news-{i}" for i in range(12)} | {"Hoa_Binh/0", "Hoa_Binh/1", "Khac/0"} == ids
    base = archive_index(archive, encoder, lambda _m: None)
    assert set(IndexStore.load(base).articles) == {f"news-{i}" for i in range(12)}
    seen = encoder.passages_seen
    run_eval(options, encoder, say=lambda _m: None)  # everything cached: nothing embedded
    assert encoder.passages_seen == seen


def test_an_index_folder_serves_as_the_archive_and_is_left_unchanged(tmp_path, cache, encoder):
    base = archive_index(_archive(tmp_path), encoder, lambda _m: None)
    before = _files(base)
    options = EvalOptions(
        squad=str(_small(tmp_path)), distractors=str(base), out=str(tmp_path / "out.jsonl")
    )
    run_eval(options, encoder, say=lambda _m: None)
    assert _files(base) == before


def test_a_clone_shares_segments_and_refuses_an_existing_folder(tmp_path, cache, encoder):
    base = archive_index(_archive(tmp_path), encoder, lambda _m: None)
    clone_index(base, tmp_path / "copy")
    seg = next(base.glob("segments/*/vectors.npy"))
    twin = tmp_path / "copy" / seg.relative_to(base)
    assert twin.stat().st_ino == seg.stat().st_ino  # a hard link, no copy
    assert set(IndexStore.load(tmp_path / "copy").articles) == set(IndexStore.load(base).articles)
    with pytest.raises(FileExistsError, match="already exists"):
        clone_index(base, tmp_path / "copy")


def test_distractors_need_squad_and_an_existing_archive(tmp_path, cache, encoder):
    with pytest.raises(ValueError, match="go with --squad"):
        run_eval(EvalOptions(distractors=str(tmp_path)), encoder, say=lambda _m: None)
    options = EvalOptions(squad=str(_small(tmp_path)), distractors=str(tmp_path / "nope.gz"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        run_eval(options, encoder, say=lambda _m: None)


def test_an_evaluation_cache_of_an_older_format_is_rebuilt(tmp_path, cache, encoder):
    options = EvalOptions(squad=str(_small(tmp_path)), out=str(tmp_path / "out.jsonl"))
    run_eval(options, encoder, say=lambda _m: None)
    folder = next((cache / "eval-index").iterdir())
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": 2', '"format_version": 1'))
    run_eval(options, encoder, say=lambda _m: None)
    assert json.loads(manifest.read_text())["format_version"] == 2
