"""Read passages, return the answer span: the ``Reader`` interface and the trained reader.

Every window of every passage is scored in one batch; the best span anywhere competes
with the "no answer" score (the ``<s>`` token's start+end logits, lowest over windows),
and their margin becomes a probability through the calibration stored in the reader's
manifest (``qa.reading.calibrate``).

>>> r = FakeReader({"Ai?": "Ông Ba"})
>>> reading = r.read("Ai?", ["Hôm qua Ông Ba đến."])
>>> reading.best.text, reading.best.start, reading.answered
('Ông Ba', 8, True)
>>> FakeReader({}).read("Ai?", ["x"]).answered
False
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from corpus.diacritics import restore_diacritics
from qa.reading.decode import Evidence, SpanAnswer, decode
from qa.reading.features import MAX_LEN, STRIDE, Window, windows
from qa.reading.probability import calibration_for, p_no_answer, p_right
from qa.reading.rerank import Rerank
from qa.records.question import Question
from qa.retrieval.language import ENGLISH, UNACCENTED, query_language

DEFAULT_THRESHOLD = 0.5
SHIPPED = Path(__file__).with_name("weights")


@dataclass(frozen=True, kw_only=True)
class Reading:
    """What the reader found: the best span (even when it would refuse), the calibrated
    probability that the passages hold no answer, the answer's confidence (probability
    that the span is right; ``qa.reading.probability``) and each passage's best span score."""

    best: SpanAnswer | None
    p_no_answer: float
    threshold: float = DEFAULT_THRESHOLD
    evidence: Evidence = Evidence()
    passage_scores: tuple[float, ...] = ()
    confidence: float | None = None

    @property
    def margin(self) -> float:
        """The best span's score minus the no-answer score."""
        return self.evidence.margin

    @property
    def answered(self) -> bool:
        return self.best is not None and self.p_no_answer <= self.threshold


@runtime_checkable
class Reader(Protocol):
    """What the ``Answerer`` needs of a reader: the answer span for ``question`` in
    ``passages`` (best first), or none. Build it cheaply; load models in ``warm_up()``.

    >>> isinstance(FakeReader({}), Reader), isinstance(TrainedReader(SHIPPED), Reader)
    (True, True)
    """

    def warm_up(self) -> None: ...

    def run(
        self, question: Question, passages: Sequence[str], prior: Sequence[float] | None = None
    ) -> Reading: ...


class FakeReader:
    """A reader for logic tests: answers with the first passage holding ``answers[q]``
    (span score 9 in every passage holding it, none elsewhere; with a ``prior``, the one
    where 9 + prior is highest); ``rerank`` as a trained reader's fitted re-ranking."""

    def __init__(
        self, answers: Mapping[str, str], p_no_answer: float = 0.1, rerank: Rerank | None = None
    ) -> None:
        self.answers, self.p, self.rerank = dict(answers), p_no_answer, rerank

    def warm_up(self) -> None:
        pass

    def run(self, question: Question, passages: Sequence[str], prior=None) -> Reading:
        return self.read(question.text, passages, prior)

    def read(self, question: str, passages: Sequence[str], prior=None) -> Reading:
        want = self.answers.get(question)
        at = [text.find(want) if want else -1 for text in passages]
        scores = tuple(9.0 if a >= 0 else -math.inf for a in at)
        bonus = list(prior) if prior is not None else [0.0] * len(passages)
        for i in sorted(range(len(at)), key=lambda i: (-(scores[i] + bonus[i]), i)):
            a = at[i]
            if a >= 0:
                best = SpanAnswer(passage=i, start=a, end=a + len(want), text=want, score=9.0)
                evidence = Evidence(margin=5.0)
                return Reading(
                    best=best,
                    p_no_answer=self.p,
                    evidence=evidence,
                    passage_scores=scores,
                    confidence=1.0 - self.p,
                )
        return Reading(best=None, p_no_answer=1.0, evidence=Evidence(margin=-5.0))


