"""What both spiders share: an article fetched page by page into one `RawArticle`.

`ArticleCrawler` reads an article's first page, fetches its later pages in order and emits it
once, with the exact times the run knows (`arrahmah.times`); every article the run wanted and
will not export is a loss with its reason (`arrahmah.losses`), redirects off the site and
redirect loops included; it keeps the run's retry bookkeeping (what earlier runs failed to
fetch, and what they gave up on). `with_recorder` puts the run recorder in a crawl.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from twisted.python.failure import Failure

from arrahmah import losses
from arrahmah.items import RawArticle, utc_now
from arrahmah.losses import Loss
from arrahmah.middlewares import source_of
from arrahmah.page import ArticlePage, Unreadable, read_article_page
from arrahmah.prepare import Prepared
from arrahmah.site import Site
from arrahmah.times import ExactTimes
from arrahmah.worker import PageWorker, WorkerGone


def with_recorder(settings: BaseSettings) -> None:
    """Add the run recorder to ``EXTENSIONS``, whatever else ``-s EXTENSIONS=…`` names.

    Above the command line's priority: Scrapy applies the process's settings to a crawler
    again when it starts it, which would take the recorder out of a ``-s EXTENSIONS``.
    """
    extensions = settings.getdict("EXTENSIONS")
    extensions.setdefault("arrahmah.recorder.RunRecorder", 500)
    settings.set("EXTENSIONS", extensions, SETTINGS_PRIORITIES["cmdline"] + 1)


def _one_line(record: logging.LogRecord) -> bool:
    """A logging filter: the record without its traceback."""
    record.exc_info = None
    record.exc_text = None
    return True


def _html_type(response: Response) -> str | None:
    """The Content-Type of a response Scrapy read as text (None: none given); `Unreadable`
    for any other response."""
    kind = (response.headers.get("Content-Type") or b"").decode("latin-1")
    if not isinstance(response, TextResponse):
        raise Unreadable("not_html", kind or "no Content-Type")
    return kind or None


class ArticleCrawler(Spider):
    """What every spider of the site shares: reading articles, page by page, into one item."""

    site: Site
    times: ExactTimes  # what the REST index (or the feed) said about each post
    worker: PageWorker | None = None  # reads and cleans first pages in a process of its own

    def _setup(self, crawler: Crawler) -> None:
        # robots.txt that cannot be fetched is a line in the log, not a traceback
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_one_line)
        if not crawler.settings.getbool("ARRAHMAH_LOG_SETUP"):
            for name in ("scrapy.middleware", "scrapy.crawler", "scrapy.addons"):
                logging.getLogger(name).setLevel(logging.WARNING)  # lists of components
        self.site = Site.from_base_url(crawler.settings.get("ARRAHMAH_BASE_URL"))
        self.allowed_domains = [self.site.host]
        self.times = ExactTimes()
        self._asked = 0  # article requests made (some dropped as duplicates)
        self._retrying: set[str] = set()  # paths earlier runs failed to fetch
        self._given_up: set[str] = set()  # paths failed too often: incremental runs skip them
        crawler.signals.connect(self.request_scheduled, signals.request_scheduled)
        crawler.signals.connect(self.request_dropped, signals.request_dropped)
        crawler.signals.connect(self.spider_error, signals.spider_error)

    def article_request(self, url: str, **meta: Any) -> Request:
        """A request for page 1 of the article at ``url`` (a retry when an earlier run
        failed to fetch it)."""
        first = self.site.article_first_page(url)
        if self.site.path_of(first) in self._retrying:
            meta["reason"] = "retry"
        self._asked += 1
        return Request(
            first,
            callback=self.parse_article if self._reading_here() else self.parse_article_aside,
            errback=self.article_failed,
            meta=meta,
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Read page 1 of an article; fetch its other pages in order; emit it once complete."""
        self._wanted(response.request)
        self.crawler.stats.inc_value("arrahmah/reached")
        yield from self._read_article(response)

    async def parse_article_aside(self, response: Response) -> AsyncIterator[Any]:
        """`parse_article`, the page read and cleaned by the page worker (`arrahmah.worker`)
        while the crawl goes on; an article in several pages is read here, as before."""
        self._wanted(response.request)
        self.crawler.stats.inc_value("arrahmah/reached")
        try:
            kind = _html_type(response)
        except Unreadable as exc:
            self.lose(Loss(response.url, exc.reason, exc.detail))
            return
        try:
            if self.worker is None:  # a request of a run resumed with the worker off
                raise WorkerGone("no page worker")
            done: Prepared = await self.worker.call(
                "prepare", response.body, response.url, kind, utc_now()
            )
        except WorkerGone:  # read here, as every page is from now on
            if self.worker is not None:
                self.crawler.stats.set_value("arrahmah/worker/gone", 1)
            for result in self._read_article(response):
                yield result
            return
        self.crawler.stats.inc_value("arrahmah/worker/pages")
        if done.unreadable is not None:
            self.lose(Loss(response.url, *done.unreadable))
        elif done.later_page:
            yield self.article_request(response.url)
        elif done.multipage:
            for result in self._read_article(response):
                yield result
        elif done.raw is not None:
            self._first_page_read(done.raw, done.rest_url, response)
            yield done.raw

    def _reading_here(self) -> bool:
        """Whether article pages are read in this process (no page worker, or it died)."""
        return self.worker is None or self.worker.gone is not None

    def _read_article(self, response: Response) -> Iterator[Any]:
        page = self._article_page(response)
        if page is None:
            return
        if page.page_number() > 1:
            yield self.article_request(response.url)
            return
        raw = page.to_raw(crawled_at=utc_now())
        self._first_page_read(raw, page.rest_url(), response)
        first = self.site.article_first_page(response.url)
        rest = [u for u in page.page_links() if u.rstrip("/") != first.rstrip("/")]
        yield from self._next_page(raw, rest)

    def _first_page_read(self, raw: RawArticle, rest_url: str | None, response: Response) -> None:
        """What follows the reading of an article's first page, wherever it was read: where
        it is archived, the hook, the exact times the run knows."""
        raw.sources = source_of(response)
        self.found_article(raw, rest_url)
        self.times.apply(raw, self.site.path_of(raw.url))

    def found_article(self, raw: RawArticle, rest_url: str | None) -> None:
        """Hook: an article's first page was read (``rest_url``: its post's REST record)."""

    def _wanted(self, request: Request | None) -> None:
        """Count an article the run set out to export (a retry of an earlier run's is not:
        failing again, it makes the run partial, not failed)."""
        if request is None or request.meta.get("reason") != "retry":
            self.crawler.stats.inc_value("arrahmah/articles/wanted")

    def _redirect_chain(self, request: Request) -> list[str]:
        """The URLs an article request was redirected from (none for other requests)."""
        if request.errback not in (self.article_failed, self.article_page_failed):
            return []
        return list(request.meta.get("redirect_urls") or [])

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        """An article request redirected off the site: Scrapy drops it without an error."""
        chain = self._redirect_chain(request)
        if chain and urlsplit(request.url).hostname != self.site.host:
            self.lose(Loss(chain[0], "offsite_redirect", f"redirects to {request.url}"))

    def request_dropped(self, request: Request, spider: Spider) -> None:
        """An article request redirected back to where its chain began, dropped as a
        duplicate. (A redirect to an article this run already has, an old slug's, is no
        loss.)"""
        chain = self._redirect_chain(request)
        if chain and request.url in chain:
            self.lose(Loss(chain[0], "redirect_loop", " → ".join([*chain, request.url])))

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        """Reading an article's page raised (the traceback is in Scrapy's log): a loss of the
        run, which a later run reads again, not a silent gap."""
        request = response.request
        if request is None or spider is not self:
            return
        if request.errback == self.article_failed:
            url = response.url
        elif request.errback == self.article_page_failed:
            url = request.cb_kwargs["raw"].url
        else:
            return
        detail = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"[:200]
        self.lose(Loss(url, "parse_error", detail))

    def lose(self, loss: Loss) -> None:
        """An article the run wanted will not be exported: say so (the run report lists it,
        the next run fetches it again if asking again may help)."""
        log = self.logger.info if loss.terminal else self.logger.warning
        log("not exported: %s (%s: %s)", loss.url, loss.reason, loss.detail)
        self.crawler.signals.send_catch_log(losses.article_lost, loss=loss)

    def article_failed(self, failure: Failure) -> None:
        """An article could not be fetched (after retries, or refused): a loss of the run."""
        self._wanted(failure.request)  # type: ignore[attr-defined]
        self.lose(losses.from_failure(failure.request.url, failure))  # type: ignore[attr-defined]

    def parse_article_page(
        self, response: Response, raw: RawArticle, remaining: list[str]
    ) -> Iterator[Any]:
        """Append a later page's content to ``raw``; go on with the next page or emit."""
        page = self._article_page(response, lose=False)
        if page is None:
            self.lose(Loss(raw.url, "incomplete", f"page {response.url} is not part of it"))
            return
        page.add_to(raw)
        raw.sources.extend(source_of(response))
        yield from self._next_page(raw, remaining)

    def article_page_failed(self, failure: Failure) -> Iterator[Any]:
        """A later page of a multi-page article failed for good.

        404/410: the site no longer has that page; the article is emitted with the pages it
        has (``pages`` counts them). Anything else (5xx, timeouts after retries): the article
        is not emitted now, and the next run fetches it again.
        """
        request = failure.request  # type: ignore[attr-defined]
        raw: RawArticle = request.cb_kwargs["raw"]
        page_loss = losses.from_failure(request.url, failure)
        if page_loss.reason == "gone":
            self.crawler.stats.inc_value("arrahmah/articles/missing_pages")
            self.logger.warning("%s: page %s is gone; emitted without it", raw.url, request.url)
            yield from self._next_page(raw, request.cb_kwargs["remaining"])
            return
        detail = f"page {request.url}: {page_loss.reason}: {page_loss.detail}"
        self.lose(Loss(raw.url, "incomplete", detail))

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

    def _article_page(self, response: Response, lose: bool = True) -> ArticlePage | None:
        """The article page ``response`` holds; None (a loss, unless not ``lose``) for a page
        that is not HTML or not an article."""
        try:
            return read_article_page(response.body, response.url, _html_type(response))
        except Unreadable as exc:
            if lose:
                self.lose(Loss(response.url, exc.reason, exc.detail))
            return None
