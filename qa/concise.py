"""Keep the answer, drop the question: cut a lead that restates what was asked.

A small generator often answers "Ai là Đại sứ Hà Lan tại Việt Nam?" with "Đại sứ Hà Lan
tại Việt Nam là Kees van Baar". The user asked for the new part only, so a lead made only
of the question's words and ending in ``là`` is cut:

>>> trim_restatement("Ai là Đại sứ Hà Lan tại Việt Nam?",
...                  "Đại sứ Hà Lan tại Việt Nam là Kees van Baar [1].")
'Kees van Baar [1].'

The same holds for a lead that restates the question up to the word before its question
word: the answer fills that slot ("… có xu hướng như thế nào?" → "… có xu hướng tăng trở
lại" keeps "Tăng trở lại"; "Tại sao X?" → "X vì Y" keeps "Vì Y"). That lead must be
``MIN_SLOT_LEAD`` syllables or more, since a short one is often the head of the answer's
own noun phrase ("Dòng lục lạp nào …?" → "Dòng lục lạp xanh lục").

A tail of question words alone is not cut: it looks the same as the end of a right answer
("dòng lục lạp xanh lục" when "lục" was asked about), and cutting it lost more than it
gained on both test sets. It is cut only as part of the question's whole frame: the
question's words before its question word, the answer's own words, then all of the
question's words after it (``MIN_TAIL`` syllables or more). An answer with no word of its
own is left as it is; ``qa.echoes`` tells the answerer to ask again.
"""

from __future__ import annotations

import re

from corpus.normalize import fold_text, has_diacritics
from corpus.sentences import sentence_spans
from embeddings.lexical import syllables
from qa.answer import MARKER
from qa.language import ENGLISH, query_language
from qa.yesno import asks_yes_no

_WORD = re.compile(r"\w+(?:[.,]\d+)*")
MIN_LEAD = 2  # syllables; one ("Lan là ...") is too little to be a restatement
MIN_SLOT_LEAD = 4  # syllables, for a lead that ends where the question word stood
MIN_TAIL = 3  # syllables of the question after its question word, repeated at the end
_HEADED = (["nào"], ["nao"], ["which"])  # "X nào?": X heads the answer's noun phrase
# Question words, longest first where one holds another. Folded, "may" (máy), "dau" (đầu)
# and "sao" alone are other words, so only their longer phrases count.
# "thứ mấy" is asked whole: its answer is "thứ ba", not "ba".
# "những gì" is asked whole: "… hướng tới Đại hội với những gì?" is answered "… với nhiều
# định hướng mới", whose lead ends at "với".
_ASKING = ("như thế nào", "thế nào", "bao nhiêu", "bao giờ", "bao lâu", "khi nào", "tại sao",
           "vì sao", "làm gì", "ở đâu", "thứ mấy", "những gì", "những ai", "nào", "gì", "ai",
           "đâu", "mấy")  # fmt: skip
_ASKING_FOLDED = tuple(fold_text(w) for w in _ASKING if fold_text(w) not in {"may", "dau"})
# Words between a question's frame and its question word that an answer drops: "… thiếu
# điều gì?" is answered "… thiếu xúc tu", "… liên quan đến là gì?" "… liên quan đến sự …".
_FILLERS = {"điều", "cái", "là", "dieu", "cai", "la"}
_ASKING_ENGLISH = ("how many", "how much", "how long", "which", "what", "whose", "whom", "who",
                   "where", "when", "why")  # fmt: skip


def slot_word(question: str, folded: bool) -> str | None:
    """The syllable right before the question word: where a restated answer's lead ends.
    A question that opens with its question word ends its lead with its own last word.

    >>> slot_word("Đầu tư đang có xu hướng như thế nào?", False)
    'hướng'
    >>> slot_word("Tại sao Harvard kết thúc chương trình?", False)
    'trình'

    In English the last question word counts: the first may open a relative clause
    ("Guangzhou, whose mayor …, is a city in which country?").

    >>> slot_word("Guangzhou, whose mayor met him, is a city in which country?", True)
    'in'
    """
    q = syllables(question, folded)
    at = _asked_at(question, q, folded)
    if at is None:
        return None
    i, end = at
    return q[i - 1] if i > 0 else (None if end == len(q) else q[-1])


def _asked_at(question: str, q: list[str], folded: bool) -> tuple[int, int] | None:
    """Where the question word stands among the question's syllables ``q``."""
    english = query_language(question) == ENGLISH
    words = _ASKING_ENGLISH if english else _ASKING_FOLDED if folded else _ASKING
    asking = [w.split() for w in words]
    for i in reversed(range(len(q))) if english else range(len(q)):
        for w in asking:
            if q[i : i + len(w)] == w:
                return i, i + len(w)
    return None


def _trim_frame(q: list[str], at: tuple[int, int] | None, body: str, folded: bool) -> str:
    """The words that fill the question word's place when ``body`` repeats the question
    around them: question words before, and the question's own words after the question
    word, ``MIN_TAIL`` syllables or more, to the end ("Bức tường của ai có mảnh vỡ …?" →
    "Bức tường Hadrian có mảnh vỡ …" gives "Hadrian"). Before "nào" (which) stands the
    head of the answer's own noun phrase, so the lead stays: "Dòng lục lạp nào có ở …?" →
    "Dòng lục lạp xanh lục có ở …" gives "Dòng lục lạp xanh lục". ``q`` is the question's
    syllables, ``at`` where its question word stands (``_asked_at``)."""
    words = list(_WORD.finditer(body))
    keys = [" ".join(syllables(m.group(0), folded)) for m in words]
    tail = len(q) - at[1] if at else 0
    if tail < MIN_TAIL or len(keys) <= tail or keys[-tail:] != q[at[1] :]:
        return body
    lead = 0
    while lead < len(keys) - tail and keys[lead] in q[: at[0]]:
        lead += 1
    own = keys[lead : len(keys) - tail]
    if not lead or not own or all(k in q for k in own):
        return body
    start = 0 if q[at[0] : at[1]] in _HEADED else lead
    filler = words[start : lead + len(own)]
    kept = body[filler[0].start() : filler[-1].end()] + body[words[-1].end() :]  # its "."
    return kept[:1].upper() + kept[1:]


