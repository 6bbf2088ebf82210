"""A copy of an index that shares its segments: hard links, since segments never change.

Useful to add articles to a big index without touching it, e.g. an evaluation that puts
a question set's paragraphs beside a 35,000-article archive (``hoidap eval
--distractors``): the clone costs a few milliseconds and no disk space, and the
original's files stay as they were (changes to the clone write new files only).

>>> try:
...     clone_index(Path("/nonexistent"), Path("/tmp/x"))
... except IndexFolderError as exc:
...     print(str(exc)[:40])
/nonexistent is not a hoidap index (no m
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from embeddings.manifest import MANIFEST, IndexFolderError, read_manifest  # noqa: F401
from embeddings.writelock import index_lock


def clone_index(src: Path, dst: Path) -> None:
    """Make ``dst`` (which must not exist) an index with ``src``'s current contents."""
    manifest = read_manifest(src)  # refuses a folder that is not an index
    if dst.exists():
        raise FileExistsError(f"{dst} already exists; remove it or choose another folder")
    tmp = dst.with_name(f".{dst.name}.cloning-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    with index_lock(src):  # no commit of src moves files while they are linked
        names = [*manifest.files.values(), *(f"segments/{s['name']}" for s in manifest.segments)]
        for name in names:
            _link_tree(src / name, tmp / name)
        shutil.copy2(src / MANIFEST, tmp / MANIFEST)
    os.replace(tmp, dst)


def _link_tree(src: Path, dst: Path) -> None:
    if src.is_dir():
        for sub in src.iterdir():
            _link_tree(sub, dst / sub.name)
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        shutil.copy2(src, dst)  # another file system, or links not allowed: copy
