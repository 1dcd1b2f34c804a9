"""One article from its saved pages, through the same parser and pipelines as a crawl.

Used by the tests, the benchmarks and ``arrahmah fetch --html`` to debug extraction offline.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.exceptions import DropItem

from arrahmah.items import Article, RawArticle, utc_now
from arrahmah.page import ArticlePage
from arrahmah.pipelines import (
    BoilerplatePipeline,
    IntegrityPipeline,
    TextPipeline,
    ValidationPipeline,
)


class NotAnArticle(ValueError):
    """The page is not a post of the site (a listing, a WordPress Page, an archive…)."""


class Extractor:
    """Page parser plus the cleaning pipelines, without a crawl around them."""

    def __init__(self) -> None:
        self.steps = [
            IntegrityPipeline(),
            BoilerplatePipeline(),
            TextPipeline(),
            ValidationPipeline(),
        ]

    def extract(self, pages: Sequence[tuple[str, str]], crawled_at: str | None = None) -> Article:
        """The clean `Article` of ``pages`` (``(url, html)`` of page 1, 2, … in order).

        Raises `NotAnArticle` for a page that is not a post and ``DropItem`` for an article that
        fails validation.
        """
        first_url, first_html = pages[0]
        first = ArticlePage.from_html(first_html, first_url)
        if not first.is_article():
            raise NotAnArticle(f"not an article: {first_url}")
        raw = first.to_raw(crawled_at or utc_now())
        for url, html in pages[1:]:
            raw.content.append(ArticlePage.from_html(html, url).content())
            raw.pages += 1
        return self.clean(raw)

    def clean(self, raw: RawArticle) -> Article:
        """``raw`` through the cleaning pipelines: the `Article` it becomes (or ``DropItem``)."""
        item: object = raw
        for step in self.steps:
            item = step.process_item(item)
        assert isinstance(item, Article)
        return item


__all__ = ["DropItem", "Extractor", "NotAnArticle"]
