"""The ``article`` spider: one article by its URL (``scrapy crawl article -a url=URL``).

It fetches every page of a multi-page article, follows a redirect from an old slug, and runs
the same pipelines as the scheduled crawl. It neither reads nor changes the crawl state unless
``-a record=1``. Why it produced no item, if it did not, is in ``failure_reason``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from arrahmah.runs import RunContext
from arrahmah.spiders.arrahmah import ArticleCrawler


class ArticleSpider(ArticleCrawler):
    """Fetch one article of the site."""

    name = "article"
    custom_settings: ClassVar[dict[str, Any]] = {"AUTOTHROTTLE_ENABLED": False}  # one page

    def __init__(self, url: str | None = None, record: str = "0", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = (url or "").strip()
        self.record = record.lower() in ("1", "true", "yes")
        self.failure_reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticleSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler)
        if spider.record:
            extensions = crawler.settings.getdict("EXTENSIONS")
            extensions.setdefault("arrahmah.runs.RunRecorder", 500)
            crawler.settings.set("EXTENSIONS", extensions, "spider")
            spider.run_context = RunContext.open(crawler.settings, "fetch")
        return spider

    async def start(self) -> AsyncIterator[Any]:
        """The article's first page, if the URL is one of the site's."""
        if not self.url:
            self.failure_reason = "no URL given (-a url=URL)"
        elif self.site.path_of(self.url) is None:
            self.failure_reason = f"not a URL of {self.site.base_url}: {self.url}"
        if self.failure_reason:
            return
        request = self.article_request(self.url)
        yield request.replace(errback=self.fetch_failed)

    def parse_article(self, response: Response) -> Iterator[Any]:
        produced = False
        for result in super().parse_article(response):
            produced = True
            yield result
        if not produced and self.failure_reason is None:
            self.failure_reason = f"not an article (a listing, a WordPress Page…): {response.url}"

    def fetch_failed(self, failure: Failure) -> None:
        """Record why the article could not be fetched (404, refused, offsite redirect…)."""
        if failure.check(HttpError):
            status = failure.value.response.status  # type: ignore[union-attr]
            self.failure_reason = f"HTTP {status}: {failure.request.url}"  # type: ignore[attr-defined]
        else:
            self.failure_reason = f"fetch failed: {failure.getErrorMessage()}"
