"""One article from its pages, through the same parser and pipelines as a crawl, without one.

Used by ``arrahmah reextract`` (pages from the archive), ``arrahmah fetch --html`` (a saved
page), the tests and the benchmarks.
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

    def __init__(self, site_host: str | None = None) -> None:
        """``site_host``: the host the pages were fetched from, as a crawl's base URL gives it
        (links to it are the site's own)."""
        self.steps = [
            IntegrityPipeline(),
            BoilerplatePipeline(site_host=site_host),
            TextPipeline(),
            ValidationPipeline(),
        ]

    def extract(self, pages: Sequence[tuple[str, str]], crawled_at: str | None = None) -> Article:
        """The clean `Article` of ``pages`` (``(url, html)`` of page 1, 2, … in order).

        Raises `NotAnArticle` for a page that is not a post and ``DropItem`` for an article that
        is damaged or fails validation.
        """
        parsed = [ArticlePage.from_html(html, url) for url, html in pages]
        return self.clean(self.raw(parsed, crawled_at or utc_now()))

    def raw(self, pages: Sequence[ArticlePage], crawled_at: str) -> RawArticle:
        """The `RawArticle` of an article's parsed pages (page 1 first), as a crawl reads it;
        `NotAnArticle` when page 1 is not a post."""
        first = pages[0]
        if not first.is_article():
            raise NotAnArticle(f"not an article: {first.url}")
        raw = first.to_raw(crawled_at)
        for page in pages[1:]:
            page.add_to(raw)
        return raw

    def clean(self, raw: RawArticle) -> Article:
        """``raw`` through the cleaning pipelines; ``DropItem`` (`arrahmah.losses.LostItem`)
        when a page of it is damaged or it fails validation."""
        item: object = raw
        for step in self.steps:
            item = step.process_item(item)
        assert isinstance(item, Article)
        return item


__all__ = ["DropItem", "Extractor", "NotAnArticle"]
