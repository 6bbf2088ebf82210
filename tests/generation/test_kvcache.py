"""Reusing the KV state of earlier prompts: the same greedy output, fewer tokens read."""

import torch
from fakes import STOP, Cache, FakeLM, plain_greedy
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.generation.decode import greedy_stream
from qa.generation.kvcache import PromptCache, shared_prefix

TOKENS = st.lists(st.integers(0, 10), max_size=12)


@settings(max_examples=60, deadline=None)
@given(TOKENS, st.lists(TOKENS, min_size=1, max_size=6), st.integers(1, 3), st.integers(1, 12))
def test_prompts_read_after_others_decode_exactly_and_skip_what_they_share(system, tails, slots, n):
    store, held = PromptCache(slots), []
    store.pin("system", system, _read(system))
    for tail in tails:
        prompt = [*system, *tail, 3]  # never empty
        reused, cache = store.take(prompt)
        best = max((shared_prefix(p, prompt) for p in [system, *held[-slots:]]), default=0)
        assert reused == min(best, len(prompt) - 1)
        cache = cache or Cache()
        assert cache.tokens == prompt[:reused]  # the state of exactly the shared tokens
        lm = FakeLM()
        steps = list(greedy_stream(lm, torch.tensor([prompt]), cache, n, {STOP}, lookup=3))
        assert [s.token for s in steps] == plain_greedy(prompt, n)
        assert lm.fed[0] == len(prompt) - reused  # the prompt's unshared tokens, once
        store.put(prompt, cache)
        held = [p for p in held if p != prompt] + [prompt]


def test_a_taken_state_is_a_private_copy():
    store = PromptCache()
    store.put([1, 2, 3, 4], _read([1, 2, 3, 4]))
    _, mine = store.take([1, 2, 3, 9])
    mine.tokens.append(99)
    again, other = store.take([1, 2, 3, 4, 5])
    assert (again, other.tokens) == (4, [1, 2, 3, 4])


def test_put_keeps_the_prompt_only_and_the_latest_slots():
    store = PromptCache(slots=2)
    answered = _read([1, 2, 3, 7, 7, 7])  # prompt 1 2 3, then the answer's tokens
    store.put([1, 2, 3], answered)
    assert answered.tokens == [1, 2, 3]
    store.put([5, 6], _read([5, 6]))
    store.put([8, 9], _read([8, 9]))
    assert store.take([1, 2, 3, 4]) == (0, None)  # the oldest went
    assert store.take([5, 6, 0])[0] == 2


def test_nothing_kept_without_slots_but_pinned_states_stay():
    store = PromptCache(slots=0)
    store.pin("s", [1, 2], _read([1, 2]))
    store.put([1, 2, 3, 4], _read([1, 2, 3, 4]))
    assert store.take([1, 2, 3, 4, 5])[0] == 2


def _read(tokens):
    cache = Cache()
    cache.tokens.extend(tokens)
    return cache
