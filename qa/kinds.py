"""What kind of fact a question asks for, and what kind the answer's clause states.

News about a city's economy gives many figures side by side: investment, trade, budget
revenue, output. Asked for one the articles lack, a small model quotes another ("Hà Nội
thu hút được bao nhiêu vốn FDI?" → the budget revenue "641,7 nghìn tỷ đồng"); asked when
a school opened, it quotes the year building began. The clause the answer was copied from
names its kind of fact; when that names kinds, none of them the question's, the answer
is about something else.

The kinds below were listed from the bundled test set's guesses (its three remaining
in-domain ones), so the gain there is in-sample; on XQuAD-vi no gold answer of 1,190 is
flagged, and on the bundled set no right answer. "funding" came later, from the fifth
set's n040 (the support for a school answered with an export figure); replayed, it flags
no gold answer and no other recorded answer.

>>> kinds("Năm 2025 Hà Nội thu hút được bao nhiêu vốn FDI?")
{'investment'}
>>> other_kind("Hà Nội thu hút bao nhiêu vốn FDI?", "641,7 nghìn tỷ đồng",
...            ["Thu ngân sách đạt 641,7 nghìn tỷ đồng, tăng 24,6%."])
'budget, not investment'
>>> other_kind("Ngoài tăng trưởng kinh tế, Hà Nội đạt kết quả ở lĩnh vực nào?", "8 tỷ USD",
...            ["Năm 2025, thu hút FDI đạt 8 tỷ USD."]) is None  # besides: not asked
True
"""

from __future__ import annotations

import re

from corpus.normalize import has_diacritics
from corpus.sentences import sentence_spans
from embeddings.lexical import syllables
from qa.answer import bare

KINDS: dict[str, tuple[str, ...]] = {
    "investment": ("đầu tư", "vốn đầu tư", "fdi", "rót vốn", "nguồn vốn", "giải ngân",
                   "invest", "invested", "investment", "investments", "investors"),
    "trade": ("kim ngạch", "xuất khẩu", "nhập khẩu", "xuất nhập khẩu", "thương mại", "buôn bán",
              "trade", "export", "exports", "exported", "import", "imports", "imported"),
    "budget": ("ngân sách", "nguồn thu", "thu nội địa", "budget", "revenue"),
    "funding": ("hỗ trợ kinh phí", "tài trợ", "viện trợ", "kinh phí", "ủng hộ", "quyên góp",
                "funding", "funded", "aid", "oda", "donated", "donation"),
    "output": ("grdp", "gdp", "tăng trưởng", "quy mô kinh tế", "growth"),
    "population": ("dân số", "population", "inhabitants"),
    "visitors": ("lượt khách", "du khách", "khách du lịch", "khách quốc tế", "visitors",
                 "tourists", "tourist arrivals"),
    "area": ("diện tích",),
    "start": ("khởi công", "động thổ", "groundbreaking", "broke ground", "break ground"),
    "opening": ("khánh thành", "khai trương", "khai thác", "đưa vào sử dụng", "đưa vào hoạt động",
                "inaugurated", "opened"),
    "signing": ("ký kết", "signed", "signing"),
    "founding": ("thành lập", "ra đời", "founded", "established"),
}  # fmt: skip
_DIGIT = re.compile(r"\d")
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
# A clause ends at punctuation; " - " joins names ("Việt Nam - Lào"), so it does not.
_CLAUSE_END = re.compile(r"[,;:()\[\]–—]|\.(?:\s|$)")


def _words(text: str, folded: bool) -> str:
    return " " + " ".join(syllables(text, folded)) + " "


# "Ngoài tăng trưởng kinh tế, … những lĩnh vực nào?": what "ngoài" (besides) names is not
# asked. "nước ngoài" (foreign) and "bên ngoài" (outside) are other words.
BESIDES = re.compile(
    r"(?<!nước )(?<!nuoc )(?<!bên )(?<!ben )\b(?:ngoài|ngoai|besides|apart from|aside from)"
    r"\s+([^,?]+),",
    re.IGNORECASE,
)


