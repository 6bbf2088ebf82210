"""How well the place an answer was copied from matches what the question asked.

A small model asked for a fact the articles lack rarely says so: it quotes a nearby fact
("Năm 2025 Hà Nội thu hút được bao nhiêu vốn FDI?" → a budget figure). The sentence that
figure came from then holds few of the question's terms, while a real answer's sentence
(with its neighbours) holds most of them. ``grounding`` is that share, IDF-weighted over
the passages' sentences, with syllable bigrams so that "thị trưởng" is not matched by
"thị" and "trưởng" apart. Retrieval support looks at the best sentence of all; this looks
at the one the answer actually came from.

>>> from qa.hit import Hit
>>> h = Hit("a", "a#0", "Hà Lan đầu tư 1,3 tỷ USD. Ngân sách thu 641,7 nghìn tỷ đồng.",
...         1.0, "T", None, 0, 60)
>>> grounding("Hà Lan đầu tư bao nhiêu?", "1,3 tỷ USD [1]", [h]) > 0.5
True
>>> grounding("Hà Nội thu hút bao nhiêu vốn FDI?", "641,7 nghìn tỷ đồng [1]", [h]) < 0.3
True
"""

from __future__ import annotations

import re

from corpus.normalize import has_diacritics
from embeddings.lexical import terms
from qa.answer import MARKER
from qa.context import passage_sentences, score_sentences, term_weights
from qa.hit import Hit
from qa.titles import OFFICES

_WORD = re.compile(r"\w+")


def _source_sentence(
    answer: str, sentences: list[str], fit: list[float] | None = None
) -> int | None:
    """Index of the sentence the answer was copied from (containing it, else sharing most).

    Of several that contain it ("2" is in many), the first, or with ``fit`` (each
    sentence's match to the question) the best-matching: the answer may have come from it.
    """
    core = MARKER.sub("", answer).strip().rstrip(".").lower()
    if not core or not sentences:
        return None
    words = set(_WORD.findall(core))

    def score(i: int) -> tuple[float, float]:
        text = sentences[i].lower()
        if core in text:
            return 2.0, fit[i] if fit else -i
        return len(words & set(_WORD.findall(text))) / (len(words) or 1), -i

    best = max(range(len(sentences)), key=score)
    return best if score(best)[0] > 0 else None


def foreign_to(answer: str, passages: list[Hit]) -> bool:
    """Whether ``answer`` shares no word at all with the passages shown: written from
    elsewhere (the prompt's own example, a passage's id), so it cannot be their answer.

    >>> from qa.hit import Hit
    >>> h = Hit("a", "a#0", "Đầu tư sụt giảm vì dịch bệnh.", 1.0, "T", None, 0, 29)
    >>> foreign_to("Giá lúa tăng [1].", [h]), foreign_to("Vì dịch bệnh [1].", [h])
    (True, False)
    """
    texts = [passages[i].text[s:e] for i, s, e in passage_sentences(passages)]
    return bool(_WORD.search(MARKER.sub("", answer))) and _source_sentence(answer, texts) is None


def grounding(query: str, answer: str, passages: list[Hit]) -> float | None:
    """Share of the query's terms (IDF-weighted) found around the answer's source sentence.

    The window is that sentence and its neighbours in the same passage. ``None`` when the
    answer cannot be located in any passage.
    """
    folded = not has_diacritics(query)
    spans = passage_sentences(passages)
    texts = [passages[i].text[s:e] for i, s, e in spans]
    at = _source_sentence(answer, texts)
    if at is None:
        return None
    bags = [set(terms(t, folded)) for t in texts]
    asked = set(terms(query, folded))
    weight = term_weights(asked, bags)
    near = range(max(0, at - 1), min(len(spans), at + 2))
    window = set().union(*(bags[j] for j in near if spans[j][0] == spans[at][0]))
    return sum(weight[t] for t in asked & window) / (sum(weight.values()) or 1.0)


def focus(query: str, answer: str, passages: list[Hit]) -> float | None:
    """How well the answer's source sentence matches the query, as a share of how well the
    best-matching sentence shown does (``qa.context.score_sentences``, no rank decay).

    A right answer nearly always comes from the sentence that matches the question best; a
    guess quotes a neighbour. An answer found in several sentences ("2", "Trung Quốc") is
    taken from the best-matching of them. On the bundled set right answers had 0.70 or more, two
    in-domain guesses 0.36 and 0.40; on XQuAD-vi, whose questions paraphrase their
    paragraphs, right answers fall below that too. ``None`` when the answer cannot be located
    or no sentence shares a word with the query.

    >>> from qa.hit import Hit
    >>> h = Hit("a", "a#0", "Hà Lan đầu tư 1,3 tỷ USD. Ngân sách thu 641,7 nghìn tỷ đồng.",
    ...         1.0, "T", None, 0, 60)
    >>> focus("Hà Lan đầu tư bao nhiêu?", "1,3 tỷ USD [1]", [h])
    1.0
    >>> focus("Hà Lan đầu tư bao nhiêu?", "641,7 nghìn tỷ đồng [1]", [h])
    0.0
    """
    scored = score_sentences(query, passages, decay=1.0)
    texts = [passages[s.passage].text[s.start : s.end] for s in scored]
    at = _source_sentence(answer, texts, [s.score for s in scored])
    best = max((s.score for s in scored), default=0.0)
    if at is None or best <= 0:
        return None
    score = scored[at].score
    follows = at + 1 < len(scored) and scored[at + 1].passage == scored[at].passage
    if follows and _refers_back(texts[at + 1]):  # "Đại sứ Kees van Baar …. Đại sứ nói …"
        score = max(score, scored[at + 1].score)
    return score / best


# A sentence opening with a title or "ông"/"bà" and then a lower-case word speaks of the
# person the sentence before named: "Đại sứ Kees van Baar đánh giá … . Đại sứ khẳng định …".
_BACK = re.compile(
    r"^\W*(?:(?:phó\s+)?(?:" + "|".join(OFFICES) + r")|ông|bà|he|she)\s+(\w)",
    re.IGNORECASE,
)


def _refers_back(sentence: str) -> bool:
    """Whether ``sentence`` opens by referring to a person named before it.

    >>> _refers_back("Đại sứ khẳng định Hà Lan sẵn sàng."), _refers_back("Ông cho biết.")
    (True, True)
    >>> _refers_back("Đại sứ Kees van Baar khẳng định."), _refers_back("Hà Lan sẵn sàng.")
    (False, False)
    """
    first = _BACK.match(sentence)
    return bool(first) and first.group(1).islower()
