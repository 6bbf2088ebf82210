"""Putting the diacritics back into Vietnamese typed without them.

A syllable bigram model learned from Vietnamese text (the reader's training data; see
``scripts/build_diacritics.py``) picks, for each folded syllable, the spelling that fits
its neighbours best (Viterbi over the spellings seen for that folded form). Passages the
question will be read against (``context``) add their own spellings and word pairs with a
large weight, so names and terms come back as the articles write them, capitals included.

>>> m = DiacriticModel.train(["Hà Nội là thủ đô.", "Hà Nội có gì?"])
>>> m.restore("ha noi co gi?")
'hà nội có gì?'
>>> m.restore("thu do la gi?", context=["Thủ Đô Hà Nội"])
'Thủ Đô là gì?'
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.normalize import fold_text, normalize_text

FORMAT = "hoidap-diacritics/1"
SHIPPED = Path(__file__).with_name("data") / "diacritics"
_SYLLABLE = re.compile(r"[^\W\d_]+")
_START = "<s>"  # the bigram history of a question's first syllable


def syllables(text: str) -> list[str]:
    """Lowercase syllables of ``text``, in order (digits and punctuation split them).

    >>> syllables("Ông Ba, 45 tuổi.")
    ['ông', 'ba', 'tuổi']
    """
    return [w.lower() for w in _SYLLABLE.findall(normalize_text(text))]


@dataclass(frozen=True, kw_only=True)
class DiacriticModel:
    """Spellings per folded syllable and spelled-syllable pair counts.

    ``context_weight``: how many corpus occurrences one occurrence in the passages is
    worth; ``smoothing``: how far a pair never seen falls back on the spelling's own
    frequency (both fitted on ViQuAD dev, ``scripts/build_diacritics.py``)."""

    unigrams: dict[str, int]
    bigrams: dict[str, int]
    context_weight: float = 50.0
    smoothing: float = 4.0
    spellings: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)
    followers: Counter = field(default_factory=Counter, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.spellings:
            self.spellings.update(_by_fold(sorted(self.unigrams, key=lambda f: -self.unigrams[f])))
        if not self.followers:  # how many different syllables follow each one
            self.followers.update(pair.split(" ", 1)[0] for pair in self.bigrams)

    @functools.cached_property
    def total(self) -> int:
        return sum(self.unigrams.values())

    @classmethod
    def train(cls, texts: Iterable[str], min_count: int = 1, **params) -> DiacriticModel:
        """Count spellings and pairs over ``texts``; pairs seen fewer than ``min_count``
        times are dropped (they cost size and rarely decide anything)."""
        uni, bi, _ = _count(texts)
        bigrams = {k: v for k, v in bi.items() if v >= min_count}
        return cls(unigrams=dict(uni), bigrams=bigrams, **params)

    def restore(self, text: str, context: Sequence[str] = ()) -> str:
        """``text`` with diacritics chosen for its unmarked syllables; syllables already
        marked, digits and punctuation stay as typed."""
        text = normalize_text(text)
        words = list(_SYLLABLE.finditer(text))
        if not words:
            return text
        ctx = _Context.of(context)
        chosen = self._viterbi([w.group() for w in words], ctx)
        out, at = [], 0
        for w, form in zip(words, chosen, strict=True):
            out += [text[at : w.start()], _cased(w.group(), form, ctx)]
            at = w.end()
        return "".join(out) + text[at:]

    def _viterbi(self, typed: list[str], ctx: _Context) -> list[str]:
        # paths[form] = (score, spellings so far); the history is the last spelling.
        paths: dict[str, tuple[float, list[str]]] = {_START: (0.0, [])}
        for word in typed:
            options = self._options(word, ctx)
            paths = {
                form: max(
                    (score + self._logp(prev, form, ctx), [*seq, form])
                    for prev, (score, seq) in paths.items()
                )
                for form in options
            }
        return max(paths.values())[1]

    def _options(self, word: str, ctx: _Context) -> list[str]:
        low = word.lower()
        if fold_text(low) != low:  # typed with marks: keep them
            return [low]
        found = self.spellings.get(low, [])[:8] + ctx.spellings.get(low, [])
        return list(dict.fromkeys(found)) or [low]

    def _logp(self, prev: str, form: str, ctx: _Context) -> float:
        """log P(form | prev): pair counts interpolated with the spelling's own frequency,
        the more so the more different syllables follow ``prev`` (Witten-Bell)."""
        w = self.context_weight
        pair = self.bigrams.get(f"{prev} {form}", 0) + w * ctx.bigrams[f"{prev} {form}"]
        history = self.unigrams.get(prev, 0) + w * ctx.unigrams[prev]
        total = self.total + w * ctx.total
        own = (self.unigrams.get(form, 0) + w * ctx.unigrams[form] + 0.5) / (total + 0.5)
        backoff = self.smoothing * max(1, self.followers.get(prev, 0))
        return math.log((pair + backoff * own) / (history + backoff))

    def save(self, folder: Path, about: dict | None = None) -> None:
        """A folder: the counts (gzip JSON) and a manifest saying what they are (``about``:
        the training data, dev figures)."""
        folder.mkdir(parents=True, exist_ok=True)
        body = {"unigrams": self.unigrams, "bigrams": self.bigrams}
        with gzip.open(folder / "counts.json.gz", "wt", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False, sort_keys=True)
        params = {"context_weight": self.context_weight, "smoothing": self.smoothing}
        manifest = {"format": FORMAT, "params": params, "syllables": len(self.unigrams)}
        manifest.update(about or {})
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")

    @classmethod
    def load(cls, folder: Path = SHIPPED) -> DiacriticModel:
        """The model saved in ``folder``; refuses another format with what to do."""
        path = Path(folder) / "manifest.json"
        if not path.exists():
            raise FileNotFoundError(
                f"no diacritics model at {folder}: build one with scripts/build_diacritics.py"
            )
        manifest = json.loads(path.read_text("utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(
                f"{folder} holds a {manifest.get('format')!r} diacritics model; this hoidap "
                f"reads {FORMAT!r}: rebuild it with scripts/build_diacritics.py"
            )
        with gzip.open(Path(folder) / "counts.json.gz", "rt", encoding="utf-8") as fh:
            body = json.load(fh)
        return cls(unigrams=body["unigrams"], bigrams=body["bigrams"], **manifest["params"])


@dataclass(frozen=True, kw_only=True)
class _Context:
    """The passages' spellings, pairs, and how each spelling is capitalised there."""

    unigrams: Counter
    bigrams: Counter
    spellings: dict[str, list[str]]
    casing: dict[str, str]

    @functools.cached_property
    def total(self) -> int:
        return sum(self.unigrams.values())

    @classmethod
    def of(cls, passages: Sequence[str]) -> _Context:
        uni, bi, cased = _count(passages)
        casing = {s: c.most_common(1)[0][0] for s, c in cased.items()}
        return cls(unigrams=uni, bigrams=bi, spellings=_by_fold(uni), casing=casing)


