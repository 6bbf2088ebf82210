"""Answers that only repeat the question: they say nothing, or give no reason when asked why.

A small model sometimes answers with the question's own words ("Ai là Đại sứ Hà Lan …?" →
"Hà Lan"), or a why-question with a time or a name. The answerer asks again once for an
echo (qa.answerer) and refuses one that still says nothing; an answer that is no reason is
refused at once (asked again, the model guessed another).

>>> echoes("Ai là Đại sứ Hà Lan tại Việt Nam?", "Hà Lan [1]")
True
"""

from __future__ import annotations

import re

from corpus.normalize import fold_text, has_diacritics
from embeddings.lexical import syllables
from qa.answer import MARKER
from qa.gazetteer import with_vietnamese_names
from qa.hit import Hit
from qa.kinds import BESIDES
from qa.yesno import POLARITY, asks_yes_no, offers_choice


def echoes(question: str, answer: str) -> bool:
    """True when ``answer`` has no word of its own: it only repeats some of the question's.

    A small model sometimes answers with the question's own words ("Ai là Đại sứ Hà Lan …?"
    → "Hà Lan"). Questions offering a choice ("… Phnom Penh hay Viêng Chăn?") are answered
    with their own words, so they never echo, nor does an answer to a yes/no question that
    says "có", "không" or "chưa".

    >>> echoes("Ai là Đại sứ Hà Lan tại Việt Nam?", "Hà Lan [1]")
    True
    >>> echoes("Ai là Đại sứ Hà Lan tại Việt Nam?", "Kees van Baar [1]")
    False
    >>> echoes("Đi Phnom Penh hay Viêng Chăn trước?", "Viêng Chăn [1]")
    False
    >>> echoes("Hà Lan có đầu tư vào Hà Nội không?", "Có [1]")
    False
    >>> echoes("Hà Nội có nhập khẩu quá 500 triệu USD không?", "500 triệu USD [1]")
    True

    An English question's places count in the articles' spelling (qa.gazetteer), and "và",
    "and" joining names are no words of the answer's own:

    >>> echoes("Which two countries invest more in Laos than Vietnam does?", "Lào và Việt Nam")
    True

    Nor are question words: an answer that asks back says nothing.

    >>> echoes("Sứa lược không phải là loài gì?", "Loài nào [1].")
    True
    """
    if offers_choice(question):
        return False
    said, asked = _said_and_asked(question, answer)
    if asks_yes_no(question) and POLARITY & set(said):  # else "500 triệu USD" says nothing
        return False
    return bool(said) and set(said) <= set(asked)


# Said but saying nothing: joiners, and question words ("Sứa lược không phải là loài gì?"
# answered "Loài nào").
_SAYS_NOTHING = {"và", "va", "and", "nào", "nao", "gì", "gi", "đâu"}


def _said_and_asked(question: str, answer: str) -> tuple[list[str], list[str]]:
    """The answer's syllables (joiners left out) and the question's, its places added in
    the articles' spelling, both folded when the question has no diacritics."""
    folded = not has_diacritics(question)
    said = [w for w in syllables(MARKER.sub(" ", answer), folded) if w not in _SAYS_NOTHING]
    return said, syllables(with_vietnamese_names(question), folded)


def copies_question(question: str, answer: str) -> bool:
    """Whether ``answer`` echoes the question (``echoes``) as one stretch of it, in its
    order: it says nothing. "Xây dựng thiết kế" for "… từ thiết kế đến xây dựng …" names
    something in other words, and is not a copy.

    >>> copies_question("Ai là Đại sứ Hà Lan tại Việt Nam?", "Đại sứ Hà Lan [1]")
    True
    >>> copies_question("Hợp đồng nào làm từ thiết kế đến xây dựng?", "Xây dựng thiết kế")
    False
    """
    if not echoes(question, answer):
        return False
    said, asked = _said_and_asked(question, answer)
    pairs = set(zip(asked, asked[1:], strict=False))
    return all(p in pairs for p in zip(said, said[1:], strict=False))


# A why-question's echo gives no reason ("Why did Vietnam - Laos trade grow?" → "Vietnam and
# Laos"); folded, so typed without diacritics too.
_WHY = re.compile(r"\b(?:vi sao|tai sao|why|ly do (?:gi|nao)|nguyen nhan (?:gi|nao))\b")


