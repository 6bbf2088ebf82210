"""Answer questions over an index: condense, retrieve, select, generate, cite or refuse.

>>> from qa import Answerer                                  # doctest: +SKIP
>>> a = Answerer.load()                                      # doctest: +SKIP
>>> ans = a.ask("Hà Lan đã đầu tư bao nhiêu vào Hà Nội?")    # doctest: +SKIP
>>> ans.text, [c.title for c in ans.citations], ans.refused  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from qa.anchors import absent_places, unanchored
from qa.answer import MARKER, Answer, Delta, Timings, Turn, bare, final_answer, wordless
from qa.citations import cite
from qa.concise import trim_restatement
from qa.context import score_sentences, score_sentences_dense, select_context
from qa.echoes import echoes, gives_no_reason, quotes_title, says_nothing
from qa.gazetteer import quote_place_names, with_vietnamese_names
from qa.generator import GenerationStats, Generator
from qa.grounding import focus, grounding
from qa.history import standalone_query
from qa.hit import Filters, Hit
from qa.holders import holder, swapped_office
from qa.kinds import wrong_kind
from qa.language import ENGLISH, query_language
from qa.offices import other_envoy, place_for_person, wrong_office
from qa.prompt import load_template, render_prompt
from qa.quantities import quote_amounts
from qa.refusal import (
    Evidence,
    RefusalPolicy,
    is_refusal,
)
from qa.retriever import Retriever, clean_query
from qa.shorten import shorten
from qa.titles import deputy_title, head_title
from qa.unfit import invents, invents_name, unfit
from qa.written import as_written


class Answerer:
    """Retriever + generator; cheap to build, the models load on first use."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        k: int = 5,
        budget_chars: int = 1000,
        max_new_tokens: int = 96,
        policy: RefusalPolicy | None = None,
        template: str = "answer",
        self_check: bool = False,
        shorten: bool = True,
    ):
        self.retriever = retriever
        self.generator = generator
        self.k = k
        self.budget_chars = budget_chars
        self.max_new_tokens = max_new_tokens
        self.policy = policy or RefusalPolicy()
        self.template = load_template(template)
        self.self_check = self_check  # ask the check even when the policy ignores it
        self.shorten = shorten  # cut restating answers to their phrase (qa.shorten)

    @classmethod
    def load(
        cls, index_dir: str | Path | None = None, encoder=None, generator=None, **options
    ) -> Answerer:
        """The default index and models unless told otherwise (see ``Retriever.load``)."""
        from qa.generator import TransformersGenerator

        retriever = Retriever.load(index_dir, encoder)
        return cls(retriever, generator or TransformersGenerator(), **options)

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
        """``Delta`` text pieces as they are generated, then the final ``Answer``.

        Raises ``QueryError`` for an unusable question or history, before any work.
        """
        question = clean_query(question)
        query = standalone_query(question, history)
        language = query_language(question)
        t0 = time.perf_counter()
        hits = self.retriever.search(query, k=k or self.k, filters=filters)
        retrieve_ms = (time.perf_counter() - t0) * 1000
        passages = self._context(query, hits, language)
        if not passages or self.policy.gate(_evidence(query, hits, language)):
            yield from self._refuse(question, query, language, passages, t0, retrieve_ms)
            return
        raw, stats = [], None
        messages = render_prompt(self.template, query, passages, language)
        check = self.template.check if self.policy.min_check > 0 or self.self_check else None
        for piece in self.generator.stream(messages, self.max_new_tokens, check):
            if isinstance(piece, GenerationStats):
                stats = piece
            else:
                raw.append(piece)
                yield Delta(piece)
        yield self._finish(question, query, language, passages, hits, "".join(raw), stats,
                           lambda: _timings(retrieve_ms, stats, t0))  # fmt: skip

    def _context(self, query: str, hits: list[Hit], language: str) -> list[Hit]:
        if language == ENGLISH and hits:  # no shared words: pick sentences by meaning
            top, named = hits[:3], with_vietnamese_names(query)
            scored = score_sentences_dense(named, top, self.retriever.encoder)
            return select_context(query, top, self.budget_chars, scored=scored)
        return select_context(query, hits, self.budget_chars)

    def _finish(self, question, query, language, passages, hits, text, stats, clock) -> Answer:
        """The cited answer, or the refusal when the text refuses, invents, is doubted,
        stands apart from what the question names, or quotes a sentence that matches the
        question much worse than the best one shown.

        ``clock()`` gives the timings once the answer's last model call is done.
        """
        text = self._repair(query, language, passages, text)
        confidence = stats.mean_logprob if stats else None
        check_yes = stats.check_yes if stats else None
        grounded = grounding(query, text, passages) if language != ENGLISH else None
        scores = dict(confidence=confidence, check_yes=check_yes, grounding=grounded)

        def refuse(**more) -> Answer:  # the scores that decided it, for evaluation
            kept = {**scores, "check_yes": None, **more}
            return self._refusal(question, query, language, passages, clock(), **kept)

        if not self.policy.checks:
            return self._unchecked(question, query, language, passages, text, clock, scores)
        if (
            unfit(query, text, passages, language)
            or self.policy.doubt(confidence, check_yes)
            or self.policy.ungrounded(grounded, language)
        ):
            return refuse()
        answering = self._answering(query, language, passages, text)
        if answering is None:
            return refuse()
        text, said = answering
        text = holder(query, text, passages)  # the person given every office asked
        apart = self._apart(question, query, text, passages, hits)
        focused = _focus(query, text, said, passages) if language != ENGLISH else None
        if apart or self.policy.unfocused(focused, language):
            return refuse(focus=focused, unanchored=apart)
        return self._cited(question, query, language, passages, text, clock, scores, focused)

    def _cited(self, question, query, language, passages, text, clock, scores, focused=None):
        c, timings = cite(text, passages), clock()
        cited = tuple(passages[i] for i in c.cited)
        return Answer(question, query, c.text, cited, False, language, c.highlights,
                      tuple(passages), timings, focus=focused, **scores)  # fmt: skip

    def _unchecked(self, question, query, language, passages, text, clock, scores) -> Answer:
        """The answer cut, given to the holder of every office asked (qa.holders) and cited;
        refused only when the model refused or wrote nothing (``RefusalPolicy(checks=False)``)."""
        if is_refusal(text) or wordless(text):
            return self._refusal(question, query, language, passages, clock(), **scores)
        answering = self._answering(query, language, passages, text)
        text = holder(query, answering[0] if answering else trim_restatement(query, text), passages)
        return self._cited(question, query, language, passages, text, clock, scores)

    def _answering(self, query, language, passages, text) -> tuple[str, str] | None:
        """The answer cut to what it adds to the question (qa.concise, qa.shorten), and the
        model's own words it was cut from. An echo is asked again, not opening as the model
        first did, and so is a copy of a passage's headline. None when the answer says
        nothing (qa.echoes), or gives a why-question no reason (asked again, the model
        guessed another: ninth set t015)."""
        said, text = text, trim_restatement(query, text)
        titled = quotes_title(query, text, passages)  # tenth set u001
        if echoes(query, text) or titled:
            again = self._ask_again(query, language, passages, said)
            if again and not quotes_title(query, again, passages):
                text, said = again, again
            elif titled or says_nothing(query, text):
                return None
        if self.shorten:  # cut to the question's words, joined anew: still an echo
            text = shorten(self.generator, query, text)
            if echoes(query, text) and says_nothing(query, text):
                return None
        return None if gives_no_reason(query, text) else (text, said)

    def _repair(self, query: str, language: str, passages: list[Hit], text: str) -> str:
        """Numbers written the passage's way (``16`` for its ``1,6``: the checks that follow
        look for the answer in the passages), a counted number the passage's (qa.counted),
        English amounts followed by the passage's wording (qa.quantities); an answer that
        quotes a number no passage holds, or one counting something else (``invents``),
        asked again with its first token banned."""
        text = as_written(query, text, passages, language)
        if language == ENGLISH:
            text = quote_place_names(quote_amounts(text, passages), [p.text for p in passages])
        if text.strip() and not is_refusal(text) and invents(text, passages, query, language):
            text = self._ask_again(query, language, passages, text) or text
        return text

    def _apart(self, question, query, text, passages, hits) -> tuple[str, ...]:
        """What the question names that the answer does not stand beside or no article
        found names (a place: qa.anchors), a deputy for the office holder or the reverse
        (qa.titles), the other country's envoy (qa.holders, qa.offices), a place or the holder of
        another office (qa.offices), and the kind of fact the answer states when not the
        kind asked (qa.kinds)."""
        if not self.policy.anchors:
            return ()
        # A follow-up searched together with the question before it: only its own names.
        asked = question if query != question and query.endswith(question) else query
        titles = (
            deputy_title(asked, text, passages),
            head_title(asked, text, passages),
            swapped_office(asked, text, passages),
            other_envoy(asked, text, passages),
            place_for_person(asked, text),
        )
        if not any(titles):  # the deputy's or the head's title, said once
            titles = (wrong_office(asked, text, passages),)
        kind = wrong_kind(asked, text, [p.text for p in passages])
        return (
            *unanchored(asked, text, passages, hits),
            *absent_places(asked, hits),
            *(t for t in titles if t),
            *([kind] if kind else []),
        )

    def _ask_again(self, query: str, language: str, passages: list[Hit], echo: str) -> str | None:
        """A second answer that may not start like ``echo`` (only the question's words), its
        yes or no and numbers written the passage's way as in ``_repair``, or None when it
        also echoes, refuses or quotes a number no passage holds."""
        messages = render_prompt(self.template, query, passages, language)
        pieces = self.generator.stream(messages, self.max_new_tokens, avoid=MARKER.sub("", echo))
        text = trim_restatement(query, "".join(p for p in pieces if isinstance(p, str)))
        if wordless(text) or is_refusal(text) or echoes(query, text):
            return None
        if invents(text, passages, query, language) or invents_name(
            text, passages, query, language
        ):
            return None
        return as_written(query, text, passages, language)

    def _refusal(self, question, query, language, passages, timings, **scores) -> Answer:
        text = self.template.refusal(language)
        return Answer(question, query, text, (), True, language, (), tuple(passages), timings,
                      **scores)  # fmt: skip

    def _refuse(self, question, query, language, passages, t0, retrieve_ms):
        text = self.template.refusal(language)
        yield Delta(text)
        total = (time.perf_counter() - t0) * 1000
        timings = Timings(retrieve_ms=retrieve_ms, first_token_ms=total, total_ms=total)
        yield self._refusal(question, query, language, passages, timings)