def kinds(text: str, folded: bool = False) -> set[str]:
    """The kinds of fact ``text`` names (whole words, so "ký kết" is not "đăng ký")."""
    words = _words(text, folded)
    return {
        kind
        for kind, terms in KINDS.items()
        if any(_words(t, folded) in words for t in terms)  # padded: whole words only
    }


def clause(text: str, answer: str) -> str | None:
    """The clause of ``text`` holding ``answer`` (first occurrence), or None.

    >>> clause("GRDP tăng 8,5%, thu ngân sách đạt 641,7 nghìn tỷ đồng.", "641,7 nghìn tỷ")
    ' thu ngân sách đạt 641,7 nghìn tỷ đồng'
    >>> clause("GRDP tăng 8,5%, thu ngân sách đạt 641,7 nghìn tỷ đồng.", "khoảng 641,7 tỷ")
    ' thu ngân sách đạt 641,7 nghìn tỷ đồng'
    >>> clause("GDP đạt 3.100 tỷ tệ (khoảng 426,7 tỷ USD).", "426,7 tỷ USD")
    'GDP đạt 3.100 tỷ tệ (khoảng 426,7 tỷ USD'
    """
    at = text.lower().find(answer.lower())
    if at < 0 and answer:  # "Khoảng 96,8 km" for "hoàn thành 96,8 km": its longest number
        number = max(_NUMBERS.findall(answer), key=len, default="")
        found = _number_at(text, number)
        at, answer = (found.start(), number) if len(number) > 1 and found else (-1, answer)
    if at < 0 or not answer:
        return None
    starts = [0] + [m.end() for m in _CLAUSE_END.finditer(text, 0, at)]
    if len(starts) > 1 and text[starts[-1] - 1] == "(":  # "3.100 tỷ tệ (khoảng 426,7 tỷ USD)"
        starts.pop()  # restates the figure before it, whose clause names the kind
    end = _CLAUSE_END.search(text, at + len(answer))
    return text[starts[-1] : end.start() if end else len(text)]


def other_kind(question: str, answer: str, texts: list[str]) -> str | None:
    """The kinds of fact the answer's clause names ("budget, not investment") when the
    clauses holding it name none the question asks for.

    None when the question names no kind, the answer has no digit (a figure or a date), is
    found in no text, or some clause holding it names the kind asked or no kind at all.
    """
    folded = not has_diacritics(question)
    asked = kinds(BESIDES.sub(" ", question), folded)
    core = bare(answer)
    if not asked or not _DIGIT.search(core):
        return None  # kinds are of figures and dates; a name stands in many clauses
    stated = [kinds(c, folded) for c in (clause(t, core) for t in texts) if c is not None]
    if not stated or any(not k or k & asked for k in stated):
        return None  # some clause holding the answer is of the kind asked, or of none
    return f"{', '.join(sorted(stated[0]))}, not {', '.join(sorted(asked))}"


# A plan or a target ("phấn đấu hoàn thành 96,8 km đến 2030", "dự toán thu"), and what is
# done already ("hiện nay đã đưa vào vận hành", "thu ngân sách đạt"); folded forms alongside.
_PLANNED = re.compile(
    r"\b(?:phấn đấu|dự kiến|dự toán|kế hoạch|mục tiêu|chỉ tiêu|sẽ|hướng tới|dự định|"
    r"phan dau|du kien|du toan|ke hoach|muc tieu|chi tieu|huong toi|du dinh)\b"
)
_DONE = re.compile(r"\b(?:đã|hiện nay|hiện có|đến nay|da|hien nay|hien co|den nay)\b")
_REACHED = re.compile(r"\b(?:đạt|đã|dat|da)\b")


