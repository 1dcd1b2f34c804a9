"""Which rows an extract holds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def select(
    rows_in: Iterable[dict[str, Any]], since: str | None = None, category: str | None = None
) -> Iterator[dict[str, Any]]:
    """Rows published on or after ``since`` (a date) and/or in ``category``."""
    for row in rows_in:
        if since and row["published_date"] < since:
            continue
        if category and category not in row["categories"]:
            continue
        yield row
