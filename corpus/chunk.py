"""Sentence-aware chunking with exact character offsets.

Chunks are runs of whole sentences, sized for the encoder: multilingual-e5 reads at most
512 tokens and Vietnamese averages ~3.8 characters per XLM-R token, so the hard limit of
1,500 characters (~400 tokens) leaves room for the title and the ``passage:`` prefix.
Consecutive chunks share one sentence so an answer that straddles a boundary is whole in
at least one of them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from corpus.article import Article, Chunk
from corpus.sentences import sentence_spans


@dataclass(frozen=True, kw_only=True)
class ChunkerSettings:
    """How articles are cut; recorded in every index manifest.

    >>> ChunkerSettings().max_chars
    1500
    """

    target_chars: int = 900
    max_chars: int = 1500
    overlap_sentences: int = 1

    def to_dict(self) -> dict:
        return {"kind": "sentences", **asdict(self)}


def _split_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than ``limit`` at the last space (or comma) before the limit."""
    pieces = []
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(", "), window.rfind(" "))
        cut = cut + 1 if cut > limit // 2 else limit
        pieces.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return [(a, len(text[:b].rstrip())) for a, b in pieces if text[a:b].strip()]


def _units(text: str, limit: int) -> list[tuple[int, int]]:
    units: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        units.extend(_split_long(text, a, b, limit) if b - a > limit else [(a, b)])
    return units


def _groups(units: list[tuple[int, int]], settings: ChunkerSettings) -> list[tuple[int, int]]:
    """Greedy packing of unit indices into ``[first, last)`` groups with overlap."""
    groups, first = [], 0
    while first < len(units):
        last = first + 1
        while last < len(units):
            size = units[last][1] - units[first][0]
            if (
                size > settings.max_chars
                or (units[last - 1][1] - units[first][0]) >= settings.target_chars
            ):
                break
            last += 1
        groups.append((first, last))
        if last >= len(units):
            break
        first = max(first + 1, last - settings.overlap_sentences)
    return groups


def chunk_article(article: Article, settings: ChunkerSettings | None = None) -> list[Chunk]:
    """Cut an article's text into chunks; ``article.text[c.start:c.end] == c.text``.

    >>> a = Article(id="a", title="T", text="Câu một. Câu hai.\\n\\nCâu ba.")
    >>> [c.text for c in chunk_article(a, ChunkerSettings(target_chars=10))]
    ['Câu một. Câu hai.', 'Câu hai.\\n\\nCâu ba.']
    """
    settings = settings or ChunkerSettings()
    text = article.text
    units = _units(text, settings.max_chars)
    chunks = []
    for position, (first, last) in enumerate(_groups(units, settings)):
        start, end = units[first][0], units[last - 1][1]
        chunks.append(
            Chunk(
                doc_id=article.id,
                position=position,
                text=text[start:end],
                start=start,
                end=end,
                title=article.title,
                date=article.date,
                source=article.source,
            )
        )
    return chunks


_SPACE = re.compile(r"\s+")


def passage_text(chunk: Chunk) -> str:
    """What the encoder reads for a chunk: its title, then its text on one line.

    >>> passage_text(Chunk(doc_id="a", position=0, text="x\\n\\ny", start=0, end=4, title="T"))
    'T. x y'
    """
    body = _SPACE.sub(" ", chunk.text)
    return f"{chunk.title}. {body}" if chunk.title else body
