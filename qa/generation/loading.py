"""Loading a generator into memory: which dtype it runs in, and its model and tokenizer."""

from __future__ import annotations

GENERATOR_DTYPES = ("auto", "int8", "bf16", "fp32")


def resolve_generator_dtype(dtype: str = "auto") -> str:
    """``int8``, ``bf16`` or ``fp32``; ``auto`` defers to ``HOIDAP_GENERATOR_DTYPE``, then
    is ``int8`` (qa.generation.quantize): on the bundled set, 2 cores, it answered in
    4.1 s instead of 9.5 s (fp32) for F1 63.6 instead of 65.5. On a CPU with AVX512-BF16
    int8 still wins: first token 2.17 s against 3.26 s in bf16, whole answer 3.19 s against 5.23 s.

    >>> resolve_generator_dtype("fp32")
    'fp32'
    """
    import os

    from embeddings.modelspec import resolve_dtype

    choice = dtype.strip().lower()
    if choice == "auto":
        choice = os.environ.get("HOIDAP_GENERATOR_DTYPE", "auto").strip().lower()
    if choice not in GENERATOR_DTYPES:
        from qa.generation.weights import GeneratorError

        raise GeneratorError(
            f"generator dtype must be one of {', '.join(GENERATOR_DTYPES)}, not {choice!r} "
            "(check --dtype and HOIDAP_GENERATOR_DTYPE)"
        )
    if choice in ("auto", "int8"):
        return "int8"
    return resolve_dtype(choice)


def load_model(folder, dtype: str):
    """The (model, tokenizer) pair in ``folder``, in ``dtype`` (int8 quantized after loading)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    # int8 starts from bf16 weights: half the memory of float32 while layers are swapped.
    torch_dtype = torch.float32 if dtype == "fp32" else torch.bfloat16
    tok = AutoTokenizer.from_pretrained(folder)
    logging.disable_progress_bar()  # a bar per load is noise in a chat or a CLI answer
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype)
    finally:
        logging.enable_progress_bar()
    if dtype == "int8":
        from qa.generation.quantize import quantize_int8

        quantize_int8(model)
    model.eval()
    from qa.generation.heap import keep_freed_memory

    keep_freed_memory()  # after loading: its large temporaries should go back to the kernel
    return model, tok
