"""Reading, cleaning, normalizing and chunking articles."""

from corpus.article import Article, Chunk, ReadError, ReadReport
from corpus.clean import CleanPage, clean_page
from corpus.normalize import fold_text, has_diacritics, normalize_text
from corpus.readers import ArticleStream, ReadFailure, read_file, read_paths

__all__ = [
    "Article",
    "ArticleStream",
    "Chunk",
    "CleanPage",
    "ReadError",
    "ReadFailure",
    "ReadReport",
    "clean_page",
    "fold_text",
    "has_diacritics",
    "normalize_text",
    "read_file",
    "read_paths",
]
