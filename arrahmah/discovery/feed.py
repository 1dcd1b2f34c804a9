"""The RSS feed, read in the REST index's place on a site without the REST API.

``/feed/`` gives the exact publication time of the newest posts (what an entry says is
`arrahmah.feeds`'s); other articles keep the date their page shows. An incremental run asks
with ``If-Modified-Since`` the feed's ``Last-Modified`` of the last finished run: a 304 says
nothing was published or edited since, and no recent article needs a revisit (`unchanged`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, MutableMapping
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from arrahmah import feeds
from arrahmah.discovery import Crawl, Source

FEED_MODIFIED = "feed_last_modified"  # the state's fact: the feed's Last-Modified, last run


class Feed(Source):
    """One run's reading of the RSS feed."""

    def __init__(
        self,
        crawl: Crawl,
        times: MutableMapping[str, str],
        callback: Callable[..., Any],
        errback: Callable[..., Any],
    ) -> None:
        super().__init__(crawl, callback, errback)
        self.times = times  # path -> exact publication time
        self.unchanged = False  # it answered 304: nothing published or edited since last run
        self._last_modified: str | None = None  # its Last-Modified: the latest publication or edit

    def request(self) -> Request:
        """The feed; an incremental run's is conditional on the last finished run's feed."""
        since = self.crawl.state.fact(FEED_MODIFIED) if self.crawl.mode == "incremental" else None
        return self._request(
            self.crawl.site.url("/feed/"),
            priority=100,
            dont_filter=True,
            headers={"If-Modified-Since": since} if since else None,
            meta={"handle_httpstatus_list": [304]},
        )

    def parse(self, response: Response) -> None:
        """Exact publication times of the newest posts, from the feed's ``pubDate``."""
        stats = self.crawl.stats
        if response.status == 304:
            self.crawl.logger.info("the feed is unchanged since the last run: no revisits")
            self.unchanged = True
            stats.inc_value("arrahmah/reached")
            return
        modified = response.headers.get("Last-Modified")
        self._last_modified = modified.decode("latin-1") if modified else None
        try:
            entries = feeds.parse_rss(response.body, self.crawl.settings.get("ARRAHMAH_TIMEZONE"))
        except ValueError as exc:
            self.crawl.logger.info("RSS feed unreadable (%s)", exc)
            entries = []
        for entry in entries:
            path = self.crawl.site.path_of(entry.link)
            if path:
                self.times[path] = entry.published_at
        stats.set_value("arrahmah/feed/entries", len(entries))
        if entries:
            stats.inc_value("arrahmah/reached")

    def failed(self, failure: Failure) -> None:
        """No feed either: the articles keep their pages' dates."""
        self.crawl.logger.info("RSS feed unavailable (%s)", failure.getErrorMessage())

    def remember(self) -> None:
        """The walk finished and revisited what was due: later runs ask the feed since now."""
        if not self._last_modified:
            return
        try:
            self.crawl.state.learn(FEED_MODIFIED, self._last_modified)
        except sqlite3.Error as exc:  # the next run then reads the feed whole: no harm
            self.crawl.logger.warning("could not keep the feed's Last-Modified: %s", exc)
