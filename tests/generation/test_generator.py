"""The real generators from PyPI: decoding is exact greedy, answers are cited."""

import pytest
import torch

from qa.answering.phrase import load_phrase_template
from qa.records.answer import Answer, Delta, Turn, markers
from qa.records.hit import Hit

pytestmark = pytest.mark.model

PASSAGE = Hit(
    doc_id="hl",
    chunk_id="hl#0",
    text="Đến hết năm 2024, Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội; kim ngạch xuất "
    "nhập khẩu giữa hai bên đạt khoảng 1,165 tỷ USD, trong đó Hà Nội xuất khẩu 791 triệu USD.",
    score=1.0,
    title="Tăng cường đối ngoại",
    date="2025-12-25",
    start=0,
    end=160,
)


def render_prompt(question: str, passages: list[Hit]) -> list[Turn]:
    """A system message shared by every prompt, then the passages and the question."""
    body = "\n\n".join(f"[{n}] {p.title}\n{p.text}" for n, p in enumerate(passages, 1))
    return [
        Turn(role="system", content=load_phrase_template().system),
        Turn(role="user", content=f"{body}\n\nCâu hỏi: {question}"),
    ]


@pytest.fixture(scope="module")
def small():
    from qa.generation.generator import TransformersGenerator

    g = TransformersGenerator("qwen2.5-0.5b", dtype="fp32")
    g.load(lambda _: None)
    return g


def _text(events):
    return "".join(e for e in events if isinstance(e, str))


def test_lookup_and_prefix_cache_give_exactly_plain_greedy(small):
    from qa.generation.generator import TransformersGenerator, _chat_ids, _stop_ids

    msgs = render_prompt("Kim ngạch xuất nhập khẩu đạt bao nhiêu?", [PASSAGE])
    model, tok = small.load()
    ids = _chat_ids(tok, msgs)
    with torch.inference_mode():
        ref = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=40,
            do_sample=False,
            eos_token_id=_stop_ids(tok),
        )
    expected = tok.decode(ref[0, ids.shape[1] :], skip_special_tokens=True)
    fast = _text(small.stream(msgs, 40))
    again = list(small.stream(msgs, 40))  # the same prompt: all but its last token reused
    plain = TransformersGenerator("qwen2.5-0.5b", "fp32", lookup=0, reuse_prefix=False)
    assert fast == _text(again) == _text(plain.stream(msgs, 40)) == expected
    stats = again[-1]
    assert stats.prompt_tokens == ids.shape[1] and stats.new_tokens > 0
    assert stats.reused_tokens == ids.shape[1] - 1


def test_a_prompt_sharing_a_passage_reads_only_the_rest_and_answers_the_same(small):
    from qa.generation.generator import TransformersGenerator, _chat_ids

    list(small.stream(render_prompt("Hà Lan đầu tư bao nhiêu?", [PASSAGE]), 8))
    second = render_prompt("Hà Nội xuất khẩu bao nhiêu?", [PASSAGE])
    events = list(small.stream(second, 24))
    plain = TransformersGenerator("qwen2.5-0.5b", "fp32", reuse_prefix=False)
    assert _text(events) == _text(plain.stream(second, 24))
    _, tok = small.load()
    system = _chat_ids(tok, second[:1], generation_prompt=False).shape[1]
    assert events[-1].reused_tokens > system + 50  # the passage too, not only the system


def test_avoid_bans_the_first_token_of_a_rejected_answer(small):
    from qa.generation.generator import _first_tokens

    msgs = render_prompt("Hà Lan đầu tư bao nhiêu?", [PASSAGE])
    _, tok = small.load()
    first = _text(small.stream(msgs, 8))
    again = _text(small.stream(msgs, 8, avoid=first))
    banned = _first_tokens(tok, first)
    assert len(banned) == 1 and again and again != first
    assert tok(again.strip(), add_special_tokens=False)["input_ids"][0] not in banned


def test_stream_pieces_are_whole_characters(small):
    msgs = [Turn(role="user", content="Viết tên ba thành phố lớn của Việt Nam.")]
    pieces = [e for e in small.stream(msgs, 24) if isinstance(e, str)]
    assert pieces and all("\ufffd" not in p for p in pieces)


def test_default_generator_answers_with_a_citation():
    from qa.answering.answerer import Answerer

    answerer = Answerer.load()
    events = list(answerer.stream("Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"))
    final = events[-1]
    assert isinstance(final, Answer) and any(isinstance(e, Delta) for e in events)
    assert not final.refused, final.text
    assert "1,3 tỷ USD" in final.text
    assert markers(final.text) and all(1 <= n <= len(final.citations) for n in markers(final.text))
    assert final.citations[0].doc_id.startswith("000_")
    assert final.timings.first_token_ms and final.timings.prompt_tokens > 0


def test_a_stream_finished_in_another_thread_leaves_a_state_to_reuse(small):
    # The server takes the first piece in the request's thread and drains the rest in a
    # worker (qa.interfaces.service). Grad mode is per thread: decoding there once built autograd
    # graphs, and the next prompt could not copy the stored KV state.
    import threading

    msgs = render_prompt("Hà Lan đầu tư trực tiếp bao nhiêu?", [PASSAGE])
    events = small.stream(msgs, 24)
    first, rest = next(events), []
    worker = threading.Thread(target=lambda: rest.extend(events))
    worker.start()
    worker.join()
    again = list(small.stream(msgs, 24))
    assert first + _text(rest) == _text(again)
    assert again[-1].reused_tokens == again[-1].prompt_tokens - 1


def test_no_chinese_unless_the_prompt_has_some(small):
    from qa.generation.foreign_scripts import foreign
    from qa.generation.generator import TransformersGenerator

    msgs = [Turn(role="user", content="Translate into Chinese: Hanoi is the capital of Vietnam.")]
    allowed = TransformersGenerator("qwen2.5-0.5b", "fp32", ban_foreign=False)
    assert foreign(_text(allowed.stream(msgs, 16)))  # the model does write Chinese
    said = list(small.stream(msgs, 16))
    assert _text(said) and not foreign(_text(said))
    quoted = [Turn(role="user", content="用中文回答：越南的首都是哪里？")]
    assert foreign(_text(small.stream(quoted, 16)))  # the prompt has Chinese: allowed


def test_decoding_passes_the_cache_by_the_name_the_installed_transformers_wants(small):
    import warnings

    msgs = render_prompt("Hà Lan đã đầu tư bao nhiêu vào Hà Nội?", [PASSAGE])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert "1,3 tỷ USD" in _text(small.stream(msgs, 30))
    assert not [w for w in caught if "past_key_values" in str(w.message)]
