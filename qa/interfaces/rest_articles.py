"""The REST API's article routes: the list (whole, or in searched pages) and one article.

``GET /api/articles`` without parameters answers the whole list, as it always has; with any
of ``q``, ``offset``, ``limit`` it answers one ``ArticlePageOut``. Only the server imports
this module (it needs FastAPI).

>>> ArticlePageOut(q="", total=0, offset=0, limit=50, articles=[]).schema_version
1
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import FastAPI, HTTPException, Query, Response
from pydantic import BaseModel, Field

from qa.interfaces.listing import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, PageError
from qa.interfaces.rest_models import SCHEMA_VERSION
from qa.interfaces.service import Service


class ArticleOut(BaseModel):
    """One line of the article list (metadata only; the text is at /api/articles/{id})."""

    id: str
    title: str
    date: str | None = Field(description="YYYY-MM-DD, or null when unknown")
    source: str | None = Field(description="the outlet, or null when unknown")
    group: str = Field(description="the first id of its near-duplicate group (its own id if none)")
    chars: int = Field(description="length of the cleaned text")


class ArticlePageOut(BaseModel):
    """One page of the article list, oldest first: ``total`` articles match ``q``."""

    schema_version: int = Field(SCHEMA_VERSION, description="the version of this schema")
    q: str = Field(description="the search as applied (trimmed); empty: every article")
    total: int = Field(description="articles matching q (all of them when q is empty)")
    offset: int
    limit: int
    next_offset: int | None = Field(None, description="offset of the next page; null: last")
    articles: list[ArticleOut]


_Q = Query(
    None,
    description="every word must appear in the id, title or outlet (any case, diacritics "
    f"optional); at most {MAX_QUERY_CHARS} characters",
)
_OFFSET = Query(None, description="rows to skip (0 or more; default 0)")
_LIMIT = Query(None, description=f"rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})")


def add_article_routes(app: FastAPI, service: Service) -> None:
    @app.get(
        "/api/articles",
        summary="The indexed articles, oldest first: all, or a searched page",
        response_model=list[ArticleOut] | ArticlePageOut,
    )
    def articles(
        response: Response,
        q: str | None = _Q,
        offset: int | None = _OFFSET,
        limit: int | None = _LIMIT,
    ):
        if q is None and offset is None and limit is None:  # the original, unpaged answer
            rows = service.articles()
            response.headers["X-Total-Count"] = str(len(rows))
            return [asdict(row) for row in rows]
        page_limit = DEFAULT_LIMIT if limit is None else limit
        try:
            page = service.article_page(q or "", offset or 0, page_limit)
        except PageError as exc:
            raise HTTPException(400, str(exc)) from None
        response.headers["X-Total-Count"] = str(page.total)
        return ArticlePageOut(
            q=page.query,
            total=page.total,
            offset=page.offset,
            limit=page.limit,
            next_offset=page.next_offset,
            articles=[ArticleOut(**asdict(row)) for row in page.rows],
        )

    @app.get("/api/articles/{doc_id:path}", summary="One whole cleaned article")
    def article(doc_id: str) -> dict:
        try:
            a = service.article(doc_id)
        except KeyError:
            raise HTTPException(404, f"no article with id {doc_id!r}") from None
        # Not ``path``: where the server read the file from is none of the client's business.
        keys = ("id", "title", "date", "source", "url", "author", "text")
        return {key: getattr(a, key) for key in keys}
