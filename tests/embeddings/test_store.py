import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEncoder

from embeddings import store as store_module
from embeddings.ingest import ingest, remove
from embeddings.manifest import IndexFolderError
from embeddings.store import IndexStore
from qa.retrieval.indexes import open_index
from qa.retrieval.retriever import HybridRetriever


def build(folder, encoder, articles):
    s = open_index(folder, encoder)
    ingest(s, articles, encoder)
    return s


def test_save_load_round_trip(tmp_path, encoder, articles):
    s = build(tmp_path / "idx", encoder, articles)
    loaded = IndexStore.load(tmp_path / "idx")
    assert loaded.manifest == s.manifest
    assert loaded.articles == s.articles
    assert loaded.chunks == s.chunks
    assert loaded.groups == s.groups
    for row in range(len(loaded.chunks)):
        c = loaded.chunk(row)
        assert loaded.articles[c.doc_id].text[c.start : c.end] == c.text
    vids = np.array([c.vid for c in s.chunks])
    assert np.allclose(loaded.vectors.vectors(vids), s.vectors.vectors(vids))
    for q in ["Hà Lan đầu tư", "ha lan dau tu", "Quảng Châu"]:
        assert np.allclose(loaded.lexical.scores(q), s.lexical.scores(q))
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["encoder"]["dim"] == encoder.dim
    assert manifest["chunker"]["max_chars"] == 1500
    assert manifest["articles"] == 3 and manifest["format_version"] == 1


def test_unchanged_articles_are_not_reembedded(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    seen = encoder.passages_seen
    s = IndexStore.load(tmp_path / "idx")
    report = ingest(s, articles, encoder)
    assert report.unchanged == ("hl", "vc", "qc") and report.chunks_added == 0
    assert encoder.passages_seen == seen


def test_changed_article_replaces_its_chunks(tmp_path, encoder, articles):
    s = build(tmp_path / "idx", encoder, articles)
    other_vids = {c.vid for c in s.chunks if c.doc_id != "qc"}
    changed = replace(articles[2], text="Quảng Châu có 20 triệu dân.")
    report = ingest(s, [changed], encoder)
    assert report.updated == ("qc",) and report.chunks_added == 1
    s = IndexStore.load(tmp_path / "idx")
    assert [s.chunk(r).text for r, c in enumerate(s.chunks) if c.doc_id == "qc"] == [changed.text]
    assert other_vids <= {c.vid for c in s.chunks}  # untouched chunks keep their ids
    assert len(s.vectors) == len(s.chunks)


def test_remove_articles(tmp_path, encoder, articles):
    s = build(tmp_path / "idx", encoder, articles)
    report = remove(s, ["vc", "nope"])
    assert report.removed == ("vc",) and report.missing == ("nope",)
    s = IndexStore.load(tmp_path / "idx")
    assert set(s.articles) == {"hl", "qc"}
    assert len(s.vectors) == len(s.chunks)
    hits = HybridRetriever(s, encoder).search("Viêng Chăn thỏa thuận", k=5)
    assert all(h.doc_id != "vc" for h in hits)


def test_other_encoder_is_refused(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    with pytest.raises(IndexFolderError, match="built with encoder"):
        open_index(tmp_path / "idx", FakeEncoder(fingerprint="other-weights"))
    with pytest.raises(IndexFolderError, match="not a hoidap index"):
        IndexStore.load(tmp_path / "nothing")


def test_corrupt_manifest_is_reported(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    (tmp_path / "idx" / "manifest.json").write_text("{not json")
    with pytest.raises(IndexFolderError, match="corrupt"):
        IndexStore.load(tmp_path / "idx")


def test_failure_during_commit_keeps_previous_index(tmp_path, encoder, articles, monkeypatch):
    build(tmp_path / "idx", encoder, articles[:2])

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "write_manifest", crash)
    s = IndexStore.load(tmp_path / "idx")
    with pytest.raises(IndexFolderError, match="Nothing was changed"):
        ingest(s, articles, encoder)
    monkeypatch.undo()
    again = IndexStore.load(tmp_path / "idx")
    assert set(again.articles) == {"hl", "vc"}
    assert len(again.vectors) == len(again.chunks)


KILL_SCRIPT = """
import os, sys
sys.path.insert(0, {tests!r})
from fakes import FakeEncoder
from conftest import ARTICLES
from embeddings import store
from embeddings.ingest import ingest
from qa.retrieval.indexes import open_index
real = store.IndexStore._write_files
def die(self, m):
    real(self, m)
    os._exit(9)  # killed after the data files, before the manifest switch
store.IndexStore._write_files = die
enc = FakeEncoder()
ingest(open_index(__import__("pathlib").Path({folder!r}), enc), ARTICLES, enc)
"""


def test_killed_ingest_leaves_previous_index_loadable(tmp_path, encoder, articles):
    folder = tmp_path / "idx"
    build(folder, encoder, articles[:1])
    tests = str(Path(__file__).parents[1])
    script = KILL_SCRIPT.format(tests=tests, folder=str(folder))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    s = IndexStore.load(folder)
    assert set(s.articles) == {"hl"}
    ingest(s, articles, encoder)  # the next ingest succeeds and cleans the debris
    assert set(IndexStore.load(folder).articles) == {"hl", "vc", "qc"}
    assert len(list(folder.glob("chunks-*"))) == 1
