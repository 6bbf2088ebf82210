"""Question + passage -> windows, with the real (e5 / XLM-R) tokenizer: windows fit, offsets
point into the passage, consecutive windows overlap, no character is lost, and a training
window's label covers its answer."""

from __future__ import annotations

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from corpus.normalize import normalize_text
from qa.reading.features import MAX_QUESTION_TOKENS, NO_OFFSET, training_window, windows

# Syllables, numbers and punctuation as the Vietnamese press writes them, plus a few
# characters the tokenizer splits oddly (CJK, a symbol, an emoji).
_WORDS = (
    "Ông Ba đến Huế năm 2024 hoà bình Uỷ ban nhân dân thành phố Hà Nội đã đầu tư 1,3 tỷ USD "
    "vào kinh doanh GDP đạt 3.100 nhân dân tệ Quảng Châu có hơn 4 triệu thực thể lá cây đu "
    "nách ở được gán khoảng 8,5% (so với) “trích dẫn” — Viêng Chăn 日本 ☃ 😀 nghiêng"
).split()
_SEPS = [" "] * 12 + ["  ", "\n", "\n\n", ", ", ". ", "\t"]

_parts = st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPS))
_passage = st.lists(_parts, max_size=160).map(
    lambda p: normalize_text("".join(w + s for w, s in p))
)
# long enough for several windows at max_len <= 128
_long_passage = st.lists(_parts, min_size=40, max_size=160).map(
    lambda p: normalize_text("".join(w + s for w, s in p))
)
_question = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=12).map(" ".join)


def _head_len(tok, question: str) -> int:
    return len(tok(question, add_special_tokens=False)["input_ids"][:MAX_QUESTION_TOKENS]) + 3


def _context(w):
    return [i for i, o in enumerate(w.context_offsets) if o != NO_OFFSET]


