"""The question as every step sees it: analysed once, then handed to retrieval and reading.

``qa.retrieval.retriever.analyse`` makes one from what was typed (cleaned, its language
guessed, folded); ``qa.retrieval.history.standalone`` makes the one a follow-up stands for.
Components read these fields instead of normalizing or guessing the language again.

>>> q = Question(text="Ha Noi o dau?", language="vi-folded", folded="ha noi o dau?")
>>> q.language, q.follow_up
('vi-folded', False)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Question:
    """One analysed question; ``text`` is what is searched and read."""

    text: str  # normalized (corpus.normalize_text), one space between words
    language: str  # "vi", "vi-folded" or "en" (qa.retrieval.language)
    folded: str  # lowercase, without diacritics (corpus.normalize.fold_text)
    follow_up: bool = False  # rewritten from a follow-up and the conversation before it
