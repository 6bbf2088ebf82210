"""The encoder on ONNX Runtime: a one-time export of a local model, fp32 or int8.

``SentenceTransformerEncoder(folder, dtype="onnx-int8")`` (or ``HOIDAP_EMBEDDER_DTYPE``)
runs here. The first use exports the folder's transformer with mean pooling
(``torch.onnx.export``), fuses attention, GELU and LayerNorm (onnxruntime's BERT
optimizer) and, for int8, quantizes the weights of every MatMul and Attention per output
channel (activations per tensor, at run time). The files go to
``$HOIDAP_CACHE/models/onnx/<name>-<digest>/`` beside a manifest naming the source
folder's digest and the recipe; a changed model or recipe exports again. Everything comes
from installed packages: nothing is downloaded. Needs ``pip install hoidap[fast]``.

Not the default: on 2 cores with AVX512-BF16/AMX (busy machine, 100 news passages of ~270
tokens, medians of 3) torch bf16 ran 5.5 passages/s, onnx-int8 4.0, onnx-fp32 2.4 and torch
fp32 2.3. int8 kept XQuAD-vi R@1 (95.4 against 95.6) at cosine 0.997 to fp32 (queries down
to 0.983); it pays where the CPU has no native bf16 and torch falls back to fp32.

Passages are tokenized all at once and batched in order of token count, so a batch pads
to within a few tokens of its longest passage.

>>> runner = load_onnx(ensure_default_model(), "onnx-int8", cache)   # doctest: +SKIP
>>> runner.embed(["passage: Hà Nội mưa to."]).shape                 # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from embeddings.modelspec import EncoderError, folder_digest

ONNX_DTYPES = ("onnx-fp32", "onnx-int8")
RECIPE_VERSION = 1  # bump when the export, fusion or quantization recipe changes
MANIFEST = "export.json"
_FILES = {"onnx-fp32": "model.onnx", "onnx-int8": "model-int8.onnx"}
_INSTALL = "the onnx backend needs onnxruntime and onnx: pip install 'hoidap[fast]'"


def export_dir(folder: Path, cache: Path) -> Path:
    """Where the export of model ``folder`` lives under the cache ``cache``.

    >>> export_dir(Path("/m/e5"), Path("/c")).parent
    PosixPath('/c/models/onnx')
    """
    digest = folder_digest(folder)[:16] if folder.is_dir() else "missing"
    return cache / "models" / "onnx" / f"{folder.name}-{digest}"


def read_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current_export(out: Path, folder: Path) -> bool:
    """True when ``out`` holds this recipe's export of ``folder``, every file complete.

    >>> is_current_export(Path("/nonexistent"), Path("/m"))
    False
    """
    man = read_manifest(out)
    if not man or man.get("recipe") != RECIPE_VERSION:
        return False
    if man.get("source_digest") != folder_digest(folder):
        return False
    sizes = man.get("files", {})
    return bool(sizes) and all(
        (out / name).is_file() and (out / name).stat().st_size == size
        for name, size in sizes.items()
    )


def ensure_export(folder: Path, cache: Path) -> Path:
    """Export ``folder`` (fp32 and int8) unless a current export exists; its folder."""
    out = export_dir(folder, cache)
    if is_current_export(out, folder):
        return out
    _check_exportable(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        os.chmod(tmp, 0o755)
        _build(folder, tmp)
        if out.exists():  # an older recipe, or a concurrent export that just finished
            if is_current_export(out, folder):
                return out
            shutil.rmtree(out)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _check_exportable(folder: Path) -> None:
    # The graph computes mean pooling over every token, as the e5 folders configure it.
    try:
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        pooling = {}
    if not pooling.get("pooling_mode_mean_tokens") or not pooling.get("include_prompt", True):
        raise EncoderError(
            f"{folder}: the onnx backend supports mean-pooled sentence-transformers "
            "folders only (like the default e5); use dtype bf16 or fp32"
        )
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise EncoderError(f"{_INSTALL} ({exc})") from exc


def _build(folder: Path, tmp: Path) -> None:
    import onnx
    import onnxruntime
    import torch

    raw = tmp / "raw.onnx"
    _export_fp32(folder, raw)
    fused = _fuse(folder, raw, tmp / _FILES["onnx-fp32"])
    raw.unlink()
    _quantize(tmp / _FILES["onnx-fp32"], tmp / _FILES["onnx-int8"])
    manifest = {
        "recipe": RECIPE_VERSION,
        "source": str(folder),
        "source_digest": folder_digest(folder),
        "fused_operators": fused,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__},
        "onnxruntime": onnxruntime.__version__,
        "files": {name: (tmp / name).stat().st_size for name in _FILES.values()},
    }
    text = json.dumps(manifest, indent=2) + "\n"
    (tmp / MANIFEST).write_text(text, encoding="utf-8")  # last: marks a complete export


def _export_fp32(folder: Path, path: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces into the pattern that onnxruntime's optimizer fuses.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager")

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 100, 2, 1, 1]])
    mask = (ids != 1).long()
    axes = {"input_ids": {0: "n", 1: "len"}, "attention_mask": {0: "n", 1: "len"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter
        torch.onnx.export(
            MeanPooled().eval(),
            (ids, mask),
            str(path),
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, deterministic
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "n"}},
            opset_version=17,
        )


def _fuse(folder: Path, raw: Path, out: Path) -> dict:
    import logging

    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
    model = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=1,
    )
    model.save_model_to_file(str(out))
    return {k: v for k, v in model.get_fused_operator_statistics().items() if v}


def _quantize(fp32: Path, out: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))
    quantize_dynamic(
        str(fp32),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,  # per-tensor weight scales: cosine to fp32 0.984 instead of 0.997
        op_types_to_quantize=["MatMul", "Attention"],  # not the embedding table (Gather)
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused ops' outputs
    )


class OnnxRunner:
    """One ONNX Runtime session and the folder's tokenizer; ``embed`` -> unit vectors."""

    def __init__(self, folder: Path, model_file: Path, threads: int) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.prompts = _prompts(folder)
        self.max_length = _max_length(folder, self.tokenizer)
        self.pad_id = int(self.tokenizer.pad_token_id or 0)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalized float32 vectors of ``texts`` (prompts already prepended)."""
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        order = np.argsort([len(x) for x in ids], kind="stable")[::-1]
        parts = []
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(ids[i]) for i in rows)
            input_ids = np.full((len(rows), width), self.pad_id, np.int64)
            mask = np.zeros((len(rows), width), np.int64)
            for r, i in enumerate(rows):
                input_ids[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1
            feed = {"input_ids": input_ids, "attention_mask": mask}
            parts.append(self.session.run(None, feed)[0])
        vecs = np.concatenate(parts)  # the caller never passes an empty list
        out = np.empty_like(vecs)
        out[order] = vecs
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _prompts(folder: Path) -> dict:
    try:
        cfg = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(cfg.get("prompts") or {})


def _max_length(folder: Path, tokenizer) -> int:
    try:
        cfg = json.loads((folder / "sentence_bert_config.json").read_text("utf-8"))
        return int(cfg["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return int(min(tokenizer.model_max_length, 512))


def load_onnx(folder: Path, dtype: str, cache: Path) -> OnnxRunner:
    """The runner for ``dtype`` (one of ``ONNX_DTYPES``), exporting on first use."""
    if not isinstance(folder, Path):
        raise EncoderError(f"the onnx backend needs a local model folder, not {folder!r}")
    _check_exportable(folder)
    out = ensure_export(folder, cache)
    threads = int(os.environ.get("OMP_NUM_THREADS") or 0) or len(os.sched_getaffinity(0))
    return OnnxRunner(folder, out / _FILES[dtype], max(1, threads))
