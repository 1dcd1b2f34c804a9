"""The ``arrahmah`` spider: the scheduled crawl of the whole site.

Each crawl is a run (see `arrahmah.runs`). Its mode (``-a mode=full|incremental``, default: full
until a full run has finished, incremental after) decides what it fetches:

* **full**: the home listing and every category archive found in the site's own menus, each to
  its last page, and the XML sitemaps as a second discovery path; every article they link to.
  The run report lists articles one path found and the other did not.
* **incremental**: the home listing, newest first, up to the first page that holds an article
  the state knows (the sticky post aside); only unknown articles are fetched. Edited and moved
  posts come from the REST API's post index; when the site does not serve it, articles
  published in the last ``ARRAHMAH_REVISIT_DAYS`` days are fetched again instead.

In both modes the REST index (or, without it, the RSS feed) is read first, for exact
publication times; posts the state knows that the index no longer lists are checked, and
marked gone when they answer 404/410. Multi-page articles are fetched page by page and emitted
once. Every article is a `RawArticle` for the pipelines to clean.

Each way of finding articles is a source in `arrahmah.discovery`; this spider orchestrates them
(index, then walk, then the gone check at idle, then the report) and keeps the callbacks Scrapy
calls, each handing the response to its source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Container, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from arrahmah.discovery import Crawl
from arrahmah.discovery.changes import changes
from arrahmah.discovery.feed import Feed
from arrahmah.discovery.gone import GoneCheck
from arrahmah.discovery.listings import Listings
from arrahmah.discovery.rest_index import RestIndex, time_fixes
from arrahmah.discovery.sitemaps import Sitemaps
from arrahmah.items import RawArticle
from arrahmah.ledger import IdSet
from arrahmah.losses import Loss
from arrahmah.runs import RunContext, times_corrected
from arrahmah.spiders.base import ArticleCrawler, with_recorder
from arrahmah.worker import PageWorker


class ArrahmahSpider(ArticleCrawler):
    """The scheduled crawl: a full walk, or only what is new or changed since the last run."""

    name = "arrahmah"
    run_context: RunContext
    mode: str
    _fetched_ids: IdSet  # posts whose first page this run read
    _crawl: Crawl  # what every discovery source is given
    rest_index: RestIndex
    feed: Feed
    listings: Listings
    sitemaps: Sitemaps
    gone: GoneCheck

    def __init__(self, mode: str = "auto", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requested_mode = mode
        self._gone_checked = False

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        with_recorder(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArrahmahSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler)
        spider.run_context = RunContext.open(crawler.settings, spider.requested_mode)
        spider.mode = spider.run_context.run.mode
        # the REST index and the posts read live in the run's ledger, on disk: a dict and a
        # set of them grew by a kilobyte per article (arrahmah/ledger.py)
        spider.times.posts = spider.run_context.ledger.posts
        spider._fetched_ids = spider.run_context.ledger.fetched
        crawl = spider._crawl = Crawl(
            crawler, spider.site, spider.run_context, spider.logger, spider.article_request
        )
        spider.rest_index = RestIndex(
            crawl, spider.times.posts, spider.parse_rest_index, spider.rest_index_failed
        )
        spider.feed = Feed(crawl, spider.times.feed, spider.parse_feed, spider.index_failed)
        spider.listings = Listings(crawl, spider.parse_listing, spider.listing_failed)
        spider.sitemaps = Sitemaps(crawl, spider.parse_sitemap, spider.sitemap_failed)
        spider.gone = GoneCheck(crawl, spider.parse_gone_check, spider.gone_check_failed)
        if not crawler.settings.get("JOBDIR"):
            crawler.settings.set("JOBDIR", str(spider.run_context.prepare_job_dir()), "spider")
        crawler.signals.connect(spider.spider_idle, signals.spider_idle)
        if crawler.settings.getbool("ARRAHMAH_PAGE_WORKER"):
            spider.worker = PageWorker(spider.site.host)
            crawler.signals.connect(spider.worker_closed, signals.spider_closed)
        spider.logger.info(
            "run %s: %s mode%s",
            spider.run_context.run.run_id,
            spider.mode,
            " (resumed)" if spider.run_context.run.resumed else "",
        )
        return spider

    # ---- start: the post index first ---------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        """Read the REST post index (or the RSS feed without it); the walk starts after it."""
        if self.settings.getbool("ARRAHMAH_USE_REST_API", True):
            yield self.rest_index.start()
        else:
            yield self.feed.request()

    def parse_rest_index(self, response: Response, page: int) -> Iterator[Request]:
        """A page of the REST index (`arrahmah.discovery.rest_index`)."""
        yield from self.rest_index.parse(response, page)
        yield from self._rest_index_answered()

    def rest_index_failed(self, failure: Failure) -> Iterator[Request]:
        """A page of the REST index did not answer (`arrahmah.discovery.rest_index`)."""
        yield from self.rest_index.failed(failure)
        yield from self._rest_index_answered()

    def _rest_index_answered(self) -> Iterator[Request]:
        if self.rest_index.unavailable:
            yield self.feed.request()  # no index: the feed stands in for it
        elif self.rest_index.done:
            yield from self._index_read()

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """The RSS feed (`arrahmah.discovery.feed`); the walk starts after it."""
        self.feed.parse(response)
        yield from self._index_read()

    def index_failed(self, failure: Failure) -> Iterator[Request]:
        """Neither REST index nor feed: page dates only."""
        self.feed.failed(failure)
        yield from self._index_read()

    def _index_read(self) -> Iterator[Request]:
        """The index (or the feed) is read: correct what it corrects, then walk."""
        self.crawler.stats.set_value("arrahmah/rest/posts", len(self.times.posts))
        self.correct_times()
        yield from self.walk()

    def correct_times(self) -> None:
        """Exact times, from the index, for articles earlier runs exported with date-only
        ones; the run recorder keeps the corrections."""
        fixes = time_fixes(self.run_context.state, self.times.posts)
        if fixes:
            self.logger.info("exact times for %d articles exported with date-only ones", len(fixes))
            self.crawler.signals.send_catch_log(times_corrected, fixes=fixes)

    # ---- the walk ---------------------------------------------------------------------------
    def walk(self) -> Iterator[Request]:
        """What the run fetches once the index is read."""
        state, runs = self.run_context.state, self.settings.getint("ARRAHMAH_RETRY_RUNS", 3)
        for path, reason in state.give_up(runs):  # failed too often: reported, not retried
            self.lose(Loss(self.site.url(path), "given_up", f"after {runs} runs: {reason}"))
        self._retrying = set(state.pending())
        self._given_up = state.given_up_paths()
        yield self.listings.start(self._given_up)
        if self.mode == "full":
            yield self.sitemaps.start()
        yield from changes(self._crawl, self.times.posts, self._given_up, self.feed.unchanged)
        for path in sorted(self._retrying):  # what earlier runs failed to fetch
            self.crawler.stats.inc_value("arrahmah/articles/retried")
            yield self.article_request(self.site.url(path), reason="retry")

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """A listing page (`arrahmah.discovery.listings`)."""
        yield from self.listings.parse(response)

    def listing_failed(self, failure: Failure) -> None:
        """A listing page did not answer (`arrahmah.discovery.listings`)."""
        self.listings.failed(failure)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """A sitemap (`arrahmah.discovery.sitemaps`)."""
        yield from self.sitemaps.parse(response)

    def sitemap_failed(self, failure: Failure) -> None:
        """A sitemap did not answer (`arrahmah.discovery.sitemaps`)."""
        self.sitemaps.failed(failure)

    def found_article(self, raw: RawArticle, rest_url: str | None) -> None:
        if raw.post_id is not None:
            self._fetched_ids.add(raw.post_id)

    # ---- gone posts ---------------------------------------------------------------------------
    def spider_idle(self, spider: Spider) -> None:
        """At the end of the walk, check the posts the site no longer lists: gone or not."""
        if self._gone_checked or spider is not self:
            return
        self._gone_checked = True
        listed = self._listed()
        if listed is None:
            return
        checks = 0
        for request in self.gone.requests(listed):  # streamed: the state is never held whole
            checks += 1
            self.crawler.engine.crawl(request)
        if checks:
            raise DontCloseSpider

    def _listed(self) -> Container[int] | None:
        """The posts a complete listing of the site showed (the whole REST index, or a full
        walk's articles); None when the run has none."""
        if self.times.posts and self.rest_index.complete:
            return self.times.posts
        if self.mode == "full":
            return self._fetched_ids
        return None

    def parse_gone_check(self, response: Response, post_id: int) -> Iterator[Any]:
        """A gone check answered (`arrahmah.discovery.gone`): an article page is read again."""
        if not self.gone.gone(response, post_id):
            yield from self.parse_article(response)

    def gone_check_failed(self, failure: Failure) -> None:
        """A gone check failed (`arrahmah.discovery.gone`)."""
        self.gone.failed(failure)

    async def worker_closed(self) -> None:
        """The run is over: the page worker stops."""
        if self.worker is not None:
            await self.worker.close()

    def closed(self, reason: str) -> None:
        """A walk that finished revisited what was due: later runs ask the feed since then."""
        if reason == "finished":
            self.feed.remember()

    # ---- report -------------------------------------------------------------------------------
    def expected_articles(self) -> int | None:
        """How many articles this run will have done, as far as it can tell yet: the REST
        index's post count or the sitemaps' in a full walk; what it asked for so far else."""
        if self.mode == "full":
            return self.rest_index.total or self.sitemaps.found() or None
        return self._asked or None

    def discovery_report(self) -> dict[str, Any]:
        """Full mode: articles found by one discovery path and not the other."""
        return self.sitemaps.report() if self.mode == "full" else {}