def _trim_opening(q: list[str], at: tuple[int, int] | None, body: str, folded: bool) -> str:
    """``body`` without its opening when that opening is the whole question up to its
    closing question word (fillers such as "điều" left out), ``MIN_SLOT_LEAD`` syllables
    or more: "Các hóa thạch … thiếu điều gì?" → "Các hóa thạch … thiếu xúc tu" gives
    "Xúc tu". Only the question's whole opening counts: "Một hình thức của bất tuân dân
    sự là gì?" → "Bất tuân dân sự phi cách mạng" is kept, its lead heads the answer."""
    if at is None or at[1] != len(q) or q[at[0] : at[1]] in _HEADED:
        return body
    end = at[0]
    while end > 0 and q[end - 1] in _FILLERS:
        end -= 1
    words = list(_WORD.finditer(body))
    keys = [" ".join(syllables(m.group(0), folded)) for m in words]
    if end < MIN_SLOT_LEAD or keys[:end] != q[:end]:
        return body
    while end < len(keys) and keys[end] in _FILLERS:  # the answer's own "là"
        end += 1
    if end >= len(keys):
        return body
    kept = body[words[end].start() :]
    return kept[:1].upper() + kept[1:]


def _trim_lead(asked: set[str], body: str, folded: bool, slot: str | None = None) -> str:
    words = list(_WORD.finditer(body))
    keys = [" ".join(syllables(m.group(0), folded)) for m in words]
    copula = "la" if folded else "là"  # accented, "la" is another word ("La Hay")
    cut = None
    for i, k in enumerate(keys[:-1]):
        if i >= MIN_LEAD and k == copula:
            cut = i + 1
            break
        if k not in asked:
            break
        if i + 1 >= MIN_SLOT_LEAD and body[words[i].end() :].startswith(","):
            cut = i + 1  # "Vi khuẩn lam bị hòa hợp, nhiều gen …": the question's clause
        if k == slot and i + 1 >= MIN_SLOT_LEAD and any(w not in asked for w in keys[i + 1 :]):
            cut = i + 1
    if cut is None:
        return body
    kept = body[words[cut].start() :]
    return kept[:1].upper() + kept[1:]


# "Dựa trên đoạn trích, …": the answer speaks of the prompt's passages, not of the news.
_META_LEAD = re.compile(
    r"^\s*(?:như đã (?:mô tả|nêu|nói) trong|dựa (?:trên|vào)|theo|according to|based on)\s+"
    r"(?:các |the )?(?:đoạn trích|bài báo|bài viết|passages?|articles?|excerpts?)"
    r"(?:\s*\[\d+\])*(?: (?:ở |)trên| above)?\s*,\s*",
    re.IGNORECASE,
)


# A numbered list's first mark ("1. 1.600 mm"): the answer is what follows it.
_FIRST_ITEM = re.compile(r"^\s*1[.)]\s+(?=\w)")


def _drop_meta_lead(body: str) -> str:
    kept = _META_LEAD.sub("", body, count=1)
    return kept[:1].upper() + kept[1:] if kept != body and kept.strip() else body


def trim_restatement(question: str, answer: str) -> str:
    """``answer`` with each sentence's restated lead (question words, then ``là`` or the
    word before the question word) cut.

    >>> trim_restatement("Ai là Bí thư?", "Bí thư là ông A [1]. Bí thư là ông B [2].")
    'Ông A [1]. Ông B [2].'
    >>> trim_restatement("Ai là Bí thư?", "Bí thư là [1].")  # nothing of its own: kept
    'Bí thư là [1].'

    An answer that repeats the question around what fills its question word keeps only that
    (replayed on every recorded answer: 2 XQuAD-vi answers changed, both to the gold):

    >>> trim_restatement("Bức tường của ai có mảnh vỡ ở quanh Newcastle?",
    ...                  "Bức tường Hadrian có mảnh vỡ ở quanh Newcastle [1].")
    'Hadrian [1].'
    """
    if asks_yes_no(question):  # "Hà Lan đã đầu tư …" is the answer to "… có đầu tư … không?"
        return answer
    folded = not has_diacritics(question)
    q = syllables(question, folded)  # the search index's own word keys
    asked, at = set(q), _asked_at(question, q, folded)
    slot = slot_word(question, folded)
    answer, parts = _FIRST_ITEM.sub("", answer, count=1), []
    for s, e in sentence_spans(answer) or [(0, len(answer))]:
        sentence = _drop_meta_lead(answer[s:e])
        first = MARKER.search(sentence)
        cut = first.start() if first else len(sentence)
        body = _trim_opening(q, at, _trim_frame(q, at, sentence[:cut], folded), folded)
        parts.append(_trim_lead(asked, body, folded, slot) + sentence[cut:])
    return " ".join(p.strip() for p in parts if p.strip())
