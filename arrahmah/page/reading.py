"""Small readers every page reader uses: compiled queries, the fallback chain, clean text."""

from __future__ import annotations

from functools import cache
from typing import Any

from lxml import etree

from arrahmah.text import collapse


@cache
def xpath(query: str) -> etree.XPath:
    """``query`` compiled once: articles are the hot path and lxml recompiles string queries."""
    return etree.XPath(query)


def first(*values: Any) -> Any:
    """The first value that is neither None nor empty: the fallback chain of every field.

    A callable stands for a value that costs a query: it is called only when its turn comes.
    """
    for value in values:
        if callable(value):
            value = value()
        if value not in (None, "", [], {}):
            return value
    return None


def clean(text: str | None) -> str | None:
    """Collapse whitespace (Unicode spaces included); None for nothing."""
    if text is None:
        return None
    return collapse(text) or None


def image_src(img: Any) -> str | None:
    """The real source of an ``img`` (lxml or parsel), lazy-loading attributes first."""
    for attr in ("data-src", "data-lazy-src", "data-orig-file", "src"):
        value = img.attrib.get(attr)
        if value and not value.startswith("data:"):
            return value.strip()
    return None