def _count(texts: Iterable[str]) -> tuple[Counter, Counter, dict[str, Counter]]:
    """Spelled-syllable counts, pair counts (a text's first syllable after ``_START``) and
    how each spelling is written, capitals included."""
    uni: Counter = Counter()
    bi: Counter = Counter()
    cased: dict[str, Counter] = {}
    for text in texts:
        prev = _START
        uni[_START] += 1  # the history count of first syllables
        for m in _SYLLABLE.finditer(normalize_text(text)):
            s = m.group().lower()
            uni[s] += 1
            bi[f"{prev} {s}"] += 1
            cased.setdefault(s, Counter())[m.group()] += 1
            prev = s
    return uni, bi, cased


def _by_fold(forms: Iterable[str]) -> dict[str, list[str]]:
    """Spellings grouped by their folded form, in the order given."""
    groups: dict[str, list[str]] = {}
    for form in forms:
        groups.setdefault(fold_text(form), []).append(form)
    return groups


def _cased(typed: str, form: str, ctx: _Context) -> str:
    """``form`` capitalised as typed; typed all lowercase, as the passages write it."""
    if typed.isupper() and len(typed) > 1:
        return form.upper()
    if typed[:1].isupper():
        return form[:1].upper() + form[1:]
    return ctx.casing.get(form, form)


@functools.cache
def shipped_model() -> DiacriticModel:
    """The model shipped in ``corpus/data/diacritics``, loaded once per process."""
    return DiacriticModel.load(SHIPPED)


def restore_diacritics(text: str, context: Sequence[str] = ()) -> str:
    """``text`` with its diacritics restored by the shipped model (see ``DiacriticModel``).

    >>> restore_diacritics("Ha Noi la thu do cua nuoc nao?")
    'Hà Nội là thủ đô của nước nào?'
    """
    return shipped_model().restore(text, context)
