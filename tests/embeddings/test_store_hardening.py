"""The index on disk under stress: two writers, damaged files, a full disk, unknown ids."""

import errno
import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEncoder, FakeGenerator

from corpus.article import Article
from embeddings.ingest import ingest, remove
from embeddings.integrity import seal
from embeddings.lexical import SegmentTerms
from embeddings.manifest import MANIFEST, IndexFolderError
from embeddings.store import IndexStore
from qa.interfaces.cli.main import main
from qa.interfaces.service import Service
from qa.retrieval.indexes import open_index

TESTS = Path(__file__).parents[1]
ROOT = TESTS.parent


def numbered(prefix: str, n: int) -> list[Article]:
    """``n`` distinct small articles with ids ``prefix-00``..."""
    return [
        Article(
            id=f"{prefix}-{i:02d}",
            title=f"Tin {prefix} số {i}",
            text=f"Bản tin {prefix} thứ {i}: phường {prefix}{i} khánh thành {i + 3} cây cầu "
            f"và {i * 7 + 1} trường học mới trong năm 2025.",
        )
        for i in range(n)
    ]


def build(folder, encoder, articles):
    store = open_index(folder, encoder)
    ingest(store, articles, encoder)
    return store


# --- 1. two writers ------------------------------------------------------------------------

WRITER = """
import sys, time, json
from pathlib import Path
sys.path[:0] = [{tests!r}, {tests!r} + '/embeddings', {root!r}]
from fakes import FakeEncoder, FakeGenerator
from test_store_hardening import numbered
folder, flags, me, other, how = Path({folder!r}), Path({flags!r}), {me!r}, {other!r}, {how!r}

def wait_for_other():  # both writers hold the same base generation before either commits
    (flags / me).touch()
    deadline = time.monotonic() + 120
    while not (flags / other).exists():
        assert time.monotonic() < deadline, "the other writer never started"
        time.sleep(0.02)

if how == "cli":  # what `hoidap ingest` does
    from embeddings.ingest import ingest
    from qa.retrieval.indexes import open_index
    enc = FakeEncoder()
    store = open_index(folder, enc)
    wait_for_other()
    print(len(ingest(store, numbered(me, 30), enc).added))
else:  # what a REST upload does
    from qa.interfaces.service import Service, Upload
    service = Service(folder, encoder=FakeEncoder(), generator=FakeGenerator())
    fresh = service._fresh_store
    def loaded_then_wait():
        store = fresh()
        wait_for_other()
        return store
    service._fresh_store = loaded_then_wait
    lines = [json.dumps(dict(id=a.id, title=a.title, text=a.text)) for a in numbered(me, 30)]
    report = service.upload([Upload(name="batch.jsonl", data="\\n".join(lines).encode())])
    print(len(report.added))
"""


