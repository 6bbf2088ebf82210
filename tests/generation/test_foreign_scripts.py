"""No Chinese, Japanese or Korean in an answer unless the prompt has it
(qa.generation.foreign_scripts)."""

import torch
from fakes import STOP, VOCAB, Cache, FakeLM, plain_greedy
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.generation.decode import greedy_stream
from qa.generation.foreign_scripts import _byte_alphabet, foreign, foreign_bytes, foreign_token_ids


class ByteTokenizer:
    """A byte-level vocabulary (GPT-2/Qwen style) over the given texts' UTF-8 bytes."""

    def __init__(self, pieces: list[bytes]):
        shown = {b: c for c, b in _byte_alphabet().items()}
        self.pieces = ["".join(shown[b] for b in p) for p in pieces]

    def __len__(self):
        return len(self.pieces)

    def convert_ids_to_tokens(self, ids):
        return [self.pieces[i] for i in ids]


def test_foreign_tokens_are_found_by_their_bytes_even_as_fragments():
    pieces = [
        "Hà".encode(),
        "年".encode(),
        "年".encode()[:1],
        "ạ".encode()[1:],
        b" 2018",
        "한".encode(),
        "–".encode(),
        "“".encode(),
        "，".encode(),
        "ộ".encode(),
    ]
    assert foreign_token_ids(ByteTokenizer(pieces)) == [1, 2, 5, 8]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_a_text_s_bytes_are_foreign_exactly_when_the_text_is(text):
    assert foreign_bytes(text.encode()) == foreign(text)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, VOCAB - 2), min_size=1, max_size=20),
    st.integers(0, 8),
    st.sets(st.integers(0, VOCAB - 1), max_size=6),
)
def test_suppressed_tokens_are_never_chosen_and_the_rest_is_greedy(prompt, lookup, banned):
    banned.discard(STOP)
    mask = torch.zeros(VOCAB, dtype=torch.bool)
    mask[sorted(banned)] = True
    steps = list(
        greedy_stream(FakeLM(), torch.tensor([prompt]), Cache(), 12, {STOP}, lookup, suppress=mask)
    )
    tokens = [s.token for s in steps]
    assert not set(tokens) & banned
    expected = plain_greedy(prompt, 12)
    if not set(expected) & banned:  # greedy never wanted them: nothing changes
        assert tokens == expected


def test_the_generator_bans_those_scripts_unless_the_prompt_holds_them():
    from types import SimpleNamespace

    from qa.generation.generator import TransformersGenerator
    from qa.records.answer import Turn

    tok = ByteTokenizer(["Hà".encode(), "年".encode()])
    model = SimpleNamespace(config=SimpleNamespace(vocab_size=4))
    g = TransformersGenerator("x")
    mask = g._suppress(model, tok, [Turn(role="user", content="Khi nào?")])
    assert mask.tolist() == [False, True, False, False]
    assert (
        g._suppress(model, tok, [Turn(role="user", content="Cơ mật viện (樞密院) là gì?")]) is None
    )
    off = TransformersGenerator("x", ban_foreign=False)
    assert off._suppress(model, tok, [Turn(role="user", content="Khi nào?")]) is None
