import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEncoder

from corpus.article import Article
from embeddings import store as store_module
from embeddings.compact import compact, merge_policy
from embeddings.ingest import ingest, remove
from embeddings.manifest import IndexFolderError
from embeddings.store import IndexStore
from qa.retrieval.indexes import ensure_default_index, list_articles, open_index
from qa.retrieval.retriever import HybridRetriever


def build(folder, encoder, articles, **options):
    s = open_index(folder, encoder)
    ingest(s, articles, encoder, **options)
    return s


def numbered(n: int, prefix: str = "bai") -> list[Article]:
    return [
        Article(
            id=f"{prefix}-{i:03d}",
            title=f"Tin số {i}",
            text=f"Bài {i} nói về Hà Nội và số {i * 7}. Thêm một câu nữa về tỉnh {i % 5}.",
            date=f"2025-01-{1 + i % 28:02d}",
            source=f"bao{i % 3}.vn",
        )
        for i in range(n)
    ]


def segment_files(folder: Path) -> dict[str, tuple]:
    """Every file of every segment, with its inode and mtime (to see what was rewritten)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (folder / "segments").rglob("*")
        if p.is_file()
    }


def test_save_load_round_trip(tmp_path, encoder, articles):
    s = build(tmp_path / "idx", encoder, articles)
    loaded = IndexStore.load(tmp_path / "idx")
    assert loaded.manifest == s.manifest
    assert dict(loaded.articles) == {a.id: a for a in articles}
    assert loaded.passages == s.passages == loaded.rows.total
    for row in range(loaded.rows.total):
        c = loaded.chunk(row)
        assert loaded.articles[c.doc_id].text[c.start : c.end] == c.text
    rows = np.arange(loaded.rows.total)
    assert np.allclose(loaded.rows.vectors(rows), s.rows.vectors(rows))
    for q in ["Hà Lan đầu tư", "ha lan dau tu", "Quảng Châu"]:
        assert np.allclose(loaded.rows.lexical_scores(q), s.rows.lexical_scores(q))
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["encoder"]["dim"] == encoder.dim
    assert manifest["chunker"]["max_chars"] == 1500
    assert manifest["articles"] == 3 and manifest["format_version"] == 2
    assert len(manifest["segments"]) == 1


def test_unchanged_articles_are_not_reembedded(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    seen = encoder.passages_seen
    s = IndexStore.load(tmp_path / "idx")
    report = ingest(s, articles, encoder)
    assert report.unchanged == ("hl", "vc", "qc") and report.chunks_added == 0
    assert encoder.passages_seen == seen


def test_a_change_writes_a_segment_and_tombstones_never_rewriting_old_files(
    tmp_path, encoder, articles
):
    folder = tmp_path / "idx"
    s = build(folder, encoder, articles)
    before = segment_files(folder)
    changed = replace(articles[2], text="Quảng Châu có 20 triệu dân.")
    report = ingest(s, [changed], encoder)
    assert report.updated == ("qc",) and report.chunks_added == 1
    after = segment_files(folder)
    assert all(after[name] == stamp for name, stamp in before.items())  # immutable
    s = IndexStore.load(folder)
    texts = [s.chunk(r).text for r in np.flatnonzero(s.rows.live)]
    assert changed.text in texts and articles[2].text not in texts
    assert s.articles["qc"] == changed and s.passages == 3


def test_remove_articles(tmp_path, encoder, articles):
    s = build(tmp_path / "idx", encoder, articles)
    before = segment_files(tmp_path / "idx")
    report = remove(s, ["vc", "nope"])
    assert report.removed == ("vc",) and report.missing == ("nope",)
    assert report.chunks_removed == 1
    assert segment_files(tmp_path / "idx") == before  # a remove only writes tombstones
    s = IndexStore.load(tmp_path / "idx")
    assert set(s.articles) == {"hl", "qc"} and "vc" not in s.articles
    hits = HybridRetriever(s, encoder).search("Viêng Chăn thỏa thuận", k=5)
    assert hits and all(h.doc_id != "vc" for h in hits)


def test_batches_become_segments_and_small_ones_are_merged(tmp_path, encoder):
    folder = tmp_path / "idx"
    store = build(folder, encoder, numbered(36), batch_size=3)  # 12 batches
    assert len(store.segments) <= 10 and store.segments[0].info.articles > 3
    assert set(IndexStore.load(folder).articles) == {a.id for a in numbered(36)}
    assert merge_policy([5, 5, 5]) == []
    assert merge_policy([9] * 11 + [1]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 11]


def test_a_segment_merged_in_the_change_that_wrote_it_leaves_a_loadable_index(tmp_path, encoder):
    """Ten segments, then one small article: its new segment is among the smallest, so the
    same ingest merges it away; the commit must not keep checksums of its removed files."""
    folder = tmp_path / "idx"
    store = build(folder, encoder, numbered(30), batch_size=3)  # 10 segments, none merged
    assert len(store.segments) == 10
    ingest(store, numbered(1, prefix="moi"), encoder)
    assert len(store.segments) < 10  # the new segment was merged with the 9 smallest others
    loaded = IndexStore.load(folder)
    assert set(loaded.articles) == {a.id for a in numbered(30) + numbered(1, prefix="moi")}
    named = {f"segments/{s.info.name}/" for s in loaded.segments}
    assert all(
        any(k.startswith(n) for n in named)
        for k in loaded.manifest.checksums
        if k.startswith("segments/")
    )


def test_sums_of_a_segment_the_manifest_does_not_name_are_not_checked(tmp_path, encoder):
    """An index whose manifest kept the sums of a segment merged away (as commits did before
    the fix above) loads; a named segment's damaged file is still refused."""
    folder = tmp_path / "idx"
    build(folder, encoder, numbered(6))
    path = folder / "manifest.json"
    man = json.loads(path.read_text(encoding="utf-8"))
    man["checksums"]["segments/seg-000009-0/vectors.npy"] = "0" * 64
    path.write_text(json.dumps(man), encoding="utf-8")
    assert len(IndexStore.load(folder).articles) == 6
    name = man["segments"][0]["name"]
    with open(folder / "segments" / name / "vectors.npy", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(IndexFolderError, match="vectors.npy"):
        IndexStore.load(folder)


def test_search_is_the_same_however_the_index_is_split(tmp_path, encoder):
    """Segments and compaction change where passages live, never the results. (Tombstoned
    passages still count in BM25's statistics until a compaction, as in Lucene.)"""
    arts = numbered(24)
    one = build(tmp_path / "one", encoder, arts[:20])
    many = build(tmp_path / "many", encoder, arts[:20], batch_size=4)
    queries = ["Hà Nội số 35", "tinh 3", "Bài 12 nói về"]

    def results(store):
        r = HybridRetriever(store, encoder)
        return [[(h.chunk_id, round(h.score, 5)) for h in r.search(q, k=10)] for q in queries]

    assert results(many) == results(one)
    ingest(many, arts[20:], encoder)
    remove(many, [a.id for a in arts[20:]])
    assert compact(many) > 1 and len(many.segments) == 1 and not many.deleted
    assert results(IndexStore.load(tmp_path / "many")) == results(one)


def test_filters_select_rows_by_date_outlet_and_id(tmp_path, encoder):
    store = build(tmp_path / "idx", encoder, numbered(12), batch_size=5)
    rows = store.rows.select(date_from="2025-01-03", date_to="2025-01-06", sources={"bao1.vn"})
    ids = set(store.rows.doc_ids(rows))
    expected = {
        a.id
        for a in numbered(12)
        if "2025-01-03" <= a.date <= "2025-01-06" and a.source == "bao1.vn"
    }
    assert ids == expected and ids
    assert set(store.rows.doc_ids(store.rows.select(doc_ids={"bai-001", "x"}))) == {"bai-001"}


def test_listing_reads_metadata_and_skips_tombstones(tmp_path, encoder):
    store = build(tmp_path / "idx", encoder, numbered(6), batch_size=2)
    remove(store, ["bai-002"])
    listed = list_articles(IndexStore.load(tmp_path / "idx"))
    assert [r.id for r in listed] == ["bai-000", "bai-001", "bai-003", "bai-004", "bai-005"]
    assert listed[0].chars == len(numbered(1)[0].text)


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


def test_an_index_of_the_old_format_is_refused_with_the_rebuild_command(tmp_path, encoder):
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format_version": 1, "encoder": {}}))
    with pytest.raises(IndexFolderError, match=r"format 1.*hoidap ingest --rebuild --index"):
        IndexStore.load(old)


def test_the_default_index_of_the_old_format_is_rebuilt(tmp_path, encoder):
    old = tmp_path / "default"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format_version": 1, "encoder": {}}))
    (old / "chunks-000003.jsonl").write_text("{}\n")
    ensure_default_index(old, encoder)
    store = IndexStore.load(old)
    assert len(store.articles) >= 3 and not (old / "chunks-000003.jsonl").exists()


def test_failure_during_commit_keeps_previous_index(tmp_path, encoder, articles, monkeypatch):
    build(tmp_path / "idx", encoder, articles[:2])
    before = sorted(p.name for p in (tmp_path / "idx" / "segments").iterdir())

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "write_manifest", crash)
    s = IndexStore.load(tmp_path / "idx")
    with pytest.raises(IndexFolderError, match="Nothing was changed"):
        ingest(s, articles, encoder)
    monkeypatch.undo()
    again = IndexStore.load(tmp_path / "idx")
    assert set(again.articles) == {"hl", "vc"}
    assert sorted(p.name for p in (tmp_path / "idx" / "segments").iterdir()) == before
    assert set(s.articles) == {"hl", "vc"}  # the failed store went back to the disk's state


