"""Hybrid retrieval: dense (FAISS) and Vietnamese-aware BM25, fused per query; the
``Retriever`` seam the ``Answerer`` calls, and ``analyse``, which every question goes
through once.

>>> from qa import HybridRetriever    # doctest: +SKIP
>>> r = HybridRetriever.load()        # doctest: +SKIP
>>> r.search("Hà Lan đầu tư bao nhiêu vào Hà Nội?", k=3)[0].title   # doctest: +SKIP
'Tăng cường đối ngoại, tạo nền tảng phát triển bền vững bước vào năm 2026'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from corpus.diacritics import restore_diacritics
from corpus.normalize import fold_text, normalize_text
from embeddings.manifest import EncoderInfo
from embeddings.store import IndexStore
from qa.records.hit import SEARCH_MAX_K, Filters, Hit, QueryError, check_k
from qa.records.question import Question
from qa.retrieval.fusion import FusionWeights, fuse
from qa.retrieval.gazetteer import with_vietnamese_names
from qa.retrieval.language import ENGLISH, UNACCENTED, english_anchors, query_language

# QueryError is defined in qa.records.hit (Filters raise it too); callers import it from here.
MAX_QUERY_CHARS = 2000
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_utf8(text: str, what: str = "the question") -> str:
    """``text`` unless it holds surrogates, which no UTF-8 text can: bytes that were not
    UTF-8 reach ``sys.argv`` as U+DC80..U+DCFF (Python's surrogateescape), and would
    fail deep inside the tokenizer or when printed.

    >>> check_utf8("Hà Nội")
    'Hà Nội'
    >>> try:
    ...     check_utf8(b"\\xff H\\xe0 N\\xf4i".decode("utf-8", "surrogateescape"))
    ... except QueryError as exc:
    ...     print(exc)
    the question is not valid UTF-8 (byte 0xff at character 1): use a UTF-8 terminal or file
    """
    m = _SURROGATE.search(text)
    if m is None:
        return text
    code = ord(m.group())
    what_is = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
    raise QueryError(
        f"{what} is not valid UTF-8 ({what_is} at character {m.start() + 1}): "
        "use a UTF-8 terminal or file"
    )


def clean_query(query: str) -> str:
    """Normalize a query, or explain why it cannot be used.

    >>> clean_query("  Hoà  bình ")
    'Hòa bình'
    """
    if not isinstance(query, str):
        raise QueryError(f"the question must be text, not {type(query).__name__}")
    text = " ".join(normalize_text(check_utf8(query)).split())
    if not text:
        raise QueryError("the question is empty: type a question, e.g. 'Hà Lan đầu tư bao nhiêu?'")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the question is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}. "
            "Ask a shorter question."
        )
    if sum(c.isalnum() for c in text) < max(1, len(text) // 4):
        raise QueryError("the question has almost no letters or digits; is it binary data?")
    return text


def analyse(text: str, *, follow_up: bool = False) -> Question:
    """``text`` as every step sees it, worked out once: cleaned (``clean_query``, so a
    ``QueryError`` if unusable), its language and its folded form.

    >>> q = analyse("  Ha  Noi o dau? ")
    >>> q.text, q.language, q.folded
    ('Ha Noi o dau?', 'vi-folded', 'ha noi o dau?')
    """
    clean = clean_query(text)
    folded = fold_text(clean)
    language = query_language(clean, folded)
    return Question(text=clean, language=language, folded=folded, follow_up=follow_up)


def top_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest scores (unordered), without sorting all of them.

    >>> sorted(top_indices(np.array([0.1, 0.9, 0.5, 0.7]), 2).tolist())
    [1, 3]
    """
    if n >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(-scores, n - 1)[:n]


def spread(order, doc_ids: list[str], per_article: int = 2) -> list[int]:
    """Reorder so no article takes more than ``per_article`` of the top places.

    Passages of one article often crowd each other out; the extra ones keep their order
    after the first pass, so nothing is dropped.

    >>> spread([0, 1, 2, 3], ["a", "a", "a", "b"])
    [0, 1, 3, 2]
    """
    seen: dict[str, int] = {}
    first, rest = [], []
    for i in order:
        seen[doc_ids[i]] = seen.get(doc_ids[i], 0) + 1
        (first if seen[doc_ids[i]] <= per_article else rest).append(int(i))
    return first + rest


@runtime_checkable
class Retriever(Protocol):
    """What the ``Answerer`` needs of a retriever: the ``k`` best passages for a question,
    best first. Build it cheaply; load models in ``warm_up()``.

    >>> class Nothing:
    ...     def warm_up(self) -> None: ...
    ...     def run(self, question, k=5, filters=None): return []
    >>> isinstance(Nothing(), Retriever)
    True
    """

    def warm_up(self) -> None: ...

    def run(self, question: Question, k: int = 5, filters: Filters | None = None) -> list[Hit]: ...


class HybridRetriever:
    """Search an index; the encoder must be the one the index was built with."""

    def __init__(
        self, store: IndexStore, encoder, weights: FusionWeights | None = None, candidates: int = 50
    ):
        self.store = store
        self.encoder = encoder
        self.weights = weights or FusionWeights()
        self.candidates = candidates

    @classmethod
    def load(cls, index_dir: str | Path | None = None, encoder=None) -> HybridRetriever:
        """Open an index (the default one, built on first use, when none is given)."""
        from embeddings.encoder import default_encoder
        from qa.retrieval.indexes import default_index_dir, ensure_default_index

        encoder = encoder or default_encoder()
        if index_dir is None:
            index_dir = default_index_dir()
            ensure_default_index(index_dir, encoder)
        store = IndexStore.load(Path(index_dir))
        store.manifest.check_encoder(EncoderInfo.of(encoder), store.folder)
        return cls(store, encoder)

    def warm_up(self) -> None:
        """Load the encoder now: it loads on first use, and one short query is a use."""
        self.encoder.encode_queries(["khởi động"])

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The ``k`` best passages for the text ``query``, best first (``run`` takes a Question).

        Raises ``QueryError`` for an unusable query, a ``k`` that is not a whole number
        from 1 to ``SEARCH_MAX_K`` (100), or ``filters`` that are not ``Filters``."""
        return self.run(analyse(query), k, filters)

    def run(self, question: Question, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first (see ``search``)."""
        k = check_k(k, SEARCH_MAX_K)
        if filters is not None and not isinstance(filters, Filters):
            raise QueryError(f"filters must be a qa.Filters, not {type(filters).__name__}")
        allowed = self._allowed_rows(filters)
        rows = self.store.rows
        if not rows.live.any() or (allowed is not None and len(allowed) == 0):
            return []
        text, language = question.text, question.language
        if language == ENGLISH:  # "Hanoi" -> "Hanoi (Hà Nội)": the articles' own spelling
            text = with_vietnamese_names(text)
        lexical = rows.lexical_scores(text)
        if language != UNACCENTED:
            return self._search(text, text, language, lexical, allowed, k)
        # Typed without diacritics: BM25 reads the folded text; the encoder, which learned
        # from marked text, reads it with diacritics restored, then restored again with the
        # first passages found lending their spellings (ViQuAD dev, every 6th question
        # folded: R@1 0.745 on the folded text, 0.782 restored, 0.798 restored twice).
        first = self._search(restore_diacritics(text), text, language, lexical, allowed, 5)
        restored = restore_diacritics(text, [h.text for h in first])
        return self._search(restored, text, language, lexical, allowed, k)

    def _search(self, text, lexical_text, language, lexical, allowed, k: int) -> list[Hit]:
        """The ``k`` best passages: dense on ``text``, BM25 (``lexical``, the scores of
        ``lexical_text``) over every row, fused with the language's weight."""
        rows = self.store.rows
        qvec = self.encoder.encode_queries([text])[0]
        if language == ENGLISH:  # rank on names and numbers; keep the whole question's
            anchors = rows.lexical_scores(english_anchors(lexical_text))  # candidates too
            rows, lexical = self._candidates(qvec, lexical + anchors, allowed, k), anchors
        else:
            rows = self._candidates(qvec, lexical, allowed, k)
        dense = self._dense_scores(qvec, rows)
        fused = fuse(
            self._rank_dense(text, language, dense, rows),
            lexical[rows],
            self.weights.for_language(language),
        )
        order = spread(np.argsort(-fused, kind="stable"), self.store.rows.doc_ids(rows))
        return [self._hit(rows[i], fused[i], dense[i], lexical[rows[i]]) for i in order[:k]]

    def _rank_dense(self, text: str, language: str, dense: np.ndarray, rows) -> np.ndarray:
        """Cosines used for ranking. For English, mixed with the question embedded as a
        passage: across languages the two views of e5 err differently (XQuAD English R@1
        0.771 -> 0.781 at a quarter). ``Hit.dense`` stays the plain query cosine."""
        mix = self.weights.en_passage_mix
        if language != ENGLISH or not mix:
            return dense
        as_passage = self._dense_scores(self.encoder.encode_passages([text])[0], rows)
        return (1 - mix) * dense + mix * as_passage

    def _allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or not filters.active:
            return None
        return self.store.rows.select(
            date_from=filters.date_from,
            date_to=filters.date_to,
            sources=filters.sources,
            doc_ids=filters.doc_ids,
        )

    def _candidates(self, qvec, lexical, allowed, k: int) -> np.ndarray:
        n = max(self.candidates, k)
        if allowed is not None:
            # Filters can exclude most of the dense top-n, so score the allowed rows directly.
            top_dense = allowed[top_indices(self._dense_scores(qvec, allowed), n)]
            top_lex = allowed[top_indices(lexical[allowed], n)]
        else:
            top_dense, _ = self.store.rows.search(qvec, n)
            top_lex = top_indices(lexical, n)
        top_lex = top_lex[lexical[top_lex] > 0]
        return np.unique(np.concatenate([top_dense, top_lex]))

    def _dense_scores(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.store.rows.vectors(rows) @ qvec

    def _hit(self, row: int, score: float, dense: float, lexical: float) -> Hit:
        c = self.store.chunk(int(row))
        return Hit(
            doc_id=c.doc_id,
            chunk_id=c.chunk_id,
            text=c.text,
            score=float(score),
            title=c.title,
            date=c.date,
            start=c.start,
            end=c.end,
            source=c.source,
            dense=float(dense),
            lexical=float(lexical),
        )
