"""Answer questions over an index: retrieve, read the span, phrase it, cite it, or refuse.

The trained reader (``qa.reading``) picks the answer: a span of one retrieved passage,
verbatim, with a calibrated probability that the passages hold no answer. Above the
reader's threshold the answer is a refusal. Otherwise the span is the answer: shown alone
(``extractive``) or inside one short sentence the generator writes around it
(``qa.answering.phrase``), and cited with its exact offsets in the article.

>>> from qa import Answerer                                  # doctest: +SKIP
>>> a = Answerer.load()                                      # doctest: +SKIP
>>> ans = a.ask("Hà Lan đã đầu tư bao nhiêu vào Hà Nội?")    # doctest: +SKIP
>>> ans.span, ans.citations[0].title, ans.refused           # doctest: +SKIP
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from qa.answering.phrase import load_phrase_template, phrase_messages, phrased
from qa.answering.translate import to_vietnamese
from qa.generation.generator import GenerationStats, Generator
from qa.reading.reader import Reader, Reading
from qa.reading.rerank import rerank
from qa.records.answer import Answer, Delta, Span, Timings, Turn, final_answer
from qa.records.hit import ANSWER_MAX_K, Filters, Hit, check_k
from qa.retrieval.history import standalone
from qa.retrieval.language import ENGLISH
from qa.retrieval.retriever import HybridRetriever, Retriever, analyse

_ENDS = ".!?…"
_BREAK = re.compile(r"[.!?…]\s+|\n")
_END = re.compile(r"[.!?…](?=\s|$)|\n")


class Answerer:
    """Retriever + reader (+ generator for phrasing); cheap to build, models load on use.

    Each part is any object meeting its protocol (``qa.retrieval.retriever.Retriever``,
    ``qa.reading.reader.Reader``, ``qa.generation.generator.Generator``): ``warm_up()``
    and ``run()``. The question is analysed once (``analyse``: a ``Question``) and that
    record is what the retriever and the reader are given.
    """

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator | None = None,
        *,
        reader: Reader | None = None,
        k: int = 5,
        extractive: bool = False,
        max_new_tokens: int = 48,
    ):
        if reader is None:
            from qa.reading.reader import TrainedReader

            reader = TrainedReader()
        self.retriever = retriever
        self.generator = generator
        self.reader = reader
        self.k = check_k(k, ANSWER_MAX_K)
        self.extractive = extractive  # the span alone, no generator
        self.max_new_tokens = max_new_tokens
        self.template = load_phrase_template()
        self.template_en = load_phrase_template("phrase_en")  # English questions, English sentences

    @classmethod
    def load(
        cls, index_dir: str | Path | None = None, encoder=None, generator=None, **options
    ) -> Answerer:
        """The default index and models unless told otherwise (see ``HybridRetriever.load``)."""
        retriever = HybridRetriever.load(index_dir, encoder)
        if generator is None and not options.get("extractive"):
            from qa.generation.generator import TransformersGenerator

            generator = TransformersGenerator()
        return cls(retriever, generator, **options)

    def warm_up(self) -> None:
        """Load every part's models now rather than on the first question."""
        for part in (self.retriever, self.reader, self.generator):
            if part is not None:
                part.warm_up()

    def ask(
        self,
        question: str,
        history: Iterable[Turn | dict] | None = None,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        """The whole answer at once (see ``stream``)."""
        return final_answer(self.stream(question, history, k, filters))

    def stream(
        self,
        question: str,
        history: Iterable[Turn | dict] | None = None,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Iterator[Delta | Answer]:
        """``Delta`` pieces of the answer as it is decided, then the final ``Answer``. Every
        delta is part of the final text: nothing shown is taken back.

        Raises ``QueryError`` for an unusable question, history or ``k``, before any work.
        """
        q = analyse(question)  # the only place this question is cleaned and analysed
        k = self.k if k is None else check_k(k, ANSWER_MAX_K)  # k=0 is an error, not 'the default'
        query = standalone(q, history)
        # A follow-up searched together with the question before it is read as asked.
        asked = q if query.follow_up and query.text.endswith(q.text) else query
        t0 = time.perf_counter()
        phrase_for = asked.text  # an English question is answered in English
        if query.language == ENGLISH and self.generator is not None and not self.extractive:
            query = asked = to_vietnamese(self.generator, query)
        hits = self.retriever.run(query, k=k, filters=filters)
        t1 = time.perf_counter()
        # With a fitted re-ranking, retrieval's score joins the reader's in choosing the
        # span, and the passages read are shown in that order (the one answered from first).
        how = getattr(self.reader, "rerank", None)
        prior = [how.retrieval_weight * h.score for h in hits] if how else None
        texts = [h.text for h in hits]
        reading = self.reader.run(asked, texts, prior) if how else self.reader.run(asked, texts)
        t2 = time.perf_counter()
        clock = _Clock(t0, (t1 - t0) * 1000, (t2 - t1) * 1000)
        order = rerank(hits, reading.passage_scores, how)
        base = dict(question=q.text, query=query.text, language=q.language, passages=tuple(order))
        if not hits or not reading.answered:
            text = self.template.refusal(q.language == ENGLISH)
            yield Delta(text=text)
            yield _refusal(text, reading, clock.done(), base)
            return
        template = self.template_en if q.language == ENGLISH else self.template
        yield from self._answer(phrase_for, template, hits, reading, clock, base)

    def _answer(self, asked: str, template, hits: list[Hit], reading: Reading, clock, base: dict):
        best = reading.best
        hit = hits[best.passage]
        shown, stats = [], None
        if not self.extractive and self.generator is not None:
            sentence = _sentence(hit.text, best.start, best.end)
            messages = phrase_messages(template, asked, best.text, sentence)
            pieces = phrased(
                self.generator, messages, best.text, asked, self.max_new_tokens, template.label
            )
            for piece in _holding_end(pieces, best.text):
                if isinstance(piece, GenerationStats):
                    stats = piece
                    continue
                clock.first()
                shown.append(piece)
                yield Delta(text=piece)
        words = "".join(shown).strip() or best.text
        tail = " [1]." if shown else (best.text and " [1]")
        if not shown:
            clock.first()
            yield Delta(text=best.text + tail)
        else:
            yield Delta(text=tail)
        start, end = hit.start + best.start, hit.start + best.end
        highlight = Span(doc_id=hit.doc_id, start=start, end=end)
        yield Answer(
            text=words + tail,
            citations=(hit,),
            refused=False,
            highlights=(highlight,),
            timings=clock.done(stats),
            span=best.text,
            p_no_answer=reading.p_no_answer,
            confidence=reading.confidence,
            **base,
        )


class _Clock:
    """Where the time went: search, reading, first visible text, the whole answer."""

    def __init__(self, t0: float, retrieve_ms: float, read_ms: float) -> None:
        self.t0, self.retrieve_ms, self.read_ms = t0, retrieve_ms, read_ms
        self.first_ms: float | None = None

    def first(self) -> None:
        if self.first_ms is None:
            self.first_ms = (time.perf_counter() - self.t0) * 1000

    def done(self, stats: GenerationStats | None = None) -> Timings:
        total = (time.perf_counter() - self.t0) * 1000
        first = self.first_ms if self.first_ms is not None else total
        if stats is None:
            return Timings(
                retrieve_ms=self.retrieve_ms,
                first_token_ms=first,
                total_ms=total,
                read_ms=self.read_ms,
            )
        return Timings(
            retrieve_ms=self.retrieve_ms,
            first_token_ms=first,
            total_ms=total,
            prompt_tokens=stats.prompt_tokens,
            new_tokens=stats.new_tokens,
            prefill_tps=stats.prefill_tps,
            decode_tps=stats.decode_tps,
            reused_tokens=stats.reused_tokens,
            read_ms=self.read_ms,
        )


def _holding_end(pieces: Iterator, span: str = "") -> Iterator:
    """Text pieces with the sentence's final punctuation held back (the citation marker
    goes before it), stats passed through. What ends ``span`` is never held back: the
    answer quotes it whole.

    >>> list(_holding_end(["Đó là TP.", " HCM."])), list(_holding_end(["Ở Xã A."], "Xã A."))
    (['Đó là TP', '. HCM'], ['Ở Xã A.'])
    """
    held, said = "", ""
    for piece in pieces:
        if not isinstance(piece, str):
            yield piece
            continue
        held += piece
        keep = held.rstrip(_ENDS + " ")
        at = (said + held).find(span) if span else -1
        if at >= 0:
            keep = held[: max(len(keep), at + len(span) - len(said))]
        if keep:
            yield keep
            said += keep
        held = held[len(keep) :]


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` holding ``text[start:end]``.

    >>> _sentence("Một câu. Giá là 7.800 đồng. Hết.", 16, 21)
    'Giá là 7.800 đồng.'
    """
    left = 0
    for m in _BREAK.finditer(text, 0, start):
        left = m.end()
    m = _END.search(text, end)
    return text[left : m.end() if m else len(text)].strip()


def _refusal(text: str, reading: Reading, timings: Timings, base: dict) -> Answer:
    return Answer(
        text=text,
        citations=(),
        refused=True,
        timings=timings,
        span=None,
        p_no_answer=reading.p_no_answer,
        **base,
    )
