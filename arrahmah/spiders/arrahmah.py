"""The ``arrahmah`` spider: walks the site's listings and emits every article once.

Order of work: read the REST API's post index (exact publication/modification times) when the
site serves it; then walk the home listing and every category archive found in the site's own
menus and links, each to its last page; fetch every article the listings link to, every page of
a multi-page article in order, and emit one `RawArticle` per post for the pipelines to clean.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from arrahmah import wpapi
from arrahmah.items import RawArticle, utc_now
from arrahmah.page import ArticlePage, ListingPage
from arrahmah.site import Site


class ArrahmahSpider(Spider):
    """Full crawl of the site: listings → articles → one item per post."""

    name = "arrahmah"

    site: Site
    post_meta: dict[int, wpapi.PostMeta]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Default output: JSONL under ARRAHMAH_DATA_DIR, unless -o/-O or FEEDS names one."""
        super().update_settings(settings)
        if not settings.getdict("FEEDS"):
            data_dir = str(settings.get("ARRAHMAH_DATA_DIR") or "data").rstrip("/")
            feed = {
                "format": settings.get("ARRAHMAH_FEED_FORMAT", "jsonlines"),
                "encoding": "utf-8",
            }
            settings.set("FEEDS", {f"{data_dir}/{cls.name}-%(time)s.jsonl": feed}, "spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArrahmahSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.site = Site.from_base_url(crawler.settings.get("ARRAHMAH_BASE_URL"))
        spider.allowed_domains = [spider.site.host]
        spider.post_meta = {}
        spider._rest_pages_pending = 0
        return spider

    # ---- start: the REST index first, then the listings -------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        """Ask for the REST post index; the listings start once it is read (or unavailable)."""
        if self.settings.getbool("ARRAHMAH_USE_REST_API", True):
            self._rest_pages_pending = 1
            yield self._rest_request(1)
        else:
            for request in self.listing_seeds():
                yield request

    def listing_seeds(self) -> Iterator[Request]:
        """The home listing: categories are found from its menus and links."""
        yield Request(self.site.url("/"), callback=self.parse_listing)

    def _rest_request(self, page: int) -> Request:
        return Request(
            self.site.rest_posts_url(page),
            callback=self.parse_rest_index,
            errback=self.rest_index_failed,
            cb_kwargs={"page": page},
            priority=100,
        )

    def parse_rest_index(self, response: Response, page: int) -> Iterator[Request]:
        """Keep every post's exact times; ask for the other index pages; then start listings."""
        try:
            posts = wpapi.parse_posts(response.body)
        except ValueError as exc:
            self.logger.info("REST API index page %d unreadable (%s): page dates only", page, exc)
            self.crawler.stats.inc_value("arrahmah/rest/unreadable")
            posts = []
        for post in posts:
            self.post_meta[post.post_id] = post
        self.crawler.stats.inc_value("arrahmah/rest/pages")
        if page == 1 and posts:
            total = wpapi.total_pages(response.headers.get("X-WP-TotalPages"))
            self._rest_pages_pending += total - 1
            for n in range(2, total + 1):
                yield self._rest_request(n)
        yield from self._rest_page_done()

    def rest_index_failed(self, failure: Failure) -> Iterator[Request]:
        """The REST API does not answer: go on with the dates the pages show."""
        self.logger.info(
            "REST API unavailable (%s): exact times unknown", failure.getErrorMessage()
        )
        self.crawler.stats.inc_value("arrahmah/rest/unavailable")
        yield from self._rest_page_done()

    def _rest_page_done(self) -> Iterator[Request]:
        self._rest_pages_pending -= 1
        if self._rest_pages_pending == 0:
            self.crawler.stats.set_value("arrahmah/rest/posts", len(self.post_meta))
            yield from self.listing_seeds()

    # ---- listings ----------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Follow the listing's articles, its pagination, and every category archive it names."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("arrahmah/skipped/not_html")
            return
        listing = ListingPage(response.selector, response.url)
        self.crawler.stats.inc_value("arrahmah/listings")
        for url in listing.article_links():
            if self.site.is_article_url(url):
                yield Request(self.site.article_first_page(url), callback=self.parse_article)
        for url in listing.pagination_links():
            if self.site.is_listing_url(url):
                yield Request(url, callback=self.parse_listing)
        for url in listing.links():
            if self.site.is_category_url(url):
                yield Request(url.split("#", 1)[0], callback=self.parse_listing)

    # ---- articles ----------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        """Read page 1 of an article; fetch its other pages in order; emit it once complete."""
        page = self._article_page(response)
        if page is None:
            return
        if page.page_number() > 1:
            yield Request(self.site.article_first_page(response.url), callback=self.parse_article)
            return
        raw = page.to_raw(crawled_at=utc_now())
        meta = self.post_meta.get(raw.post_id) if raw.post_id is not None else None
        if meta is not None:
            raw.published_at = meta.published_at
            raw.modified_at = meta.modified_at
        first = self.site.article_first_page(response.url)
        rest = [u for u in page.page_links() if u.rstrip("/") != first.rstrip("/")]
        yield from self._next_page(raw, rest)

    def parse_article_page(
        self, response: Response, raw: RawArticle, remaining: list[str]
    ) -> Iterator[Any]:
        """Append a later page's content to ``raw``; go on with the next page or emit."""
        page = self._article_page(response)
        if page is None:
            self.crawler.stats.inc_value("arrahmah/dropped/incomplete_multipage")
            self.logger.error("dropped %s: page %s is not part of it", raw.url, response.url)
            return
        raw.content_html.append(page.content_html())
        raw.pages += 1
        yield from self._next_page(raw, remaining)

    def article_page_failed(self, failure: Failure) -> None:
        """A later page of a multi-page article failed for good: the article is not emitted."""
        raw = failure.request.cb_kwargs.get("raw")  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("arrahmah/dropped/incomplete_multipage")
        self.logger.error(
            "dropped %s: page %s failed (%s)",
            getattr(raw, "url", "?"),
            failure.request.url,  # type: ignore[attr-defined]
            failure.getErrorMessage(),
        )

    def _next_page(self, raw: RawArticle, remaining: list[str]) -> Iterator[Any]:
        if remaining:
            yield Request(
                remaining[0],
                callback=self.parse_article_page,
                errback=self.article_page_failed,
                cb_kwargs={"raw": raw, "remaining": remaining[1:]},
                priority=10,  # finish an article before starting new ones
            )
        else:
            if raw.pages > 1:
                self.crawler.stats.inc_value("arrahmah/articles/multipage")
            yield raw

    def _article_page(self, response: Response) -> ArticlePage | None:
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("arrahmah/skipped/not_html")
            return None
        page = ArticlePage(response.selector, response.url)
        if not page.is_article():
            self.crawler.stats.inc_value("arrahmah/skipped/not_article")
            self.logger.debug("not an article: %s", response.url)
            return None
        return page
