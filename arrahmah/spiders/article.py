"""The ``article`` spider: one article by its URL (``scrapy crawl article -a url=URL``).

It fetches every page of a multi-page article, follows a redirect from an old slug, and runs
the same pipelines as the scheduled crawl. It neither reads nor changes the crawl state unless
``-a record=1``. Why it produced no item, if it did not, is in ``failure_reason``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from arrahmah import wpapi
from arrahmah.extract import Extractor
from arrahmah.items import RawArticle
from arrahmah.losses import Loss, LostItem
from arrahmah.runs import RunContext
from arrahmah.spiders.base import ArticleCrawler, with_recorder

_REASONS = {
    "gone": "no such article",
    "fetch_failed": "could not fetch",
    "not_article": "not an article (a listing, a WordPress Page…)",
    "not_html": "not an HTML page",
    "robots": "forbidden by the site's robots.txt",
    "too_large": "too large",
    "damaged": "the page came damaged",
    "invalid": "the page lacks a field every article has",
    "incomplete": "a page of the article failed",
    "redirect_loop": "redirects without end",
    "offsite_redirect": "redirects off the site",
    "parse_error": "reading the page failed (see the log)",
}


class ArticleSpider(ArticleCrawler):
    """Fetch one article of the site."""

    name = "article"
    read_rest_records = True  # the post's REST record gives the exact times the page does not
    run_context: RunContext

    def __init__(self, url: str | None = None, record: str = "0", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = (url or "").strip()
        self.record = record.lower() in ("1", "true", "yes")
        self.failure_reason: str | None = None
        self._rest_record: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticleSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler)
        if spider.record:
            with_recorder(crawler.settings)
            spider.run_context = RunContext.open(crawler.settings, "fetch")
        crawler.signals.connect(spider.item_dropped, signals.item_dropped)
        return spider

    def item_dropped(self, item: Any, response: Any, exception: Exception, spider: Spider) -> None:
        """A dropped article: why, for the user."""
        if isinstance(exception, LostItem):
            self.lose(exception.loss)
        elif self.failure_reason is None:
            self.failure_reason = f"dropped: {exception}"

    def closed(self, reason: str) -> None:
        """No article given: the crawl failed (exit status 1), and the reason is one line."""
        if self.crawler.stats.get_value("item_scraped_count", 0) == 0:
            self.failure_reason = self.failure_reason or "no article"
            self.crawler.stats.set_value("arrahmah/exit_status", 1)
            self.logger.warning("no article: %s", self.failure_reason)

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        """``scrapy parse URL`` picks this spider for any page: it reads one, records nothing."""
        return request.url.startswith(("http://", "https://"))

    def parse(self, response: Response) -> Iterator[Any]:
        """One article page as ``scrapy parse URL`` shows it: the clean item (the pipelines'
        cleaning steps run here, since ``scrapy parse`` runs none), or the next page's request.

        @site_url /2021/08/01/pashinyan-ekspansi-nato-ancam-stabilitas/
        @returns items 1 1
        @returns requests 0 0
        @scrapes url post_id title published_at author categories body related images
        """
        self.read_rest_records = False  # what the page alone says
        for result in self.parse_article(response):
            yield Extractor().clean(result) if isinstance(result, RawArticle) else result

    async def start(self) -> AsyncIterator[Any]:
        """The article's first page, if the URL is one of the site's."""
        if not self.url:
            self.failure_reason = "no URL given (-a url=URL)"
        elif self.site.path_of(self.url) is None:
            self.failure_reason = f"not a URL of {self.site.base_url}: {self.url}"
        if self.failure_reason:
            return
        yield self.article_request(self.url)

    def lose(self, loss: Loss) -> None:
        """Why the article is not given: the first loss is the one the user reads."""
        if self.failure_reason is None:
            self.failure_reason = _REASONS.get(loss.reason, loss.reason) + f": {loss.url}"
            if loss.detail:
                self.failure_reason += f" ({loss.detail})"
        super().lose(loss)

    def found_article(self, raw: RawArticle, rest_url: str | None) -> None:
        """Note the post's own REST record: it has the exact times the page does not show."""
        url = rest_url
        readable = url and self.site.path_of(url) and self.read_rest_records
        self._rest_record = url if readable else None

    def _next_page(self, raw: RawArticle, remaining: list[str]) -> Iterator[Any]:
        if remaining or not self._rest_record:
            yield from super()._next_page(raw, remaining)
            return
        url, self._rest_record = self._rest_record, None
        yield Request(
            url,
            callback=self.parse_rest_record,
            errback=self.rest_record_failed,
            cb_kwargs={"raw": raw},
            dont_filter=True,
        )

    def parse_rest_record(self, response: Response, raw: RawArticle) -> Iterator[Any]:
        """Exact publication and modification times from the post's REST record."""
        post = wpapi.parse_post(response.body, self.settings.get("ARRAHMAH_TIMEZONE"))
        if post is not None and post.post_id == raw.post_id:
            raw.published_at, raw.modified_at = post.published_at, post.modified_at
        yield from super()._next_page(raw, [])

    def rest_record_failed(self, failure: Failure) -> Iterator[Any]:
        """No REST record (the API is off): the article as its pages tell it."""
        yield from super()._next_page(failure.request.cb_kwargs["raw"], [])  # type: ignore[attr-defined]