def test_two_processes_writing_one_index_keep_all_articles(tmp_path, encoder, articles):
    folder, flags = tmp_path / "idx", tmp_path / "flags"
    flags.mkdir()
    build(folder, encoder, articles)
    server = Service(folder, encoder=FakeEncoder(), generator=FakeGenerator()).start()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER.format(
                    tests=str(TESTS),
                    root=str(ROOT),
                    folder=str(folder),
                    flags=str(flags),
                    me=me,
                    other=other,
                    how=how,
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for me, other, how in [("rest", "cli", "service"), ("cli", "rest", "cli")]
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert out.split()[-1] == "30"
    expected = {a.id for a in articles} | {a.id for a in numbered("rest", 30)}
    expected |= {a.id for a in numbered("cli", 30)}
    on_disk = IndexStore.load(folder)
    assert set(on_disk.articles) == expected
    assert on_disk.passages == 63
    assert {r.id for r in server.articles()} == expected  # the server noticed the commits
    hits = server.search("phường cli7 khánh thành cây cầu", k=3)
    assert hits[0].doc_id == "cli-07"


def test_a_commit_on_a_moved_generation_is_refused(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles[:1])
    first, second = IndexStore.load(tmp_path / "idx"), IndexStore.load(tmp_path / "idx")
    ingest(first, articles[1:2], encoder)
    with pytest.raises(IndexFolderError, match="changed by another process"):
        second.commit()
    assert set(IndexStore.load(tmp_path / "idx").articles) == {"hl", "vc"}


def test_a_change_on_a_stale_store_builds_on_the_newest_generation(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles[:1])
    first, second = IndexStore.load(tmp_path / "idx"), IndexStore.load(tmp_path / "idx")
    ingest(first, articles[1:2], encoder)
    ingest(second, articles[2:], encoder)
    assert set(IndexStore.load(tmp_path / "idx").articles) == {"hl", "vc", "qc"}
    assert set(second.articles) == {"hl", "vc", "qc"}
    remove(first, ["hl"])  # a removal too
    assert set(IndexStore.load(tmp_path / "idx").articles) == {"vc", "qc"}


def test_a_server_reloads_after_another_commit_and_survives_a_bad_one(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles[:2])
    server = Service(tmp_path / "idx", encoder=encoder, generator=FakeGenerator()).start()
    build(tmp_path / "idx", encoder, articles)
    assert {r.id for r in server.articles()} == {"hl", "vc", "qc"}
    # Damaged as a copy would be (a new file): the server has the old one memory-mapped,
    # and a file truncated in place under a mapping would fault its reader (see
    # docs/operations.md: index files are never changed in place).
    vectors = next((tmp_path / "idx").glob("segments/*/vectors.npy"))
    data = vectors.read_bytes()[:-8]
    vectors.unlink()
    vectors.write_bytes(data)
    manifest = tmp_path / "idx" / MANIFEST  # a new inode: the server looks again
    text = manifest.read_text()
    manifest.unlink()
    manifest.write_text(text)
    assert {r.id for r in server.articles()} == {"hl", "vc", "qc"}  # still the loaded one


def test_waiting_too_long_for_another_writer_is_explained(tmp_path, encoder, articles):
    from embeddings.writelock import index_lock

    build(tmp_path / "idx", encoder, articles[:1])
    held, release = threading.Event(), threading.Event()

    def hold():
        with index_lock(tmp_path / "idx"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(30)
    try:
        with (
            pytest.raises(IndexFolderError, match="another process.*nothing was changed"),
            index_lock(tmp_path / "idx", timeout=0.3),
        ):
            pass
    finally:
        release.set()
        t.join()


# --- 2. files that disagree ----------------------------------------------------------------


def _add_extra_vector(folder: Path, reseal: bool = False) -> None:
    """Append a vector to the segment's file; ``reseal`` records its new sum in the manifest,
    as a buggy writer would, so that only the count check can catch it."""
    path = next(folder.glob("segments/*/vectors.npy"))
    vectors = np.load(path)
    np.save(path, np.vstack([vectors, np.ones((1, vectors.shape[1]), dtype=np.float32)]))
    if reseal:
        raw = json.loads((folder / MANIFEST).read_text())
        raw["checksums"][str(path.relative_to(folder))] = seal(path)
        (folder / MANIFEST).write_text(json.dumps(raw))


def test_a_vectors_file_with_an_extra_vector_is_refused(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    _add_extra_vector(tmp_path / "idx")
    with pytest.raises(IndexFolderError, match=r"hoidap ingest --rebuild"):
        IndexStore.load(tmp_path / "idx")


def test_counts_are_checked_even_when_the_sums_match(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    _add_extra_vector(tmp_path / "idx", reseal=True)
    with pytest.raises(IndexFolderError, match=r"disagree \(seg-\S+: \d+ chunks but \d+ vectors\)"):
        IndexStore.load(tmp_path / "idx")


def test_a_segment_without_checksums_is_refused(tmp_path, encoder, articles):
    build(tmp_path / "idx", encoder, articles)
    path = tmp_path / "idx" / MANIFEST
    raw = json.loads(path.read_text())
    raw["checksums"] = {k: v for k, v in raw["checksums"].items() if "segments/" not in k}
    path.write_text(json.dumps(raw))
    with pytest.raises(IndexFolderError, match=r"segments/seg-\S+ does not match"):
        IndexStore.load(tmp_path / "idx")


@pytest.mark.parametrize(
    "name",
    [
        "segments/*/articles.sqlite",
        "segments/*/chunks.npy",
        "segments/*/signatures.npy",
        "segments/*/vectors.npy",
        "segments/*/terms/accented/rows.npy",
        "groups-*.json",
    ],
)
def test_a_flipped_byte_is_refused(tmp_path, encoder, articles, name):
    build(tmp_path / "idx", encoder, articles)
    path = next((tmp_path / "idx").glob(name))
    data = bytearray(path.read_bytes())
    data[len(data) * 2 // 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexFolderError, match="rebuild"):
        IndexStore.load(tmp_path / "idx")


# --- 3. a full disk ------------------------------------------------------------------------


def _full_disk_in(monkeypatch, cls, error):
    def write_some_then_fail(self, path):
        Path(path).write_bytes(b"partial")
        raise error

    monkeypatch.setattr(cls, "save", write_some_then_fail)


@pytest.mark.parametrize(
    ("cls", "error"),
    [
        (SegmentTerms, OSError(errno.ENOSPC, "No space left on device")),
        (SegmentTerms, RuntimeError("fwrite failed: No space left on device")),  # faiss's way
    ],
)
def test_a_full_disk_mid_commit_leaves_the_index_unchanged(
    tmp_path, encoder, articles, monkeypatch, cls, error
):
    folder = tmp_path / "idx"
    build(folder, encoder, articles[:2])
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    _full_disk_in(monkeypatch, cls, error)
    with pytest.raises(IndexFolderError, match="disk is full.*Nothing was changed.*2 articles"):
        ingest(IndexStore.load(folder), articles, encoder)
    monkeypatch.undo()
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before  # no debris
    again = IndexStore.load(folder)
    assert set(again.articles) == {"hl", "vc"}


def test_cli_ingest_on_a_full_disk_prints_an_error(
    tmp_path, encoder, articles, monkeypatch, capsys
):
    import embeddings.encoder

    monkeypatch.setattr(embeddings.encoder, "default_encoder", lambda: encoder)
    build(tmp_path / "idx", encoder, articles[:2])
    source = tmp_path / "new.jsonl"
    source.write_text(json.dumps({"id": "qc", "text": articles[2].text}), encoding="utf-8")
    _full_disk_in(monkeypatch, SegmentTerms, OSError(errno.ENOSPC, "No space left on device"))
    capsys.readouterr()
    assert main(["ingest", str(source), "--index", str(tmp_path / "idx")]) == 2
    err = capsys.readouterr().err
    assert "\nhoidap: could not save the index" in "\n" + err and "disk is full" in err
    assert "Traceback" not in err
    monkeypatch.undo()
    assert set(IndexStore.load(tmp_path / "idx").articles) == {"hl", "vc"}


# --- 4. unknown ids ------------------------------------------------------------------------


def test_removing_unknown_ids_names_them_and_a_few_close_matches(tmp_path, encoder):
    store = build(tmp_path / "idx", encoder, numbered("bai", 30))
    report = remove(store, ["bai-07x", "khong-co-bai-nay", "bai-03"])
    assert report.removed == ("bai-03",)
    assert report.missing == ("bai-07x", "khong-co-bai-nay")
    message = report.missing_message()
    assert message.startswith("not in the index: bai-07x (did you mean bai-07")
    assert "khong-co-bai-nay" in message
    known_named = [i for i in store.articles if i in message]
    assert 1 <= len(known_named) <= 3


def test_cli_remove_of_an_unknown_id_does_not_list_the_index(
    tmp_path, encoder, monkeypatch, capsys
):
    import embeddings.encoder

    monkeypatch.setattr(embeddings.encoder, "default_encoder", lambda: encoder)
    build(tmp_path / "idx", encoder, numbered("bai", 30))
    capsys.readouterr()
    assert main(["remove", "bai-7", "--index", str(tmp_path / "idx")]) == 1
    err = capsys.readouterr().err
    assert "not in the index: bai-7 (did you mean " in err and "bai-07" in err
    assert sum(f"bai-{i:02d}" in err for i in range(30)) <= 3