def planned_instead(question: str, answer: str, texts: list[str]) -> str | None:
    """ "planned, not done" when the question asks what is done already and every clause
    holding the answer, a figure or a date, states a plan or a target; "done, not planned"
    the other way round, when every such clause states what was reached and no plan.
    Written from the fifth set's n002 (and the reverse from the sixth's p021); replayed,
    it flags none of 1,291 gold answers (without the figures-only rule, 4 XQuAD-vi ones,
    beside a "sẽ").

    >>> plan = ["Đến 2030, Hà Nội phấn đấu hoàn thành 96,8 km đường sắt đô thị."]
    >>> planned_instead("Hiện nay Hà Nội đã vận hành bao nhiêu km đường sắt?", "96,8 km", plan)
    'planned, not done'
    >>> planned_instead("Đến 2030 Hà Nội phấn đấu hoàn thành bao nhiêu km?", "96,8 km", plan)
    >>> planned_instead("Dự toán thu ngân sách là bao nhiêu?", "641,7 nghìn tỷ đồng",
    ...                 ["Năm 2025, thu ngân sách đạt 641,7 nghìn tỷ đồng."])
    'done, not planned'
    """
    asked = question.lower()
    core = bare(answer)
    if not _DIGIT.search(core):
        return None  # figures only, as in ``other_kind``
    held = [c.lower() for c in (clause(t, core) for t in texts) if c is not None]
    if not held:
        return None
    if _PLANNED.search(asked):
        if all(_REACHED.search(c) and not _PLANNED.search(c) for c in held):
            return "done, not planned"
    elif _DONE.search(asked) and all(_PLANNED.search(c) for c in held):
        return "planned, not done"
    return None


_YEAR = re.compile(r"(?<![\d.,/])(1\d{3}|20\d{2})(?!\d|[.,]\d)")


def other_year(question: str, answer: str, texts: list[str]) -> str | None:
    """ "2024, not 2025" when the question names a year and every sentence holding the
    answer, a figure, names years, none of them the question's: another year's figure. An
    answer that names a year itself, or a sentence naming none, is not judged.

    Replayed on gold answers: 1 of the 96 XQuAD-vi ones to questions naming a year is
    flagged (a 2010 drought's area, the sentence naming only 2005), none of the own sets'.
    Of the recorded answers it flags five answered unanswerables ("riêng năm 2024" answered
    with the total since 2022, 2024's growth with 2025's, and three figures "đến hết năm
    2024," given for 2023 or 2025) and nothing else.

    >>> other_year("Kim ngạch năm 2024 đạt bao nhiêu?", "gần 8 tỷ USD",
    ...            ["Từ năm 2022 đến nay, kim ngạch đạt gần 8 tỷ USD."])
    '2022, not 2024'
    >>> other_year("Kim ngạch năm 2022 đạt bao nhiêu?", "gần 8 tỷ USD",
    ...            ["Từ năm 2022 đến nay, kim ngạch đạt gần 8 tỷ USD."])
    >>> other_year("Năm 2045 dài bao nhiêu km?", "Khoảng 96,8 km",  # a word added
    ...            ["Đến 2030, hoàn thành 96,8 km."])
    '2030, not 2045'
    """
    asked = set(_YEAR.findall(question))
    core = bare(answer).lower()
    if not asked or not _DIGIT.search(core) or _YEAR.search(core):
        return None  # figures only, as in ``other_kind``; a year answered is not judged
    held = [t[s:e] for t in texts for s, e in sentence_spans(t) if _holds(t[s:e], core)]
    named = [set(_YEAR.findall(s)) for s in held]
    if not named or any(not years or years & asked for years in named):
        return None
    return f"{', '.join(sorted(named[0]))}, not {', '.join(sorted(asked))}"


def _holds(sentence: str, core: str) -> bool:
    """Whether ``sentence`` holds the answer ``core``, or else every number it writes: the
    model may add a word ("Khoảng 96,8 km" for the passage's "hoàn thành 96,8 km")."""
    if core in sentence.lower():
        return True
    numbers = _NUMBERS.findall(core)
    return bool(numbers) and all(_number_at(sentence, n) for n in numbers)


def _number_at(text: str, number: str) -> re.Match | None:
    """Where ``text`` writes ``number`` whole: "3" is not in "1,3" nor in "30"."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text)


def wrong_kind(question: str, answer: str, texts: list[str]) -> str | None:
    """Why the figure answered is not of the kind asked (``other_kind``), not at the stage
    asked (``planned_instead``) or not of the year asked (``other_year``), or None."""
    for check in (other_kind, planned_instead, other_year):
        if found := check(question, answer, texts):
            return found
    return None