def says_nothing(question: str, answer: str) -> bool:
    """Whether an answer that ``echoes`` the question says nothing: it copies the question
    (``copies_question``), answers a why-question, or names only what the question sets
    aside ("Ngoài …, …", "Besides …, …").

    >>> says_nothing("Vì sao Việt Nam - Lào tăng thương mại?", "Việt Nam và Lào [1].")
    True
    >>> says_nothing("Ngoài chức Bí thư Tỉnh ủy Quảng Trị, ông Phương giữ chức gì?",
    ...              "Bí thư Tỉnh ủy tỉnh Quảng Trị [1].")
    True
    >>> says_nothing("Hợp đồng nào làm từ thiết kế đến xây dựng?", "Xây dựng thiết kế")
    False
    """
    if copies_question(question, answer) or _WHY.search(fold_text(question).lower()):
        return True
    said, _ = _said_and_asked(question, answer)
    folded = not has_diacritics(question)
    return bool(said) and any(
        set(said) <= set(syllables(with_vietnamese_names(m.group(1)), folded))
        for m in BESIDES.finditer(question)
    )


# What cannot be a reason: a time ("Trong năm 2025"), a bare figure, or a name alone.
_NO_REASON = re.compile(
    r"^(?:(?:trong|vào|từ|đến|tới|năm|ngày|tháng|in|on|since)\s+)*[\d/.,%\s-]+$"
)


def gives_no_reason(question: str, answer: str) -> bool:
    """Whether a why-question's ``answer`` is only a time, a figure or a name: no reason.

    >>> gives_no_reason("Vì sao thu ngân sách tăng 24,6%?", "Trong năm 2025 [1].")
    True
    >>> gives_no_reason("Vì sao bí thư có mặt tại Lào?", "Nguyễn Duy Ngọc [1].")
    True
    >>> gives_no_reason("Vì sao bí thư có mặt tại Lào?", "Dự hội đàm với Viêng Chăn [1].")
    False
    """
    if not _WHY.search(fold_text(question).lower()):
        return False
    core = MARKER.sub(" ", answer).strip().rstrip(".").strip()
    words = core.split()
    return bool(words) and (
        bool(_NO_REASON.match(core.lower())) or all(w[:1].isupper() for w in words)
    )


_ASKS_TITLE = re.compile(r"\b(?:tieu de|tua de|title|headline)\b")
MIN_TITLE_WORDS = 4  # syllables: a headline's words, not a short name ("Super Bowl 50")


def quotes_title(question: str, answer: str, passages: list[Hit]) -> bool:
    """Whether the answer is (part of) the headline of a passage shown, which the prompt
    writes above the passage: it answers nothing asked. Three of three recorded answers
    like this were wrong; no gold answer is one, unless the question asks for the title.

    >>> title = "Tăng cường đối ngoại, tạo nền tảng bước vào 2026"
    >>> p = Hit("a", "a#0", "…", 1.0, title, None, 0, 1)
    >>> quotes_title("Hợp tác sẽ ra sao?", "Tăng cường đối ngoại, tạo nền tảng [1].", [p])
    True
    >>> quotes_title("Bài báo có tiêu đề gì?", "Tăng cường đối ngoại, tạo nền tảng.", [p])
    False

    A name in a headline is no copy of it:

    >>> title = "Hà Nội hợp tác với Thành phố Quảng Châu (Trung Quốc)"
    >>> p = Hit("b", "b#0", "…", 1.0, title, None, 0, 1)
    >>> quotes_title("Hà Nội hợp tác với ai?", "Thành phố Quảng Châu [1].", [p])
    False
    """
    if _ASKS_TITLE.search(fold_text(question).lower()):
        return False
    said = syllables(MARKER.sub(" ", answer), True)
    if len(said) < MIN_TITLE_WORDS:
        return False
    return any(  # most of the headline: a name in it ("Thành phố Quảng Châu") is no copy
        2 * len(said) >= len(title) and f" {' '.join(said)} " in f" {' '.join(title)} "
        for title in (syllables(p.title or "", True) for p in passages)
    )
