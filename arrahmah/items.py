"""Typed items: what the page parser reads (`RawArticle`) and what the dataset holds (`Article`).

Both are dataclasses, read and written through ``itemadapter.ItemAdapter``. The JSON Schema of an
exported `Article` lives beside this module in ``article.schema.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any


@dataclass
class RawArticle:
    """An article as its pages say it, before any cleaning.

    ``content_html`` holds the HTML of the article's content element, one string per page, in
    page order. ``related`` and ``images`` start with what the parser found outside the content
    (the featured image) and are extended by the boilerplate rules.
    """

    url: str
    post_id: int | None
    title: str | None
    published_at: str | None
    modified_at: str | None
    author: str | None
    categories: list[str]
    tags: list[str]
    content_html: list[str]
    images: list[dict[str, str | None]]
    comments_count: int | None
    pages: int
    crawled_at: str
    related: list[dict[str, str]] = field(default_factory=list)
    # The content after `BoilerplatePipeline`, one lxml tree per page, for `TextPipeline`.
    # Lives only inside the item pipelines (never pickled into a request or exported).
    content_trees: list[Any] | None = field(default=None, repr=False, compare=False)


@dataclass
class Article:
    """One clean article: a row of the dataset (see the README's "Dataset fields")."""

    url: str
    post_id: int
    title: str
    published_at: str
    modified_at: str | None
    author: str | None
    categories: list[str]
    tags: list[str]
    dateline: str | None
    body: str
    related: list[dict[str, str]]
    images: list[dict[str, str | None]]
    comments_count: int
    pages: int
    language: str
    word_count: int
    content_hash: str
    crawled_at: str
    version: int = 1
    former_urls: list[str] = field(default_factory=list)


def utc_now() -> str:
    """The current time in UTC, ISO 8601 to the second: what ``crawled_at`` holds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))


@cache
def article_schema() -> dict[str, Any]:
    """The JSON Schema every exported article satisfies."""
    text = resources.files(__package__).joinpath("article.schema.json").read_text("utf-8")
    return json.loads(text)
