"""Choose what the generator reads: the sentences of the retrieved passages that carry the answer.

Prompt reading dominates answer time on a CPU, so instead of whole passages the generator
gets a few excerpts: around the best-matching sentence of each top passage, grown by its
neighbours while a character budget lasts. Every excerpt is still a ``Hit`` whose ``text``
is exactly ``article_text[start:end]``, so citations point at real offsets.

>>> from qa.hit import Hit
>>> h = Hit("a", "a#0", "Trời mưa. Hà Lan đầu tư 1,3 tỷ USD. Hết.", 1.0, "T", None, 10, 50)
>>> [e.text for e in select_context("Hà Lan đầu tư bao nhiêu?", [h], budget_chars=30)]
['Hà Lan đầu tư 1,3 tỷ USD.']
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from corpus.normalize import has_diacritics
from corpus.sentences import sentence_spans
from embeddings.lexical import terms
from qa.hit import Hit

RANK_DECAY = 0.8  # a later passage's sentence must match clearly better to win
LEXICAL_WEIGHT = 0.3  # shared words next to meaning, for cross-language sentence scores


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the hit list
    start: int  # offsets relative to the passage text
    end: int
    score: float


def passage_sentences(hits: list[Hit]) -> list[tuple[int, int, int]]:
    """(passage index, start, end) of every non-empty sentence of every hit."""
    return [(i, s, e) for i, h in enumerate(hits) for s, e in sentence_spans(h.text) if e > s]


def term_weights(asked: set[str], bags: list[set[str]]) -> dict[str, float]:
    """IDF of each asked term over these sentences' term sets: words every sentence shares
    weigh little, the rare ones the question asks about weigh most.

    >>> w = term_weights({"hà", "lan"}, [{"hà", "nội"}, {"hà", "lan"}])
    >>> w["lan"] > w["hà"]
    True
    """
    df = Counter(t for bag in bags for t in bag)
    return {t: math.log(1 + len(bags) / (1 + df[t])) for t in asked}


def score_sentences(query: str, hits: list[Hit], decay: float = RANK_DECAY) -> list[Sentence]:
    """Every sentence of every hit, scored by the IDF-weighted share of query terms it holds,
    times ``decay`` per passage rank.

    IDF is computed over these sentences only: words every sentence shares (``của``,
    ``năm``) weigh little, the rare ones the question asks about weigh most.

    >>> h = Hit("a", "a#0", "Mưa to. Hà Lan đầu tư.", 1.0, "T", None, 0, 22)
    >>> [round(s.score, 2) for s in score_sentences("Hà Lan", [h])]
    [0.0, 1.0]
    """
    folded = not has_diacritics(query)
    spans = passage_sentences(hits)
    bags = [set(terms(hits[i].text[s:e], folded)) for i, s, e in spans]
    q = set(terms(query, folded))
    weight = term_weights(q, bags)
    total = sum(weight.values()) or 1.0
    return [
        Sentence(i, s, e, sum(weight[t] for t in q & bag) / total * decay**i)
        for (i, s, e), bag in zip(spans, bags, strict=True)
    ]


def score_sentences_dense(
    query: str, hits: list[Hit], encoder, lexical_weight: float = LEXICAL_WEIGHT
) -> list[Sentence]:
    """Every sentence scored by its similarity to the query under ``encoder``, plus
    ``lexical_weight`` times its ``score_sentences`` share.

    For questions that share few words with the passages (English over Vietnamese), where
    ``score_sentences`` alone sees little; costs one encoder pass over the sentences. The
    encoder's cosines sit in a narrow band (0.75-0.81 here), so they are rescaled to 0..1
    over these sentences and passage rank is not decayed: a 0.8 decay per rank swamped
    every difference, so a later passage never won. The words that do match (UNESCO,
    Vientiane, the gazetteer's Vietnamese forms) then decide between near ties. The bundled
    set's English questions got the answer into the context 7 times in 8 instead of 5;
    XQuAD-vi's English questions (every 5th) 0.861 instead of 0.853.
    """
    spans = passage_sentences(hits)
    if not spans:
        return []
    vectors = encoder.encode_passages([hits[i].text[s:e] for i, s, e in spans])
    sims = [float(x) for x in vectors @ encoder.encode_queries([query])[0]]
    lo, span = min(sims), (max(sims) - min(sims)) or 1.0
    shares = score_sentences(query, hits, decay=1.0)
    return [
        Sentence(i, s, e, (sim - lo) / span + lexical_weight * share.score)
        for (i, s, e), sim, share in zip(spans, sims, shares, strict=True)
    ]


def _grow(sentences: list[Sentence], best: int, budget: int) -> tuple[int, int]:
    """Indices [lo, hi] of neighbouring sentences of one passage around ``best`` within budget."""
    lo = hi = best
    used = sentences[best].end - sentences[best].start
    while True:
        grew = False
        for j in (hi + 1, lo - 1):  # the sentence after usually completes the one asked about
            if 0 <= j < len(sentences) and not lo <= j <= hi:
                size = sentences[j].end - sentences[j].start + 1
                if used + size <= budget:
                    used += size
                    lo, hi = min(lo, j), max(hi, j)
                    grew = True
        if not grew:
            return lo, hi


def select_context(
    query: str,
    hits: list[Hit],
    budget_chars: int = 1000,
    max_excerpts: int = 3,
    share: tuple[float, ...] = (0.8, 0.2),
    scored: list[Sentence] | None = None,
) -> list[Hit]:
    """Excerpts of the best passages, best first, within ``budget_chars`` in all.

    Passage ``i`` (in order of its best sentence) may use ``share[i]`` of the budget; what
    an excerpt leaves unused passes on to the next. ``scored`` replaces the default
    lexical sentence scores (see ``score_sentences_dense``).
    """
    scored = score_sentences(query, hits) if scored is None else scored
    by_passage: dict[int, list[Sentence]] = {}
    for s in scored:
        by_passage.setdefault(s.passage, []).append(s)
    order = sorted(by_passage, key=lambda p: -max(s.score for s in by_passage[p]))
    excerpts: list[Hit] = []
    carry = 0
    for rank, p in enumerate(order[: min(max_excerpts, len(share))]):
        sents = by_passage[p]
        best = max(range(len(sents)), key=lambda j: (sents[j].score, -j))
        if rank > 0 and sents[best].score <= 0:
            break
        allowance = int(budget_chars * share[rank]) + carry
        lo, hi = _grow(sents, best, max(allowance, 1))
        excerpts.append(_excerpt(hits[p], sents[lo].start, sents[hi].end))
        carry = max(0, allowance - (sents[hi].end - sents[lo].start))
    return excerpts


def _excerpt(hit: Hit, start: int, end: int) -> Hit:
    return replace(hit, text=hit.text[start:end], start=hit.start + start, end=hit.start + end)
