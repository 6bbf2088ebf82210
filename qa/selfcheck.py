"""The model's self-check: asked, right after its answer, whether the passages state it.

The question is a next user turn read over the answer's own KV cache (a few dozen
tokens), and the model's probability of "yes" against "no" is the check
(``GenerationStats.check_yes``; ``RefusalPolicy.min_check`` thresholds it, off by default:
fitted, it added nothing at 10 % false refusals).
"""

from __future__ import annotations


def check_yes(model, tok, cache, length: int, question: str) -> float:
    """P(yes) / P(yes or no) for ``question`` asked right after the answer in ``cache``."""
    import torch

    extra = cache.get_seq_length() - length
    if extra > 0:  # a guess checked past the token limit
        cache.crop(-extra)
    turn = f"<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"
    feed = tok(turn, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        out = model(input_ids=feed, past_key_values=cache, use_cache=True, logits_to_keep=1)
        logits = out.logits[0, -1]
    probs = logits.float().softmax(-1)
    yes = sum(float(probs[tok(w, add_special_tokens=False)["input_ids"][0]]) for w in _YES)
    no = sum(float(probs[tok(w, add_special_tokens=False)["input_ids"][0]]) for w in _NO)
    return yes / (yes + no) if yes + no > 0 else 0.5


_YES = ("Có", "có", "Yes")
_NO = ("Không", "không", "No")
