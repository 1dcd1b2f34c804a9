"""The home listing and the category archives: the walk's first discovery path.

A full run follows every listing to its last page, and every category archive the site's own
menus and links name (each asked for once); an incremental run pages the home listing newest
first and stops at the first page holding an article known before this run (the sticky post
aside). What a listing page says is `arrahmah.page.ListingPage`'s; each article path is asked
for by the first path that finds it (the run's ledger keeps which).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from arrahmah import losses
from arrahmah.discovery import Crawl, Source
from arrahmah.page import ListingPage


class Listings(Source):
    """One run's walk of the listings."""

    def __init__(
        self, crawl: Crawl, callback: Callable[..., Any], errback: Callable[..., Any]
    ) -> None:
        super().__init__(crawl, callback, errback)
        self._given_up: Container[str] = frozenset()  # paths an incremental run skips
        self._categories_asked: set[str] = set()  # category archives this process asked for

    def start(self, given_up: Container[str]) -> Request:
        """The home listing, where the walk starts; ``given_up``: the paths earlier runs
        failed too often to fetch, which an incremental run no longer asks for."""
        self._given_up = given_up
        return self.request(self.crawl.site.url("/"))

    def request(self, url: str) -> Request:
        """A request for a listing page (home, category archive, one of their pages)."""
        return self._request(url)

    def parse(self, response: Response) -> Iterator[Request]:
        """Follow a listing's articles and pagination (full), or page until a known one."""
        stats, site = self.crawl.stats, self.crawl.site
        if not isinstance(response, TextResponse):
            stats.inc_value("arrahmah/skipped/not_html")
            return
        listing = ListingPage.from_html(response.body, response.url, response.encoding)
        stats.inc_value("arrahmah/listings")
        stats.inc_value("arrahmah/reached")
        links = [u for u in listing.article_links() if site.is_article_url(u)]
        paths = {u: site.path_of(site.article_first_page(u)) or "" for u in links}
        known = self.crawl.state.known_paths(paths.values())
        yield from self._articles(links, paths, known)
        if self.crawl.mode == "incremental":
            yield from self._next_until_known(listing, links, paths, known)
        else:
            yield from self._every_listing(listing)

    def _articles(
        self,
        links: list[str],
        paths: dict[str, str],
        known: dict[str, tuple[str | None, str | None]],
    ) -> Iterator[Request]:
        """The articles a listing links to that this run is to fetch."""
        incremental, this_run = self.crawl.mode == "incremental", self.crawl.run_id
        for url in links:
            if not self.crawl.ledger.find("listings", paths[url]):
                continue  # a listing or a sitemap found it before: asked for then, or not
            _, last_run = known.get(paths[url], (None, None))
            if paths[url] in known and (incremental or last_run == this_run):
                continue  # incremental: known already; full: exported before an interruption
            if incremental and paths[url] in self._given_up:
                continue
            yield self.crawl.article(url)

    def _next_until_known(
        self,
        listing: ListingPage,
        links: list[str],
        paths: dict[str, str],
        known: dict[str, tuple[str | None, str | None]],
    ) -> Iterator[Request]:
        """Incremental: the next page, unless this one holds an article known before this
        run (the sticky post heads page 1 forever, and what this run exported before a kill
        is no older news)."""
        sticky = set(listing.sticky_links())
        known_before = {p for p, (first, _) in known.items() if first != self.crawl.run_id}
        if not any(paths[u] in known_before for u in links if u not in sticky):
            next_page = listing.next_page()
            if next_page and self.crawl.site.is_listing_url(next_page):
                yield self.request(next_page)

    def _every_listing(self, listing: ListingPage) -> Iterator[Request]:
        """Full: the listing's other pages and every category archive it names."""
        site = self.crawl.site
        for url in listing.pagination_links():
            if site.is_listing_url(url):
                yield self.request(url)
        for url in listing.links():
            # every listing repeats the menus and sidebar: ask for each category once, rather
            # than build a request per link for the dupefilter to drop (3 per article)
            if site.is_category_url(url):
                url = url.split("#", 1)[0]
                if url not in self._categories_asked:
                    self._categories_asked.add(url)
                    yield self.request(url)

    def failed(self, failure: Failure) -> None:
        """A listing could not be read: the articles it would have led to are not lost for
        good (the sitemaps, the index and the next walk lead to them too)."""
        self.crawl.stats.inc_value("arrahmah/listings_failed")
        loss = losses.from_failure(failure.request.url, failure)  # type: ignore[attr-defined]
        self.crawl.logger.warning("listing %s unavailable: %s", loss.url, loss.detail)
        self.crawl.stats.set_value("arrahmah/first_error", loss.detail)