@settings(max_examples=60)
@given(
    passages=st.lists(st.one_of(_long_passage, _passage), min_size=1, max_size=3),
    question=_question,
    max_len=st.integers(48, 128),
    stride=st.integers(1, 40),
)
def test_windows_fit_point_into_the_passage_overlap_and_cover_it(
    e5_tokenizer, passages, question, max_len, stride
):
    tok = e5_tokenizer
    head = _head_len(tok, question)
    assume(max_len >= head + 17)  # else a window keeps its 16-token minimum of context
    room = max_len - head - 1
    wins = windows(tok, question, passages, example=7, max_len=max_len, stride=stride)
    assert sorted({w.passage for w in wins}) == list(range(len(passages)))
    for w in wins:
        assert w.example == 7 and (w.start, w.end) == (0, 0)
        assert w.length <= max_len and len(w.context_offsets) == w.length
        assert w.input_ids[0] == tok.cls_token_id and w.input_ids[-1] == tok.sep_token_id
        assert w.input_ids[head - 2 : head] == (tok.sep_token_id, tok.sep_token_id)
        assert all(o == NO_OFFSET for o in w.context_offsets[:head])
        assert w.context_offsets[-1] == NO_OFFSET
        ctx = _context(w)
        assert ctx == list(range(head, w.length - 1))  # context tokens are contiguous
        text = passages[w.passage]
        for i in ctx:
            a, b = w.context_offsets[i]
            assert 0 <= a < b <= len(text), (a, b, text)
    event(f"windows per passage: {'several' if len(wins) > len(passages) else 'one'}")
    for pi, text in enumerate(passages):
        mine = [w for w in wins if w.passage == pi]
        full = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        n, step = len(full["input_ids"]), max(1, room - stride)
        assert len(mine) == (1 if n <= room else 1 + -(-(n - room) // step))
        # every token of the passage is in some window, so every character is read
        seen = [w.context_offsets[i] for w in mine for i in _context(w)]
        assert set(map(tuple, full["offset_mapping"])) <= set(seen)
        covered = set()
        for a, b in seen:
            covered.update(range(a, b))
        assert all(c.isspace() for i, c in enumerate(text) if i not in covered)
        # consecutive windows share their last/first tokens: a sentence cut by one window
        # is whole in the next
        overlap = min(stride, room - 1)
        for prev, nxt in zip(mine, mine[1:], strict=False):
            p = [prev.context_offsets[i] for i in _context(prev)]
            n = [nxt.context_offsets[i] for i in _context(nxt)]
            assert len(p) == room
            assert p[-overlap:] == n[:overlap]
            assert n[0][0] < p[-1][1]  # they overlap in characters too


@st.composite
def _answered(draw):
    parts = draw(st.lists(_parts, min_size=draw(st.sampled_from([1, 60])), max_size=140))
    i = draw(st.integers(0, len(parts) - 1))
    if draw(st.booleans()):  # as often near the end as near the start
        i = len(parts) - 1 - i
    j = draw(st.integers(i, min(len(parts) - 1, i + 3)))
    before = "".join(w + s for w, s in parts[:i])
    answer = "".join(w + s for w, s in parts[i:j]) + parts[j][0]
    after = parts[j][1] + "".join(w + s for w, s in parts[j + 1 :])
    # trim inside the answer a word-aligned prefix/suffix cut (a sub-word answer)
    cut_l = draw(st.integers(0, min(2, len(parts[i][0]) - 1)))
    cut_r = draw(st.integers(0, min(2, len(answer) - cut_l - 1)))
    return before + answer + after, len(before) + cut_l, len(before) + len(answer) - cut_r


@settings(max_examples=80)
@given(
    case=_answered(), question=_question, max_len=st.integers(48, 128), stride=st.integers(8, 40)
)
def test_training_window_label_covers_the_answer(e5_tokenizer, case, question, max_len, stride):
    tok = e5_tokenizer
    context, start, end = case
    assume(context[start:end].strip() == context[start:end])
    head = _head_len(tok, question)
    assume(max_len >= head + 17)
    room = max_len - head - 1
    w = training_window(tok, question, context, (start, end), max_len=max_len, stride=stride)
    full = tok(context, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    n_answer = sum(1 for a, b in full if a < end and b > start and b > a)
    if w is None:
        assert n_answer > min(stride + 1, room), (n_answer, stride, room)
        return
    assert w.length <= max_len
    first = windows(tok, question, [context], max_len=max_len, stride=stride)[0]
    same = (first.input_ids, first.context_offsets) == (w.input_ids, w.context_offsets)
    event("label in the first window" if same else "label in a later window")
    offs = w.context_offsets
    ctx = _context(w)
    assert ctx[0] <= w.start <= w.end <= ctx[-1]
    a, b = offs[w.start][0], offs[w.end][1]
    assert a <= start < offs[w.start][1]  # the start token holds the answer's first char
    assert offs[w.end][0] < end <= b  # the end token holds its last char
    cut = context[a:b].strip()
    answer = context[start:end]
    assert answer in cut
    # A lone "▁" token can claim the next character in its offsets ("đu" -> "▁" (0, 1),
    # "đu" (0, 2)): it marks no boundary.
    enc = tok(context, add_special_tokens=False, return_offsets_mapping=True)
    real = [
        o
        for i, o in zip(enc["input_ids"], full, strict=True)
        if tok.convert_ids_to_tokens(i) != "▁"
    ]
    starts = {x for x, _ in real} | {x + 1 for x, _ in real if context[x : x + 1].isspace()}
    if start in starts and end in {y for _, y in real}:
        assert cut == answer  # on token boundaries the label is the answer exactly


def test_training_window_first_window_holding_the_answer(e5_tokenizer) -> None:
    tok = e5_tokenizer
    words = [f"câu{i} số {i}." for i in range(60)]
    context = " ".join(words)
    start = context.index("câu50")
    end = start + len("câu50 số 50")
    w = training_window(tok, "Câu nào?", context, (start, end), max_len=64, stride=16)
    wins = windows(tok, "Câu nào?", [context], max_len=64, stride=16)
    first = next(
        i
        for i, x in enumerate(wins)
        if any(a <= start for a, _ in x.context_offsets if a >= 0)
        and any(b >= end for _, b in x.context_offsets)
    )
    assert w.input_ids == wins[first].input_ids and first > 0
    assert (
        context[w.context_offsets[w.start][0] : w.context_offsets[w.end][1]].strip()
        == "câu50 số 50"
    )
    # an answer longer than any window: no training window
    assert (
        training_window(tok, "Câu nào?", context, (0, len(context)), max_len=64, stride=16) is None
    )


@given(context=st.one_of(_long_passage, _passage), question=_question)
def test_no_answer_labels_the_first_window_at_s(e5_tokenizer, context, question) -> None:
    w = training_window(e5_tokenizer, question, context, None, max_len=64, stride=16)
    first = windows(e5_tokenizer, question, [context], max_len=64, stride=16)[0]
    assert (w.start, w.end) == (0, 0)
    assert w.input_ids == first.input_ids and w.context_offsets == first.context_offsets


def test_long_question_is_cut_and_empty_passage_still_gives_a_window(e5_tokenizer) -> None:
    tok = e5_tokenizer
    question = " ".join(["Ông Ba đến Huế năm nào"] * 40)
    (w,) = windows(tok, question, [""], max_len=256)
    assert w.length == MAX_QUESTION_TOKENS + 4  # <s> q </s></s> </s>, no context
    assert _context(w) == []