def _focus(query: str, text: str, said: str, passages: list[Hit]) -> float | None:
    """qa.grounding.focus of the answer, or of the model's own words it was cut from when
    higher: cut to "Xúc tu", an answer is located in the first sentences holding those
    words, while "Các hóa thạch … thiếu xúc tu" came from the one it restates."""
    scores = [focus(query, text, passages)]
    if bare(text).lower() in said.lower() and said != text:
        scores.append(focus(query, said, passages))
    found = [f for f in scores if f is not None]
    return max(found) if found else None


def _evidence(query: str, hits: list[Hit], language: str) -> Evidence:
    if not hits:
        return Evidence(0.0, 0.0, language)
    support = max((s.score for s in score_sentences(query, hits[:3])), default=0.0)
    return Evidence(support, max(h.dense for h in hits), language)


def _timings(retrieve_ms: float, stats: GenerationStats | None, t0: float) -> Timings:
    total = (time.perf_counter() - t0) * 1000
    if stats is None:
        return Timings(retrieve_ms=retrieve_ms, total_ms=total)
    first = None if stats.first_token_ms is None else retrieve_ms + stats.first_token_ms
    return Timings(
        retrieve_ms, first, total, stats.prompt_tokens, stats.new_tokens,
        stats.prefill_tps, stats.decode_tps, stats.reused_tokens,
    )  # fmt: skip
