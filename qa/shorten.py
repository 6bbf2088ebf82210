"""Cut a restating answer down to the phrase that answers: the model picks, a copy is kept.

Reading ~700 prompt tokens, a 1.5B generator often answers with a sentence built around the
question ("Dòng lục lạp xanh lục có ở thực vật đất liền", "Nguyễn Anh Tuấn, Ủy viên Trung
ương Đảng, Phó Trưởng Ban …"). When an answer restates (``restates``), a second, tiny prompt
(``qa/prompts/shorten.toml``: the question and the answer, its system text cached) asks for
the shortest phrase of the answer that still answers. The reply is kept only when
``accept`` finds it a copy of part of the answer that adds something to the question and
does not cut a name in two; otherwise the answer stays as it was. So shortening can drop
words but never invents any.

>>> accept("Dòng lục lạp nào có ở thực vật đất liền?",
...        "Dòng lục lạp xanh lục có ở thực vật đất liền", "dòng lục lạp xanh lục")
'Dòng lục lạp xanh lục'
>>> accept("Sứa lược có tua không phải là loài gì?",
...        "Sứa lược có tua không phải là loài nào", "Sứa lược") is None  # nothing new
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from corpus.sentences import sentence_spans
from embeddings.lexical import syllables
from qa.answer import Turn, bare, rewrap
from qa.prompt import defang, read_prompt
from qa.yesno import asks_yes_no

# Fitted on the bundled set and 60 XQuAD-vi questions: shorter answers rarely restate, and
# one shared word is often just the topic ("Hà Nội").
MIN_SYLLABLES = 4
MIN_SHARED = 2
MAX_NEW_TOKENS = 32
_NEXT_WORD = re.compile(r"\s*[-–]?\s*(\w)")


@dataclass(frozen=True)
class ShortenPrompt:
    version: int
    system: str
    user: str


@cache
def load_shorten_prompt(name: str = "shorten") -> ShortenPrompt:
    """The prompt ``qa/prompts/<name>.toml``."""
    return ShortenPrompt(**read_prompt(name))


def restates(question: str, body: str) -> bool:
    """Whether ``body`` (an answer without markers) is long and repeats the question.

    >>> restates("Ai là Bí thư Thành ủy?", "Bí thư Thành ủy là ông Đinh Tiến Dũng")
    True
    >>> restates("Ai là Bí thư Thành ủy?", "Đinh Tiến Dũng")
    False

    Answers to yes/no questions restate what they confirm, and are left whole.
    """
    if asks_yes_no(question):
        return False
    asked = set(syllables(question, folded=True))
    said = syllables(body, folded=True)
    return len(said) >= MIN_SYLLABLES and sum(s in asked for s in said) >= MIN_SHARED


def accept(question: str, body: str, phrase: str) -> str | None:
    """The part of ``body`` that ``phrase`` copies, or None when it is no good answer.

    Refused: not a copy; only the question's words; a single word that is not a number
    (Vietnamese words are mostly two syllables: "Nước" out of "Nước đã thiết lập …"); and
    a cut just before a capitalised word ("Trường THPT chuyên Hà Nội" out of "… Hà Nội -
    Amsterdam").

    >>> accept("Ai dự?", "Trường THPT chuyên Hà Nội - Amsterdam", "Trường THPT chuyên Hà Nội")
    >>> accept("Ký bao nhiêu thỏa thuận?", "2 thỏa thuận cấp Thành phố", "2")
    '2'
    """
    phrase = phrase.strip().strip(".").strip()
    start = body.lower().find(phrase.lower()) if phrase else -1
    if start < 0 or phrase.lower() == body.lower():
        return None
    copy = body[start : start + len(phrase)]
    said = syllables(copy, folded=True)
    asked = set(syllables(question, folded=True))
    if not said or all(s in asked for s in said):
        return None
    if len(said) < 2 and not any(c.isdigit() for c in copy):
        return None
    after = _NEXT_WORD.match(body[start + len(phrase) :])
    if after and after.group(1).isupper():
        return None
    return copy[:1].upper() + copy[1:]


def _ask(generator, question: str, body: str) -> str:
    prompt = load_shorten_prompt()
    user = prompt.user.format(question=defang(question), answer=defang(body))
    messages = [Turn("system", prompt.system), Turn("user", user)]
    return "".join(p for p in generator.stream(messages, MAX_NEW_TOKENS) if isinstance(p, str))


def shorten(generator, question: str, answer: str) -> str:
    """``answer`` cut to its answering phrase when it restates ``question``, else as it is.

    Only one-sentence answers: a list or two facts are not restatements. Markers are kept.
    """
    body = bare(answer)
    if len(list(sentence_spans(answer))) > 1 or not restates(question, body):
        return answer
    copy = accept(question, body, _ask(generator, question, body))
    if copy is None:
        return answer
    return rewrap(copy, answer)
