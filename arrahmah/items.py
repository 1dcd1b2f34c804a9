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

from arrahmah import markup
from arrahmah.markup import Element


@dataclass
class RawArticle:
    """An article as its pages say it, before any cleaning.

    ``content`` holds the article's content element, one lxml tree per page, in page order;
    the pipelines clean it in place. Pickled (a request of a multi-page article in a JOBDIR
    queue), the trees travel as HTML. ``related`` and ``images`` start with what the parser
    found outside the content (the featured image) and are extended by the boilerplate rules.
    """

    url: str
    post_id: int | None
    title: str | None
    published_at: str | None
    modified_at: str | None
    author: str | None
    categories: list[str]
    tags: list[str]
    content: list[Element]
    images: list[dict[str, str | None]]
    comments_count: int | None
    pages: int
    crawled_at: str
    related: list[dict[str, str]] = field(default_factory=list)
    damage: list[str] = field(default_factory=list)  # why a page of it cannot be trusted
    repairs: list[str] = field(default_factory=list)  # what was mended to read it

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["content"] = [markup.to_html(root, with_tail=False) for root in self.content]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["content"] = [markup.parse_fragment(html)[0] for html in state["content"]]
        self.__dict__.update(state)


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
