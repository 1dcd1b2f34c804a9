"""Discovery: how the scheduled crawl learns which articles to fetch.

A discovery source reads one kind of answer from the site and decides what it leads to: which
of its own pages to ask for next, which articles to fetch, what the run learnt. The ``arrahmah``
spider orchestrates them (start → index → walk → idle → report) and keeps the callbacks Scrapy
calls, each handing the response to its source (a paused run's queued requests name spider
methods, so a request's callback is always one):

* `rest_index`: the REST API's post index: exact times and links, how many posts there are;
* `feed`: the RSS feed, in the index's place on a site without the REST API;
* `changes`: what an incremental run fetches because of the index (new, edited, moved and
  returned posts), or without it the revisits of recent articles;
* `listings`: the home listing and the category archives;
* `sitemaps`: the XML sitemaps, a full walk's second discovery path;
* `gone`: the end-of-walk check of posts the site no longer lists.

A source is given a `Crawl` (the site, the run, the settings, where to count and log, how to
ask for an article) and the spider's callbacks for its own requests; it never reads the spider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from scrapy import Request

if TYPE_CHECKING:
    import logging

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import StatsCollector

    from arrahmah.ledger import RunLedger
    from arrahmah.runs import RunContext
    from arrahmah.site import Site
    from arrahmah.state import CrawlState


class ArticleRequest(Protocol):
    """The spider's request for an article's first page (``meta``: why it is asked for)."""

    def __call__(self, url: str, **meta: Any) -> Request: ...


@dataclass(frozen=True)
class Crawl:
    """What every discovery source is given: the site, this run, its settings, stats and log,
    and how to ask for an article."""

    crawler: Crawler
    site: Site
    context: RunContext
    logger: logging.LoggerAdapter[logging.Logger]
    article: ArticleRequest

    @property
    def stats(self) -> StatsCollector:
        """The crawl's stats (Scrapy makes them after the spider: read them when used)."""
        return self.crawler.stats

    @property
    def settings(self) -> Settings:
        return self.crawler.settings

    @property
    def mode(self) -> str:
        """``full`` or ``incremental``."""
        return self.context.run.mode

    @property
    def run_id(self) -> str:
        return self.context.run.run_id

    @property
    def state(self) -> CrawlState:
        return self.context.state

    @property
    def ledger(self) -> RunLedger:
        return self.context.ledger


class Source:
    """A discovery source: the `Crawl` it reads, and the spider's callback and errback for the
    requests it makes."""

    def __init__(
        self, crawl: Crawl, callback: Callable[..., Any], errback: Callable[..., Any]
    ) -> None:
        self.crawl = crawl
        self._callback, self._errback = callback, errback

    def _request(self, url: str, **kwargs: Any) -> Request:
        """A request for one of the source's own pages, answered to its callbacks."""
        return Request(url, callback=self._callback, errback=self._errback, **kwargs)
