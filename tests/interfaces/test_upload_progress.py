"""Uploading a big ``.jsonl`` / ``.jsonl.gz``: read lazily, committed in batches, progress
reported after each, damaged archives explained in Vietnamese."""

from __future__ import annotations

import functools
import gzip
import json

import pytest
from fakes import FakeGenerator

from embeddings.ingest import IngestProgress
from qa.interfaces import articles, chat
from qa.interfaces.uploads import Upload, stage, upload_kind
from qa.reading.reader import FakeReader

N = 35


def jsonl(n: int = N, start: int = 0) -> bytes:
    lines = [
        json.dumps(
            {
                "id": f"lo-{i:03d}",
                "title": f"Tin lô số {i} về Hải Phòng",
                "text": f"Bài lô số {i}: cảng Hải Phòng đón {i} chuyến tàu trong tháng.",
                "date": "2025-06-01",
                "source": "baohaiphong.vn",
            },
            ensure_ascii=False,
        )
        for i in range(start, start + n)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """Fake models only (``no_real_reader``: loading it would be a bug)."""


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 10 articles instead of 500, so 35 articles make 4 commits."""
    import embeddings.ingest

    monkeypatch.setattr(
        embeddings.ingest, "ingest", functools.partial(embeddings.ingest.ingest, batch_size=10)
    )


@pytest.fixture
def service(make_service):
    return make_service(FakeGenerator("x"), reader=FakeReader({}))


def test_a_gzip_archive_is_added_with_progress_per_batch(service, small_batches):
    heard: list[IngestProgress] = []
    data = gzip.compress(jsonl())
    report = service.upload([Upload(name="Tin 2025.jsonl.gz", data=data)], on_batch=heard.append)
    assert len(report.added) == N and not report.errors and report.passages >= N
    assert [p.articles for p in heard] == [10, 20, 30, 35]
    fractions = [p.fraction for p in heard]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert all(0 < f <= 1 for f in fractions) and heard[-1].embedded == report.passages
    page = service.article_page("hai phong")
    assert page.total == N and page.indexed == N + 3


def test_the_chat_upload_reports_progress_lines(service, small_batches):
    lines: list[str] = []

    def on_batch(p):
        lines.append(articles.progress_line(p))

    plain = Upload(name="lo.jsonl", data=jsonl(25))
    summary = chat.upload(service, [plain], on_batch=on_batch)
    assert summary.startswith("Đã thêm 25 bài") and len(lines) == 3
    assert lines[0].startswith("Đã thêm 10 / ~") and "đoạn/giây" in lines[0]
    assert lines[-1].startswith("Đã thêm 25 / ~25 bài")


def test_chat_upload_received_passes_progress_on(service, small_batches, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "lo.jsonl.gz").write_bytes(gzip.compress(jsonl(12)))
    heard = []
    text = chat.upload_received(
        service,
        [{"path": str(folder / "lo.jsonl.gz"), "orig_name": "lo.jsonl.gz"}],
        folder,
        on_batch=heard.append,
    )
    assert "Đã thêm 12 bài" in text and len(heard) == 2


def test_damaged_archives_are_explained_in_vietnamese(service, small_batches):
    whole = gzip.compress(jsonl(30))
    files = [
        Upload(name="plain.jsonl.gz", data=jsonl(3, start=100)),  # not compressed at all
        Upload(name="cut.jsonl.gz", data=whole[: len(whole) * 2 // 3]),
    ]
    summary = chat.upload(service, files)
    assert "plain.jsonl.gz: tệp không phải dạng nén gzip" in summary
    assert "cut.jsonl.gz: tệp nén bị cụt" in summary and "truncated after" in summary
    added = int(summary.split("Đã thêm ")[1].split(" ")[0])
    assert 0 < added < 30  # the lines before the cut are kept
    assert service.article_page("hai phong").total == added


@pytest.mark.parametrize(
    ("reason", "vi"),
    [
        ("not a gzip file (it starts with b'{\"id\"'); if it is plain JSONL...", "nén gzip"),
        ("the archive is truncated after 12 lines: re-download or re-compress it", "bị cụt"),
        ("the archive is corrupt (invalid block type) after 3 lines: re-download", "bị hỏng"),
        ("line is over 20 MB; one article per line", "dòng quá dài"),
        ("not valid UTF-8 (byte 0xe0 at offset 4); re-save the file as UTF-8", "UTF-8"),
        ("file is 21.0 MB, over the 20 MB limit; split it (for example ...)", "tách nhỏ"),
        ("article 'x' has a missing or empty 'text'", "thiếu nội dung"),
        ("only .txt, .html, .htm, .jsonl, .jsonl.gz files are accepted", ".jsonl.gz"),
    ],
)
def test_reader_reasons_have_vietnamese(reason, vi):
    text = chat.vietnamese_reason(reason)
    assert vi in text.split(" (")[0] and text.endswith(f"({reason})")


def test_progress_line_without_a_known_fraction():
    p = IngestProgress(articles=2000, embedded=0, seconds=0.0)
    assert articles.progress_line(p) == "Đã thêm 2.000 bài"
    p = IngestProgress(articles=12000, embedded=48000, seconds=400, fraction=0.34)
    assert articles.progress_line(p) == "Đã thêm 12.000 / ~35.300 bài, 120 đoạn/giây, còn ~13 phút"


def test_gzip_uploads_are_accepted_and_staged_under_their_kind(tmp_path):
    assert upload_kind("Tin/2017.JSONL.GZ") == ".jsonl.gz" and upload_kind("x.gz") == ".gz"
    files = [
        Upload(name="Tin 2017.jsonl.gz", data=b"x"),
        Upload(name="Tin 2017.jsonl", data=b"y"),  # the same stem: refused, as for .txt/.html
        Upload(name="a.gz", data=b"z"),
        Upload(name="b.tar.gz", data=b"z"),
    ]
    paths, errors = stage(files, tmp_path)
    assert [p.name for p in paths] == ["Tin_2017.jsonl.gz"]
    assert [e.path for e in errors] == ["Tin 2017.jsonl", "a.gz", "b.tar.gz"]
    assert "same name" in errors[0].reason and ".jsonl.gz" in errors[1].reason
