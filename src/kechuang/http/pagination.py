"""Pagination of every list: `limit`/`offset` in, `items`, `total` and `links` out."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from annotated_types import Interval
from fastapi import Query, Request
from pydantic import BaseModel

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000
# An offset that pages take as a plain query parameter (the API lists use page_params).
Offset = Annotated[int, Interval(ge=0, le=MAX_OFFSET)]


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(  # async: pure, so no hop to the thread pool on every list
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="Items to skip"),
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


class Links(BaseModel):
    self: str
    next: str | None
    prev: str | None


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total and the links to its neighbours."""

    items: list[T]
    total: int
    limit: int
    offset: int
    links: Links


def _link(request: Request, offset: int, limit: int) -> str:
    return str(request.url.include_query_params(offset=offset, limit=limit).path) + (
        "?" + request.url.include_query_params(offset=offset, limit=limit).query
    )


def page(request: Request, items: list[T], total: int, params: PageParams) -> Page[T]:
    nxt = params.offset + params.limit
    return Page[T](
        items=items,
        total=total,
        limit=params.limit,
        offset=params.offset,
        links=Links(
            self=_link(request, params.offset, params.limit),
            next=_link(request, nxt, params.limit) if nxt < total else None,
            prev=_link(request, max(0, params.offset - params.limit), params.limit)
            if params.offset > 0
            else None,
        ),
    )