KILL_SCRIPT = """
import os, sys
sys.path[:0] = [{tests!r}, {here!r}]
from fakes import FakeEncoder
from test_store import numbered
from embeddings import store
from embeddings.ingest import ingest
from qa.retrieval.indexes import open_index
real, commits = store.IndexStore._write_files, []
def die(self, m):
    sums = real(self, m)
    commits.append(1)
    if len(commits) == {after}:
        os._exit(9)  # killed after the data files, before the manifest switch
    return sums
store.IndexStore._write_files = die
enc = FakeEncoder()
ingest(open_index(__import__("pathlib").Path({folder!r}), enc), numbered(20), enc, batch_size=5)
"""


def test_a_killed_ingest_loses_only_its_batch_and_resumes(tmp_path, encoder):
    folder = tmp_path / "idx"
    here, tests = Path(__file__).parent, Path(__file__).parents[1]
    script = KILL_SCRIPT.format(tests=str(tests), here=str(here), folder=str(folder), after=3)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    s = IndexStore.load(folder)
    assert set(s.articles) == {a.id for a in numbered(10)}  # two batches committed
    report = ingest(s, numbered(20), encoder, batch_size=5)  # the same command again
    assert len(report.unchanged) == 10 and len(report.added) == 10
    assert encoder.passages_seen == 10  # only the rest was embedded
    assert set(IndexStore.load(folder).articles) == {a.id for a in numbered(20)}
    live = {s["name"] for s in json.loads((folder / "manifest.json").read_text())["segments"]}
    assert {p.name for p in (folder / "segments").iterdir()} == live  # debris removed


TRIM_SCRIPT = """
import sys
sys.path[:0] = [{root!r}]
from embeddings.ingest import give_back_freed_memory

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

blocks = [bytearray(64 * 1024) for _ in range(4000)]  # 250 MB in the heap, below mmap size
pin = bytearray(64 * 1024)  # allocated last: the heap's top cannot shrink past it
del blocks
before = rss_mb()
assert give_back_freed_memory()
print(before - rss_mb())
"""


def test_freed_memory_goes_back_to_the_kernel_after_a_batch():
    """What each ingest batch does last: freed heap pages are returned, not kept."""
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    script = TRIM_SCRIPT.format(root=str(Path(__file__).parents[2]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) > 150  # MB given back
