"""Reading, cleaning, normalizing and chunking articles."""

from corpus.article import Article, Chunk, ReadError, ReadReport
from corpus.normalize import fold_text, has_diacritics, normalize_text

__all__ = [
    "Article",
    "Chunk",
    "ReadError",
    "ReadReport",
    "fold_text",
    "has_diacritics",
    "normalize_text",
]
