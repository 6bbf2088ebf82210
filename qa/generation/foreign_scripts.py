"""Tokens in scripts no answer here is written in: Chinese, Japanese, Korean.

Qwen models drift into Chinese now and then: asked in Vietnamese when a partnership
began, the 1.5B model wrote "2018年" over a passage that says "năm 1886". Answers are in
Vietnamese or English and quote the passages, so while the prompt holds no such
characters the generator may not pick these tokens at all (``qa.generation.decode``), and greedy
decoding takes the best token in the answer's own script instead.

Byte-level vocabularies (Qwen, GPT-2 style) also hold tokens that are a CJK character's
first byte or two; those are found by their bytes, since decoded alone they are only
"\\ufffd". Other vocabularies are judged by each token's decoded text.

>>> foreign("Năm 1886 [1]."), foreign("2018年"), foreign("Hàn Quốc – 한국")
(False, True, True)
"""

from __future__ import annotations

import re

# CJK punctuation, kana, ideographs (U+3000–U+9FFF), Hangul syllables, fullwidth forms.
_RANGES = ((0x3000, 0x9FFF), (0xAC00, 0xD7AF), (0xFF00, 0xFFEF))
_FOREIGN = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _RANGES) + "]")
_MASKS: dict[int, object] = {}  # id(tokenizer) -> bool tensor, True where banned


def foreign(text: str) -> bool:
    """Whether ``text`` holds a Chinese, Japanese or Korean character."""
    return bool(_FOREIGN.search(text))


def _byte_alphabet() -> dict[str, int]:
    """The printable stand-in character of each byte in byte-level BPE vocabularies."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    kept += range(ord("®"), ord("ÿ") + 1)
    shown = {b: b for b in kept}
    extra = (b for b in range(256) if b not in shown)
    shown.update({b: 256 + i for i, b in enumerate(extra)})
    return {chr(c): b for b, c in shown.items()}


def foreign_bytes(data: bytes) -> bool:
    """Whether UTF-8 ``data`` (maybe a fragment) holds or starts a character of those scripts.

    >>> foreign_bytes("年".encode()[:1]), foreign_bytes("ạ".encode()), foreign_bytes(b"\\xbb")
    (True, False, False)
    """
    for i, lead in enumerate(data):
        if lead < 0xC0:  # ASCII or a continuation byte: no character starts here
            continue
        size = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        point = lead & (0x7F >> size)
        tail = data[i + 1 : i + size]
        for byte in tail:
            point = point << 6 | byte & 0x3F
        missing = 6 * (size - 1 - len(tail))  # bits the fragment leaves open
        low, high = point << missing, (point << missing) | ((1 << missing) - 1)
        if any(low <= b and a <= high for a, b in _RANGES):
            return True
    return False


def foreign_token_ids(tok) -> list[int]:
    """Ids of the tokenizer's tokens that write (or start) a character of those scripts."""
    ids = list(range(len(tok)))
    pieces = tok.convert_ids_to_tokens(ids)
    alphabet = _byte_alphabet()
    if all(ch in alphabet for piece in pieces[:1000] if piece for ch in piece):
        return [
            i
            for i, piece in zip(ids, pieces, strict=True)
            if piece
            and all(ch in alphabet for ch in piece)
            and foreign_bytes(bytes(alphabet[ch] for ch in piece))
        ]
    texts = tok.batch_decode([[i] for i in ids])
    return [i for i, text in zip(ids, texts, strict=True) if foreign(text)]


def foreign_mask(tok, size: int):
    """A bool tensor over ``size`` logits, True for those tokens; built once per tokenizer."""
    import torch

    mask = _MASKS.get(id(tok))
    if mask is None or mask.shape[0] != size:
        mask = torch.zeros(size, dtype=torch.bool)
        mask[[i for i in foreign_token_ids(tok) if i < size]] = True
        _MASKS[id(tok)] = mask
    return mask
