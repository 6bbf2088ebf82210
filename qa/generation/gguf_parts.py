"""GGUF files shipped over PyPI wheels: find the installed parts, join and verify them.

Each part lives in its own package as ``data/partNN.bin``, found through installed
metadata (the packages' code is never run). The parts are joined in part order and the
whole is sha256-checked against the pinned sum.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

Say = Callable[[str], None]  # where progress messages go
_PART_FILE = re.compile(r"part(\d+)\.bin")
_CHUNK = 4 << 20


class GeneratorError(RuntimeError):
    """The generator model cannot be found or built; the message says what to do."""


@dataclass(frozen=True, kw_only=True)
class GgufSource:
    """A GGUF file shipped as one part per PyPI package, all at one version."""

    alias: str
    packages: tuple[str, ...]
    version: str
    sha256: str  # of the parts concatenated in part order
    description: str = ""

    def pip_install(self, packages: Iterable[str] | None = None, force: bool = False) -> str:
        """The pip command installing ``packages`` (default: all) at the pinned version.

        >>> GgufSource(alias="x", packages=("a-part1",), version="1.0", sha256="").pip_install()
        'pip install a-part1==1.0'
        """
        names = " ".join(f"{p}=={self.version}" for p in packages or self.packages)
        return "pip install " + ("--force-reinstall " if force else "") + names


def _installed_files(package: str, version: str) -> list[Path] | None:
    # The only place that looks at installed packages (tests replace it).
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None
    files = [Path(dist.locate_file(f)) for f in dist.files or ()]
    return files if dist.version == version else None


def gguf_part_files(source: GgufSource) -> list[Path]:
    """The installed part files of ``source``, ordered by part number.

    >>> [p.name for p in gguf_part_files(KNOWN["qwen2.5-0.5b"])][:2]  # doctest: +SKIP
    ['part01.bin', 'part02.bin']
    """
    numbered, missing = [], []
    for package in source.packages:
        files = _installed_files(package, source.version) or ()
        parts = [p for p in files if _PART_FILE.fullmatch(p.name)]
        if len(parts) == 1 and parts[0].is_file():
            numbered.append((int(_PART_FILE.fullmatch(parts[0].name)[1]), parts[0]))
        else:
            missing.append(package)
    if missing:
        raise GeneratorError(
            f"The generator {source.alias!r} ({source.description}) needs these packages at "
            f"version {source.version}: {', '.join(missing)}. Install them with: "
            f"{source.pip_install(missing)}   (or set HOIDAP_GENERATOR to another model)"
        )
    # Numerically (part2 before part10); a gap or duplicate fails the sha256 check.
    return [path for _, path in sorted(numbered)]


def assemble_gguf(source: GgufSource, dest: Path, say: Say = print) -> Path:
    """Concatenate the parts into ``dest`` in 4 MiB chunks, checking sha256 as it goes.

    A temporary sibling is renamed into place: ``dest`` is complete and verified, or absent.

    >>> assemble_gguf(KNOWN["qwen2.5-0.5b"], Path("/tmp/q.gguf"))  # doctest: +SKIP
    PosixPath('/tmp/q.gguf')
    """
    parts, dest = gguf_part_files(source), Path(dest)
    size = sum(p.stat().st_size for p in parts)
    say(f"Assembling {source.alias} from {len(parts)} parts ({size / 1e9:.2f} GB)…")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
            os.fsync(out.fileno())
        if digest.hexdigest() != source.sha256:
            raise GeneratorError(
                f"{source.alias}: the assembled GGUF has sha256 {digest.hexdigest()[:12]}…, "
                f"expected {source.sha256[:12]}…: the parts are corrupt or from another "
                f"version. Reinstall: {source.pip_install(force=True)}"
            )
        os.chmod(name, 0o644)  # mkstemp makes it private; the cache need not be
        os.replace(name, dest)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return dest