class TrainedReader:
    """The span reader from a reader folder (default: the one shipped in the package, or
    ``HOIDAP_READER``); the model loads on ``warm_up()`` or first use.

    >>> TrainedReader().folder.name  # doctest: +SKIP
    'weights'
    """

    def __init__(
        self,
        folder: str | Path | None = None,
        dtype: str = "auto",
        threshold: float | None = None,
        base: str | Path | None = None,
    ) -> None:
        spec = folder or os.environ.get("HOIDAP_READER", "").strip() or SHIPPED
        self.folder = resolve_reader(spec)
        self._dtype, self._base = dtype, base
        self._threshold = threshold
        self._model = self._tok = None
        self._manifest: dict = {}
        self._lock = threading.Lock()

    @property
    def manifest(self) -> dict:
        self.warm_up()
        return self._manifest

    @property
    def rerank(self) -> Rerank | None:
        """How this reader re-orders the passages it read (fitted; None: it does not)."""
        return Rerank.from_manifest(self.manifest)

    @property
    def threshold(self) -> float:
        """The refusal threshold for questions in Vietnamese (``threshold_for``: English)."""
        return self.threshold_for(Evidence())

    def threshold_for(self, evidence: Evidence) -> float:
        """The threshold of the calibration that reads ``evidence`` (the English one for an
        English question, where the manifest has one); a constructor value overrides it."""
        if self._threshold is not None:
            return self._threshold
        cal = calibration_for(evidence, self.manifest.get("calibration", {}))
        return float(cal.get("threshold", DEFAULT_THRESHOLD))

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        import torch
        from transformers import AutoTokenizer

        from embeddings.encoder import ensure_default_model
        from embeddings.modelspec import resolve_dtype
        from qa.reading import model as reader_model

        if not os.environ.get("OMP_NUM_THREADS"):
            torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
        base = self._base or ensure_default_model()
        dtype = resolve_dtype(self._dtype)
        self._model = reader_model.load(self.folder, base, dtype)
        self._manifest = reader_model.read_manifest(self.folder)
        self._tok = AutoTokenizer.from_pretrained(str(base))

    def run(
        self, question: Question, passages: Sequence[str], prior: Sequence[float] | None = None
    ) -> Reading:
        """The ``Reader`` seam: ``read`` of the question's text, in its analysed language."""
        return self.read(question.text, passages, prior, question.language)

    def read(
        self,
        question: str,
        passages: Sequence[str],
        prior: Sequence[float] | None = None,
        language: str | None = None,
    ) -> Reading:
        """The best span of ``passages`` for ``question``; ``prior[i]`` (retrieval's score
        of passage ``i`` times the fitted weight) joins the reader's when choosing it. A
        question in ``language`` (guessed if not given) ``vi-folded`` is read with diacritics
        restored, the passages lending their spellings: the model learned from marked text."""
        self.warm_up()
        language = language or query_language(question)
        if language == UNACCENTED:
            question = restore_diacritics(question, passages)
        hp = self._manifest.get("hyperparameters", {})
        wins = windows(
            self._tok,
            question,
            list(passages),
            max_len=hp.get("max_len", MAX_LEN),
            stride=hp.get("stride", STRIDE),
        )
        if not wins:
            return Reading(best=None, p_no_answer=1.0, threshold=self.threshold)
        starts, ends = self.logits(wins)
        got = decode(wins, starts, ends, passages, len(passages), prior)
        evidence = replace(got.evidence, english=float(language == ENGLISH))
        calibration = self._manifest.get("calibration", {})
        return Reading(
            best=got.best,
            p_no_answer=p_no_answer(evidence, calibration),
            confidence=p_right(evidence, calibration) if got.best is not None else None,
            threshold=self.threshold_for(evidence),
            evidence=evidence,
            passage_scores=got.per_passage,
        )

    def logits(self, wins: list[Window], batch: int = 32) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits, shape ``(len(wins), longest window)``, padding at -inf."""
        import torch

        width = max(w.length for w in wins)
        s_out = np.full((len(wins), width), -np.inf, np.float32)
        e_out = s_out.copy()
        with torch.inference_mode():
            for b in range(0, len(wins), batch):
                part = wins[b : b + batch]
                w = max(x.length for x in part)
                ids = torch.full((len(part), w), self._tok.pad_token_id, dtype=torch.long)
                mask = torch.zeros((len(part), w), dtype=torch.long)
                for r, x in enumerate(part):
                    ids[r, : x.length] = torch.tensor(x.input_ids)
                    mask[r, : x.length] = 1
                s, e = self._model(ids, mask)
                for r, x in enumerate(part):
                    s_out[b + r, : x.length] = s[r, : x.length].float().numpy()
                    e_out[b + r, : x.length] = e[r, : x.length].float().numpy()
        return s_out, e_out


def resolve_reader(spec: str | Path) -> Path:
    """A reader folder from a path, or from a hub id (downloaded when online)."""
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    if isinstance(spec, str) and "/" in spec and not spec.startswith((".", "/", "~")):
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(spec))
        except Exception as exc:  # offline, unknown id: say what to do
            raise FileNotFoundError(
                f"HOIDAP_READER={spec!r}: not a folder here and not downloadable ({exc}); "
                "name a reader folder or unset HOIDAP_READER"
            ) from exc
    raise FileNotFoundError(
        f"no reader folder at {path}; train one with `hoidap train-reader --out DIR` or "
        "unset HOIDAP_READER to use the shipped reader"
    )
