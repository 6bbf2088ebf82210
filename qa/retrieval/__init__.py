"""Finding passages: the hybrid dense + BM25 retriever, its fusion, query language,
follow-up questions made standalone, and where indexes live.
"""
