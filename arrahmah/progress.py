"""How far a run is, as a reader wants to see it: articles done of the total, rate, ETA.

`Progress` (an extension) logs one line every ``ARRAHMAH_PROGRESS_INTERVAL`` seconds::

    progress: 1,204 / 3,000 articles (40 %), 96.1 articles/s, ETA 0:00:18

The total comes from the spider (`expected_articles`: the REST index's ``X-WP-Total``, else the
sitemaps' count, else what the run has set out to fetch so far). On a terminal it also draws a
live bar (tqdm), with the crawl's log lines printed above it. An article is done when it is
exported, found unchanged, or lost (the run report says why).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from datetime import timedelta
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from arrahmah import losses

logger = logging.getLogger(__name__)


def progress_line(done: int, total: int | None, seconds: float) -> str:
    """``done / total articles (pct), rate, ETA`` (the parts it can tell)."""
    rate = done / seconds if seconds > 0 else 0.0
    if total:
        total = max(total, done)
        left = (total - done) / rate if rate else None
        eta = f", ETA {timedelta(seconds=round(left))}" if left is not None else ""
        return (
            f"{done:,} / {total:,} articles ({done * 100 // total} %), {rate:.1f} articles/s{eta}"
        )
    return f"{done:,} articles, {rate:.1f} articles/s"


class Progress:
    """Extension: a progress line every few seconds; a live bar when stderr is a terminal."""

    def __init__(self, crawler: Crawler, interval: float, bar: bool) -> None:
        self.crawler = crawler
        self.interval = interval
        self.want_bar = bar
        self.done = 0
        self.started = 0.0
        self._task: task.LoopingCall | None = None
        self._bar: Any = None
        self._redirect: contextlib.ExitStack | None = None
        crawler.signals.connect(self.engine_started, signals.engine_started)
        crawler.signals.connect(self.settled, signals.item_scraped)
        crawler.signals.connect(self.dropped, signals.item_dropped)
        crawler.signals.connect(self.settled, losses.article_lost)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("ARRAHMAH_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured
        bar = crawler.settings.getbool("ARRAHMAH_PROGRESS_BAR", True) and sys.stderr.isatty()
        return cls(crawler, interval, bar)

    def _total(self) -> int | None:
        expected = getattr(self.crawler.spider, "expected_articles", None)
        return expected() if callable(expected) else None

    def engine_started(self) -> None:
        self.started = time.monotonic()
        self._task = task.LoopingCall(self.log)
        self._task.start(self.interval, now=False)
        if self.want_bar:
            from tqdm import tqdm
            from tqdm.contrib.logging import logging_redirect_tqdm

            self._redirect = contextlib.ExitStack()
            self._redirect.enter_context(logging_redirect_tqdm())
            self._bar = tqdm(total=self._total(), unit="article", dynamic_ncols=True)

    def settled(self, *args: Any, **kwargs: Any) -> None:
        """An article is done (exported or unchanged, or lost)."""
        self.done += 1
        if self._bar is not None:
            total = self._total()
            if total and total != self._bar.total:
                self._bar.total = max(total, self.done)
            self._bar.update(1)

    def dropped(self, item: Any, response: Any, exception: Exception, spider: Spider) -> None:
        """A dropped article (a duplicate, or lost in the pipelines) is done too."""
        self.settled()

    def log(self) -> None:
        """One progress line."""
        line = progress_line(self.done, self._total(), time.monotonic() - self.started)
        logger.info("progress: %s", line)

    def spider_closed(self, spider: Spider) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        if self._bar is not None:
            self._bar.close()
        if self._redirect is not None:
            self._redirect.close()
