"""The span reader network over a tiny random XLM-R: what stays frozen, what a reader folder
holds (only the trained layers, a manifest with the base's fingerprint), an exact fp32 round
trip, and refusals of another base model, damaged weights and folders without a manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch
from conftest import make_tiny_base

from qa.reading import model as reader_model
from qa.reading.model import MANIFEST, WEIGHTS, ReaderManifestError, is_frozen

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _inputs():
    ids = torch.tensor([[0, 5, 9, 2, 2, 7, 8, 11, 12, 2], [0, 6, 2, 2, 13, 14, 2, 1, 1, 1]])
    return ids, (ids != 1).long()


def _logits(model):
    model.eval()
    with torch.no_grad():
        return model(*_inputs())


def _trained(base: Path, frozen: int = 1):
    """A reader whose trained layers differ from a fresh build (as after training)."""
    model = reader_model.build(base, frozen)
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.add_(torch.randn(p.shape, generator=gen) * 0.2)
    return model


@pytest.fixture(scope="module")
def other_base(tmp_path_factory, tiny_base) -> Path:
    """Same architecture and tokenizer as ``tiny_base``, another random init."""
    return make_tiny_base(tmp_path_factory.mktemp("other-base"), seed=2, tokenizer_from=tiny_base)


def test_is_frozen_compares_layer_numbers_not_strings() -> None:
    assert is_frozen("embeddings.word_embeddings.weight", 0)
    assert is_frozen("embeddings.LayerNorm.bias", 0)
    assert is_frozen("encoder.layer.1.output.dense.weight", 2)
    assert not is_frozen("encoder.layer.2.output.dense.weight", 2)
    assert not is_frozen("encoder.layer.10.attention.self.query.weight", 2)  # "10" > "2"
    assert is_frozen("encoder.layer.10.attention.self.query.weight", 11)
    assert not is_frozen("pooler.dense.weight", 12)


def test_build_freezes_embeddings_and_lowest_layers(tiny_base: Path) -> None:
    model = reader_model.build(tiny_base, frozen_layers=1)
    grads = {name: p.requires_grad for name, p in model.named_parameters()}
    assert grads["head.weight"] and grads["head.bias"]
    for name, trainable in grads.items():
        frozen = name.startswith(("encoder.embeddings.", "encoder.encoder.layer.0."))
        assert trainable == (not frozen), name
    assert any(n.startswith("encoder.encoder.layer.2.") for n in grads)
    start, end = _logits(model)
    assert start.shape == end.shape == _inputs()[0].shape
    # the head starts the same way every time (seeded)
    again = _logits(reader_model.build(tiny_base, frozen_layers=1))
    assert torch.equal(start, again[0]) and torch.equal(end, again[1])


def test_save_writes_only_trained_weights_and_a_manifest(tiny_base: Path, tmp_path: Path) -> None:
    model = _trained(tiny_base)
    out = reader_model.save(
        model, tmp_path / "r", {"base_model": "tiny", "note": "x"}, dtype="fp32"
    )
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, WEIGHTS]  # no temp files left
    man = json.loads((out / MANIFEST).read_text("utf-8"))
    assert (
        man["format"] == reader_model.FORMAT
        and man["format_version"] == reader_model.FORMAT_VERSION
    )
    assert man["frozen_layers"] == 1 and man["weights_dtype"] == "fp32" and man["note"] == "x"
    assert man["weights_sha256"] == hashlib.sha256((out / WEIGHTS).read_bytes()).hexdigest()
    assert man["base_fingerprint"] == reader_model.base_fingerprint(model)
    assert len(man["base_fingerprint"]) == 64

    from safetensors.torch import load_file

    saved = load_file(str(out / WEIGHTS))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert set(saved) == trainable  # the head and layers 1-2; nothing frozen
    assert not any("embeddings" in k or ".layer.0." in k for k in saved)
    for name, tensor in saved.items():
        assert tensor.dtype == torch.float32
        assert torch.equal(tensor, model.state_dict()[name])


def test_load_round_trip_gives_identical_logits(tiny_base: Path, tmp_path: Path) -> None:
    model = _trained(tiny_base)
    reader_model.save(model, tmp_path / "r", {}, dtype="fp32")
    loaded = reader_model.load(tmp_path / "r", tiny_base, dtype="fp32")
    assert not loaded.training
    want, got = _logits(model), _logits(loaded)
    assert torch.equal(want[0], got[0]) and torch.equal(want[1], got[1])
    fresh = _logits(reader_model.build(tiny_base, 1))
    assert not torch.allclose(fresh[0], got[0])  # the trained weights were really loaded


def test_bf16_folder_loads_close(tiny_base: Path, tmp_path: Path) -> None:
    model = _trained(tiny_base)
    reader_model.save(model, tmp_path / "r", {})  # bf16, the default
    assert reader_model.read_manifest(tmp_path / "r")["weights_dtype"] == "bf16"
    got = _logits(reader_model.load(tmp_path / "r", tiny_base, dtype="fp32"))
    want = _logits(model)
    assert torch.allclose(want[0], got[0], atol=0.1) and torch.allclose(want[1], got[1], atol=0.1)


def test_load_refuses_another_base_model(tiny_base: Path, other_base: Path, tmp_path: Path) -> None:
    reader_model.save(_trained(tiny_base), tmp_path / "r", {"base_model": "tiny-1"}, dtype="fp32")
    with pytest.raises(ReaderManifestError) as err:
        reader_model.load(tmp_path / "r", other_base)
    msg = str(err.value)
    assert "another base model" in msg and "install tiny-1" in msg and "retrain" in msg


def test_fingerprint_covers_exactly_the_weights_not_saved(tiny_base: Path, tmp_path: Path) -> None:
    """A base that differs only in a trained layer loads (the folder overrides it); one that
    differs in a frozen layer does not."""
    from transformers import AutoModel

    model = _trained(tiny_base)
    reader_model.save(model, tmp_path / "r", {}, dtype="fp32")
    for layer, ok in ((2, True), (0, False)):
        enc = AutoModel.from_pretrained(str(tiny_base), add_pooling_layer=False)
        with torch.no_grad():
            enc.encoder.layer[layer].output.dense.weight.add_(1.0)
        variant = tmp_path / f"base-{layer}"
        enc.save_pretrained(variant)
        if ok:
            got = _logits(reader_model.load(tmp_path / "r", variant))
            assert torch.equal(got[0], _logits(model)[0])
        else:
            with pytest.raises(ReaderManifestError, match="another base model"):
                reader_model.load(tmp_path / "r", variant)


def test_tampered_weights_are_refused(tiny_base: Path, tmp_path: Path) -> None:
    reader_model.save(_trained(tiny_base), tmp_path / "r", {}, dtype="fp32")
    weights = tmp_path / "r" / WEIGHTS
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF  # one byte of a tensor: the file still parses
    weights.write_bytes(bytes(data))
    with pytest.raises(ReaderManifestError, match="does not match its manifest"):
        reader_model.load(tmp_path / "r", tiny_base)


def test_folder_without_manifest_says_how_to_fix(tiny_base: Path, tmp_path: Path) -> None:
    reader_model.save(_trained(tiny_base), tmp_path / "r", {}, dtype="fp32")
    (tmp_path / "r" / MANIFEST).unlink()
    for folder in (tmp_path / "r", tmp_path / "missing"):
        with pytest.raises(ReaderManifestError) as err:
            reader_model.load(folder, tiny_base)
        assert "not a reader folder" in str(err.value)
        assert "hoidap train-reader --out DIR" in str(err.value)


def test_wrong_format_and_missing_weights_are_refused(tiny_base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "r"
    reader_model.save(_trained(tiny_base), folder, {}, dtype="fp32")
    man = json.loads((folder / MANIFEST).read_text("utf-8"))
    (folder / MANIFEST).write_text(json.dumps({**man, "format_version": 99}), "utf-8")
    with pytest.raises(ReaderManifestError, match="retrain"):
        reader_model.load(folder, tiny_base)
    (folder / MANIFEST).write_text(json.dumps(man), "utf-8")
    (folder / WEIGHTS).unlink()
    with pytest.raises(ReaderManifestError, match="copy the whole folder"):
        reader_model.load(folder, tiny_base)
    (folder / MANIFEST).write_text("{not json", "utf-8")
    with pytest.raises(ReaderManifestError, match="not a reader folder"):
        reader_model.read_manifest(folder)
