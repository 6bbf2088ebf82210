"""Questions answered "có"/"không" (yes/no) or by picking one of the options they name.

Such answers are rightly short and made of the question's own words, so the checks for an
answer that only restates the question (qa.concise) leave them alone.
"""

from __future__ import annotations

import re

from qa.language import ENGLISH, query_language

_CHOICE = re.compile(r"\b(?:hay|hoặc|hoac|or)\b", re.IGNORECASE)


def offers_choice(question: str) -> bool:
    """Whether the question names its options ("… Phnom Penh hay Viêng Chăn?").

    >>> offers_choice("Đi Phnom Penh hay Viêng Chăn trước?"), offers_choice("Đi đâu?")
    (True, False)
    """
    return bool(_CHOICE.search(question))


_YES_NO = re.compile(
    r"\b(?:không|khong|chưa|chua|chăng|chang)\s*[?!.]*\s*$"
    r"|\b(?:phải|phai|đúng|dung)\s+(?:không|khong)\b",
    re.IGNORECASE,
)
# Only in English: "Do truong …" is "Đô trưởng …" typed without diacritics.
_YES_NO_EN = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b",
    re.IGNORECASE,
)


def asks_yes_no(question: str) -> bool:
    """Whether the question is answered yes or no ("… có … không?", "Did …?").

    >>> asks_yes_no("Hà Lan có đầu tư vào Hà Nội không?"), asks_yes_no("Did Hanoi sign it?")
    (True, True)
    >>> asks_yes_no("Vì sao đường bay không được mở?"), asks_yes_no("Do truong la ai?")
    (False, False)
    """
    if query_language(question) == ENGLISH:
        return bool(_YES_NO_EN.search(question))
    return bool(_YES_NO.search(question))


_ENGLISH_YES_NO = re.compile(r"^(\s*)(yes|no)\b", re.IGNORECASE)


def vietnamese_yes_no(question: str, answer: str) -> str:
    """A Vietnamese answer to a yes/no question that the model began in English, begun
    "Có" or "Không" instead.

    >>> vietnamese_yes_no("Hà Lan có đầu tư vào Hà Nội không?", "Yes, Hà Lan đã đầu tư [1].")
    'Có, Hà Lan đã đầu tư [1].'
    """
    if not asks_yes_no(question):
        return answer
    word = {"yes": "Có", "no": "Không"}
    return _ENGLISH_YES_NO.sub(lambda m: m.group(1) + word[m.group(2).lower()], answer, count=1)


# The words that answer a yes/no question, with diacritics and folded.
POLARITY = frozenset({"có", "co", "không", "khong", "chưa", "chua", "yes", "no", "not", "đúng",
                      "dung", "sai", "phải", "phai", "rồi", "roi"})  # fmt: skip

_BARE = re.compile(r"^\W*(?:có|không|chưa|yes|no)\W*(?:\[\d+\]\W*)*$", re.IGNORECASE)


def bare_yes_no(answer: str) -> bool:
    """Whether the answer is only "Có", "Không" or "Chưa" (or "Yes"/"No"), cited: a word
    found in nearly every passage, so it locates no fact.

    >>> bare_yes_no("Có [1]."), bare_yes_no("Không."), bare_yes_no("Có, Hà Lan đã đầu tư [1].")
    (True, True, False)
    """
    return bool(_BARE.match(answer.strip()))
