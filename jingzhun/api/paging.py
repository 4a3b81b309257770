"""Page-number paging: `{"items", "count", "page", "page_size"}`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from django.db.models import QuerySet
from ninja import Field, Schema

MAX_PAGE_SIZE = 200


class PageParams(Schema):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


def page_of(queryset: QuerySet, params: PageParams, present: Callable) -> dict:
    start = (params.page - 1) * params.page_size
    rows = queryset[start : start + params.page_size]
    return {
        "items": [present(row) for row in rows],
        "count": queryset.count(),
        "page": params.page,
        "page_size": params.page_size,
    }
