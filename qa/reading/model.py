"""The span reader network and its on-disk form.

An encoder (multilingual-e5-small by default) with one linear head giving start and end
logits per token; the ``<s>`` token's start+end score is the "no answer here" score, so
the no-answer option competes with every span. The embeddings and the lowest
``frozen_layers`` layers stay as the base model has them: a saved reader holds only the
trained layers and the head (safetensors) plus ``manifest.json``, and loading checks the
base model's fingerprint over exactly the weights it did not save.

>>> ReaderManifestError("x").args
('x',)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from embeddings.e5image import file_sha256

MANIFEST = "manifest.json"
WEIGHTS = "reader.safetensors"
FORMAT = "hoidap-reader"
FORMAT_VERSION = 1


class ReaderManifestError(RuntimeError):
    """A reader folder that is missing, incomplete, or made for another base model."""


def build(base: str | Path, frozen_layers: int) -> Any:
    """The base encoder plus a fresh span head; frozen parts have ``requires_grad=False``."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    torch.manual_seed(0)  # the head's initial weights
    level, bar = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # no load report: the unused pooler is expected
    hf_logging.disable_progress_bar()
    try:
        encoder = AutoModel.from_pretrained(str(base), add_pooling_layer=False)
    finally:
        hf_logging.set_verbosity(level)
        if bar:
            hf_logging.enable_progress_bar()
    return SpanReader(encoder, frozen_layers)


def _module_class():
    import torch

    class _SpanReader(torch.nn.Module):
        def __init__(self, encoder: Any, frozen_layers: int) -> None:
            super().__init__()
            self.encoder = encoder
            self.frozen_layers = int(frozen_layers)
            self.head = torch.nn.Linear(encoder.config.hidden_size, 2)
            for name, p in self.encoder.named_parameters():
                p.requires_grad = not is_frozen(name, self.frozen_layers)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            logits = self.head(hidden)
            return logits[..., 0], logits[..., 1]

    return _SpanReader


def SpanReader(encoder: Any, frozen_layers: int) -> Any:  # noqa: N802 (a class factory)
    """Wrap ``encoder`` with the span head (torch imported only when called)."""
    return _module_class()(encoder, frozen_layers)


def is_frozen(name: str, frozen_layers: int) -> bool:
    """Whether an encoder parameter stays as the base model has it.

    >>> is_frozen("embeddings.word_embeddings.weight", 3), is_frozen("encoder.layer.2.x", 3)
    (True, True)
    >>> is_frozen("encoder.layer.3.attention.self.query.weight", 3)
    False
    """
    if name.startswith("embeddings."):
        return True
    parts = name.split(".")
    if parts[:2] == ["encoder", "layer"] and parts[2].isdigit():
        return int(parts[2]) < frozen_layers
    return False


def base_fingerprint(model: Any, frozen_layers: int | None = None) -> str:
    """sha256 over the frozen weights (of the lowest ``frozen_layers``, default the
    model's), which the reader folder does not carry."""
    frozen = model.frozen_layers if frozen_layers is None else frozen_layers
    digest = hashlib.sha256()
    for name, tensor in sorted(model.encoder.state_dict().items()):
        if is_frozen(name, frozen):
            digest.update(name.encode())
            digest.update(tensor.detach().float().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _frozen_param(name: str, frozen_layers: int) -> bool:
    return name.startswith("encoder.") and is_frozen(name.removeprefix("encoder."), frozen_layers)


def trained_state(model: Any) -> dict[str, Any]:
    """The parameters a reader folder holds: trained encoder layers and the head."""
    out = {}
    for name, tensor in model.state_dict().items():
        if not _frozen_param(name, model.frozen_layers):
            out[name] = tensor
    return out


def save(model: Any, folder: str | Path, manifest: dict, dtype: str = "bf16") -> Path:
    """Write ``reader.safetensors`` and ``manifest.json`` atomically (manifest last)."""
    import torch
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cast = torch.bfloat16 if dtype == "bf16" else torch.float32
    state = {k: v.detach().to(cast).contiguous() for k, v in trained_state(model).items()}
    tmp = folder / (WEIGHTS + ".tmp")
    save_file(state, str(tmp))
    os.replace(tmp, folder / WEIGHTS)
    full = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "frozen_layers": model.frozen_layers,
        "base_fingerprint": base_fingerprint(model),
        "weights_sha256": file_sha256(folder / WEIGHTS),
        "weights_dtype": dtype,
        **manifest,
    }
    tmp_m = folder / (MANIFEST + ".tmp")
    tmp_m.write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp_m, folder / MANIFEST)
    return folder


def read_manifest(folder: str | Path) -> dict:
    """The reader folder's manifest, checked for format and completeness."""
    folder = Path(folder)
    try:
        man = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReaderManifestError(
            f"{folder} is not a reader folder ({exc}); train one with `hoidap train-reader"
            " --out DIR` or unset HOIDAP_READER to use the shipped reader"
        ) from exc
    if man.get("format") != FORMAT or man.get("format_version") != FORMAT_VERSION:
        raise ReaderManifestError(
            f"{folder}: reader format {man.get('format')!r} v{man.get('format_version')} is "
            f"not {FORMAT!r} v{FORMAT_VERSION}; retrain it with this hoidap version"
        )
    if not (folder / WEIGHTS).is_file():
        raise ReaderManifestError(f"{folder}: {WEIGHTS} is missing; copy the whole folder")
    return man


def load_trained(model: Any, folder: Path, man: dict) -> None:
    """Put the folder's trained weights into ``model``, built on ``man``'s frozen layers or
    fewer (layers the folder kept frozen stay the base's); refuses a base model other than
    the one the folder was trained on."""
    from safetensors.torch import load_file

    found = base_fingerprint(model, man["frozen_layers"])  # before any of it is trained
    if found != man["base_fingerprint"]:
        raise ReaderManifestError(
            f"the reader in {folder} was trained on another base model (fingerprint "
            f"{man['base_fingerprint'][:12]}, found {found[:12]}); install "
            f"{man.get('base_model', 'the base model it names')} or retrain the reader"
        )
    state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS)).items()}
    # Layers the folder kept frozen are the base's own: a model training them starts there.
    kept = man["frozen_layers"]
    needed = {k for k in trained_state(model) if not _frozen_param(k, kept)}
    missing = needed - set(state)
    if missing:
        raise ReaderManifestError(f"{folder}: weights lack {sorted(missing)[:3]}; retrain")
    model.load_state_dict(state, strict=False)


def load(folder: str | Path, base: str | Path, dtype: str = "fp32") -> Any:
    """Base encoder + the folder's trained weights; refuses a different base model."""
    import torch

    folder = Path(folder)
    man = read_manifest(folder)
    if file_sha256(folder / WEIGHTS) != man["weights_sha256"]:
        raise ReaderManifestError(
            f"{folder / WEIGHTS} does not match its manifest (damaged or replaced); "
            "restore it from git or retrain"
        )
    model = build(base, man["frozen_layers"])
    load_trained(model, folder, man)
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    return model.eval()
