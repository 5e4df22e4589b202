"""Offset pagination with a total count, shared by every list endpoint."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_PAGE_SIZE = 200


class PageParams(BaseModel):
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=10_000_000)


class Page(BaseModel, Generic[T]):
    count: int
    offset: int
    limit: int
    items: list[T]


def paginate(queryset: QuerySet[Any], page: PageParams) -> dict[str, Any]:
    return {
        "count": queryset.count(),
        "offset": page.offset,
        "limit": page.limit,
        "items": list(queryset[page.offset : page.offset + page.limit]),
    }
