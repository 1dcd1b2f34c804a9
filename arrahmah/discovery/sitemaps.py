"""The XML sitemaps: a full walk's second discovery path.

From the sitemap index (``ARRAHMAH_SITEMAP_PATH``, default ``/wp-sitemap.xml``) to every post
sitemap, and from there to every article a listing has not found first (what a sitemap says
is `arrahmah.feeds`'s). The run report compares the two paths (`report`): an article only one
of them found is a listing or a sitemap that misses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from arrahmah import feeds
from arrahmah.discovery import Source


class Sitemaps(Source):
    """One run's reading of the sitemaps."""

    def start(self) -> Request:
        """The sitemap index."""
        path = self.crawl.settings.get("ARRAHMAH_SITEMAP_PATH", "/wp-sitemap.xml")
        return self._request(self.crawl.site.url(path))

    def parse(self, response: Response) -> Iterator[Request]:
        """Every post sitemap a sitemap index names; every article a post sitemap lists that
        no listing found first, unless this run exported it already (before an interruption)."""
        site = self.crawl.site
        try:
            children, urls = feeds.parse_sitemap(response.body)
        except ValueError as exc:
            self.crawl.logger.warning("sitemap %s unreadable: %s", response.url, exc)
            return
        self.crawl.stats.inc_value("arrahmah/reached")
        for child in children:
            # WordPress Pages' sitemaps (wp-sitemap-posts-page-1.xml) list no articles
            if site.path_of(child) is not None and "-page-" not in child.rsplit("/", 1)[-1]:
                yield self._request(child)
        for url in urls:
            if not site.is_article_url(url):
                continue
            path = site.path_of(site.article_first_page(url)) or ""
            if not self.crawl.ledger.find("sitemaps", path):
                continue  # a listing found it first: asked for then, or not
            seen = self.crawl.state.by_path(path)
            if seen is None or seen.last_run != self.crawl.run_id:
                yield self.crawl.article(url)

    def failed(self, failure: Failure) -> None:
        """No sitemaps: the listings are the only discovery path."""
        self.crawl.stats.inc_value("arrahmah/sitemap/unavailable")
        self.crawl.logger.info("sitemap %s unavailable", failure.request.url)  # type: ignore[attr-defined]

    def found(self) -> int:
        """How many articles the sitemaps listed so far."""
        return self.crawl.ledger.found_count("sitemaps")

    def report(self) -> dict[str, Any]:
        """Articles found by one discovery path (listings, sitemaps) and not the other."""
        ledger = self.crawl.ledger
        sitemaps = ledger.found_count("sitemaps")
        return {
            "listings": ledger.found_count("listings"),
            "sitemaps": sitemaps,
            "only_in_listings": ledger.found_only("listings"),
            "only_in_sitemaps": ledger.found_only("sitemaps") if sitemaps else [],
        }
