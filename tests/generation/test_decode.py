"""Prompt-lookup decoding gives exactly greedy output, on a fake language model."""

import torch
from fakes import STOP, VOCAB, Cache, FakeLM, plain_greedy
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.generation.decode import accept, greedy_stream, propose


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, VOCAB - 2), min_size=1, max_size=30),
    st.integers(1, 25),
    st.integers(0, 8),
    st.integers(0, 5),
)
def test_lookup_decoding_equals_plain_greedy(prompt, n, lookup, cached):
    cache = Cache()
    ids = torch.tensor([prompt])
    cached = min(cached, len(prompt) - 1)
    if cached:
        FakeLM()(ids[:, :cached], cache)  # a pre-filled prefix, like the system prompt
    steps = list(greedy_stream(FakeLM(), ids, cache, n, {STOP}, lookup))
    assert [s.token for s in steps] == plain_greedy(prompt, n)
    assert all(s.logprob <= 0 for s in steps)
    assert cache.get_seq_length() <= len(prompt) + len(steps) + 1


def test_lookup_saves_forward_passes_on_repetitive_text():
    prompt = [1, 2, 3] + plain_greedy([1, 2, 3], 30)  # the fake's output cycles
    slow, fast = FakeLM(), FakeLM()
    a = list(greedy_stream(slow, torch.tensor([prompt]), Cache(), 20, {STOP}, 0))
    b = list(greedy_stream(fast, torch.tensor([prompt]), Cache(), 20, {STOP}, 10))
    assert a == b and len(a) == 20
    assert fast.calls < slow.calls / 3


def test_propose_and_accept():
    assert propose([4, 5, 6, 4, 5], 2) == [6, 4]
    assert accept([1, 2], [1, 9, 0]) == [1, 9]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, VOCAB - 2), min_size=1, max_size=20), st.integers(0, 8))
def test_a_banned_first_token_is_replaced_then_decoding_goes_on_greedily(prompt, lookup):
    first = plain_greedy(prompt, 1)
    banned = frozenset(first) | {0, STOP}  # so that there is a first token
    steps = list(
        greedy_stream(
            FakeLM(), torch.tensor([prompt]), Cache(), 12, {STOP}, lookup, banned_first=banned
        )
    )
    tokens = [s.token for s in steps]
    assert tokens[0] not in banned
    assert tokens[1:] == plain_greedy(prompt + tokens[:1], 11)  # only the first step changes


def test_the_cache_goes_by_the_name_the_model_takes() -> None:
    from qa.generation.decode import cache_of, with_cache

    class New:  # transformers >= 5.25
        def forward(self, input_ids, cache=None, use_cache=True):
            return {"cache": cache, "seen": input_ids}

        __call__ = forward

    class Old:  # earlier releases
        def __call__(self, input_ids, past_key_values=None, use_cache=True):
            return {"past_key_values": past_key_values, "seen": input_ids}

    for model in (New(), Old()):
        out = with_cache(model, "kv", input_ids=[1])
        assert cache_of(out) == "kv" and out["seen"] == [1]
