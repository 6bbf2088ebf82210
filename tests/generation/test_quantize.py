"""int8 linear layers: every one swapped, outputs close to float32, mapped pages given back."""

import pytest
import torch

from qa.generation import quantize
from qa.generation.loading import resolve_generator_dtype
from qa.generation.quantize import Int8Linear, quantize_int8
from qa.generation.weights import GeneratorError


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(50, 32)
        self.block = torch.nn.ModuleDict(
            {"up": torch.nn.Linear(32, 64), "down": torch.nn.Linear(64, 32, bias=False)}
        )
        self.norm = torch.nn.LayerNorm(32)
        self.head = torch.nn.Linear(32, 50, bias=False)

    def forward(self, ids):
        x = self.embed(ids)
        x = x + self.block["down"](torch.relu(self.block["up"](x)))
        return self.head(self.norm(x))


@pytest.mark.parametrize("start", [torch.float32, torch.bfloat16])
def test_int8_swaps_every_linear_and_stays_close(start):
    torch.manual_seed(0)
    model = Tiny().eval()
    ids = torch.randint(0, 50, (1, 9))
    with torch.inference_mode():
        want = model(ids)
    model.to(start)
    assert quantize_int8(model) == 3
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())
    assert all(p.dtype == torch.float32 for p in model.parameters())  # embed and norm
    with torch.inference_mode():
        got = model(ids)
    assert got.dtype == torch.float32 and got.shape == want.shape
    # int8 weights and activations: close, and the same top token almost everywhere.
    assert torch.nn.functional.cosine_similarity(got.flatten(), want.flatten(), dim=0) > 0.999
    assert (got.argmax(-1) == want.argmax(-1)).float().mean() >= 0.9


def test_generator_dtype_choices(monkeypatch):
    monkeypatch.setenv("HOIDAP_GENERATOR_DTYPE", "int8")
    assert resolve_generator_dtype("auto") == "int8"
    assert resolve_generator_dtype("fp32") == "fp32"
    monkeypatch.setenv("HOIDAP_GENERATOR_DTYPE", "fp16")
    with pytest.raises(GeneratorError, match="auto, int8, bf16, fp32.*HOIDAP_GENERATOR_DTYPE"):
        resolve_generator_dtype("auto")


def test_kept_layers_stay_float():
    model = Tiny()
    assert quantize_int8(model, keep=("down", "head")) == 1
    assert type(model.block["down"]) is torch.nn.Linear and type(model.head) is torch.nn.Linear
    assert type(model.block["up"]) is not torch.nn.Linear


def test_one_outlier_does_not_erase_the_other_rows():
    # One huge activation in one row: per-row scales keep every other row exact enough.
    torch.manual_seed(1)
    layer = torch.nn.Linear(64, 16)
    x = torch.randn(8, 64)
    x[0, 3] = 1400.0
    got, want = Int8Linear.from_linear(layer)(x), layer(x)
    assert torch.allclose(got[1:], want[1:], atol=0.05, rtol=0.02)
    # The outlier's own row is dominated by it, and stays close in direction.
    assert torch.nn.functional.cosine_similarity(got[0], want[0], dim=0) > 0.99


def test_auto_is_int8_without_an_override(monkeypatch):
    monkeypatch.delenv("HOIDAP_GENERATOR_DTYPE", raising=False)
    assert resolve_generator_dtype() == "int8"


def test_file_mapped_weights_convert_the_same_and_stay_readable(tmp_path, monkeypatch):
    # Weights memory-mapped from a file (as transformers loads safetensors) have their pages
    # given back after conversion; anything still reading them (a tied embedding) reads the
    # file again, unchanged.
    torch.manual_seed(2)
    values = torch.randn(512, 1024)
    path = tmp_path / "w.bin"
    values.numpy().tofile(path)
    mapped = torch.from_file(str(path), shared=False, size=values.numel()).view(512, 1024)
    model = torch.nn.Sequential(torch.nn.Linear(1024, 512, bias=False))
    model[0].weight = torch.nn.Parameter(mapped, requires_grad=False)
    twin = torch.nn.Linear(1024, 512, bias=False)
    twin.weight = torch.nn.Parameter(values.clone(), requires_grad=False)
    x = torch.randn(3, 1024)
    want = Int8Linear.from_linear(twin)(x)
    libc, calls = quantize._libc(), []

    class Spy:
        def madvise(self, *args):
            calls.append(args)
            return libc.madvise(*args)

    monkeypatch.setattr(quantize, "_libc", Spy)
    assert quantize_int8(model) == 1
    assert len(calls) == 1  # the mapped weight's pages were given back
    assert torch.equal(model[0](x), want)
    assert torch.equal(mapped, values)


def test_a_shared_input_is_quantized_once_and_an_edited_one_again():
    torch.manual_seed(3)
    a, b = (Int8Linear.from_linear(torch.nn.Linear(16, 8)) for _ in range(2))
    x = torch.randn(4, 16)
    first = quantize._quantized_rows(x, 16)
    assert quantize._quantized_rows(x, 16)[0] is first[0]  # reused: same object
    x.mul_(2)  # edited in place: quantized afresh
    assert torch.allclose(
        b(x), torch.nn.functional.linear(x, b.qweight.float() * b.scale[:, None], b.bias), atol=0.1
    )
    assert quantize._quantized_rows(x, 16)[0] is not first[0]
    assert torch.equal(a(x.clone()), a(x))
