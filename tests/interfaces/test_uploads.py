"""Which uploaded files are accepted, and the staging folders a killed server leaves."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest
from fakes import FakeGenerator

from qa.interfaces import chat
from qa.interfaces.uploads import Upload, clean_stale_staging, staging_prefix
from qa.reading.reader import FakeReader

PAGE = "Mèo Mun đoạt giải\n\nNgày 3/1/2026, chú mèo Mun đoạt giải nhất cuộc thi mèo đẹp Hà Nội."


@pytest.fixture(autouse=True)
def _fakes_only(no_real_reader):
    """These tests use fake models only (``no_real_reader``: loading it would be a bug)."""


@pytest.fixture
def service(make_service):
    return make_service(FakeGenerator("x"), reader=FakeReader({}))


def test_only_files_in_the_upload_folder_are_added(service, tmp_path):
    folder, elsewhere = tmp_path / "uploads", tmp_path / "elsewhere"
    (folder / "ab12").mkdir(parents=True)
    elsewhere.mkdir()
    (folder / "ab12" / "meo.txt").write_text(PAGE, encoding="utf-8")
    (elsewhere / "secret.txt").write_text("Bí mật\n\nMật khẩu là abc123.", encoding="utf-8")
    (folder / "ab12" / "link.txt").symlink_to(elsewhere / "secret.txt")
    files = [
        {"path": str(folder / "ab12" / "meo.txt"), "orig_name": "meo.txt"},
        {"path": str(elsewhere / "secret.txt"), "orig_name": "x.txt"},
        str(folder / "ab12" / "link.txt"),
        {"path": str(folder / "ab12" / ".." / ".." / "elsewhere" / "secret.txt")},
        {"path": str(folder)},
    ]
    summary = chat.upload_received(service, files, folder)
    assert "Đã thêm 1 bài" in summary and "meo" in summary
    for name in ("x.txt", "link.txt", "secret.txt", "uploads"):
        assert f"❌ {name}: tệp không được tải lên qua trang này" in summary
    ids = [r.id for r in service.articles()]
    assert "meo" in ids and "secret" not in ids and "x" not in ids and "link" not in ids


def test_only_refused_files_still_get_a_report(service, tmp_path):
    (tmp_path / "hostname").write_text(PAGE, encoding="utf-8")
    summary = chat.upload_received(service, [str(tmp_path / "hostname")], tmp_path / "up")
    assert summary.startswith("Đã thêm 0 bài") and "❌ hostname" in summary


def test_uploads_are_staged_in_a_folder_named_with_the_pid(service, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []
    service.upload(
        [Upload(name="meo.txt", data=PAGE.encode())],
        say=lambda _m: seen.append(
            [p.name for p in tmp_path.iterdir() if p.name.startswith("hoidap-upload-")]
        ),
    )
    assert seen and all(names and names[0].startswith(staging_prefix()) for names in seen)
    assert str(os.getpid()) in staging_prefix()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("hoidap-upload-")]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_staging_folders_are_removed_at_start_up(tmp_path):
    old = time.time() - 3600
    names = {
        f"hoidap-upload-{dead_pid()}-x1y2": True,  # its server is gone
        f"hoidap-upload-{os.getpid()}-x1y2": False,  # ours, maybe in use
        f"hoidap-upload-{os.getppid()}-x1y2": False,  # a live process's
        "hoidap-upload-oldabc12": True,  # no pid (an older server's), untouched for an hour
        "hoidap-upload-newabc12": False,  # no pid, but just written
        "other-folder": False,
    }
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_text("x")
    os.utime(tmp_path / "hoidap-upload-oldabc12", (old, old))
    (tmp_path / "hoidap-upload-link").symlink_to(tmp_path / "other-folder")
    removed = clean_stale_staging(tmp_path)
    assert sorted(p.name for p in removed) == sorted(n for n, gone in names.items() if gone)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {n for n, gone in names.items() if not gone} | {"hoidap-upload-link"}
    assert (tmp_path / "other-folder" / "a.txt").exists()
