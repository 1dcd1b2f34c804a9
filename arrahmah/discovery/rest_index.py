"""The REST API's post index, read first: every post's exact times and current link.

Reads ``/wp-json/wp/v2/posts`` page by page (what a page says is `arrahmah.wpapi`'s) into the
run's post index, and decides which pages to ask for:

* the query: the best way the site answered before (``recent``: newest modifications first,
  for an incremental run; ``lean``: only the fields the crawl reads; ``plain``: WordPress's
  default), falling back to the next way when page 1 does not answer, and remembered in the
  state (a site that answers only the default query, or none, is asked that alone);
* how far: ``recent`` stops at the first page holding a modification the state knows; the
  other queries read every page, and then the index lists every published post (`complete`);
* when to read it all: when the site counts fewer posts (``X-WP-Total``) than the state knows
  plus the new ones, some post went, and only the whole index says which.

It also decides which exact times an earlier run, the index being down, did not have
(`time_fixes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from arrahmah import wpapi
from arrahmah.discovery import Crawl, Source
from arrahmah.runs import TimesFix
from arrahmah.state import CrawlState
from arrahmah.times import exact_published
from arrahmah.wpapi import PostMeta


class RestIndex(Source):
    """One run's reading of the REST index."""

    def __init__(
        self,
        crawl: Crawl,
        posts: MutableMapping[int, PostMeta],
        callback: Callable[..., Any],
        errback: Callable[..., Any],
    ) -> None:
        super().__init__(crawl, callback, errback)
        self.posts = posts
        self.pending = 0  # pages asked for and not answered yet
        self.complete = False  # the index listed every published post
        self.unavailable = False  # it answered none of the ways: the feed stands in for it
        self.total: int | None = None  # X-WP-Total: posts the site publishes
        self._queries: list[str] = []  # ways to ask still to try, the one asked now first
        self._known_until: str | None = None  # the latest modification the state knows
        self._answered_before: str | None = None  # which query the last run got through

    @property
    def done(self) -> bool:
        """Every page asked for has answered: the walk may start."""
        return self.pending == 0 and not self.unavailable

    def start(self) -> Request:
        """Page 1, asked the best way worth a request."""
        state = self.crawl.state
        # after an outage, articles exported with date-only times get their exact times from
        # the whole index (read once); otherwise an incremental run reads what changed
        recent = self.crawl.mode == "incremental" and not state.inexact_count()
        self._answered_before = state.fact("rest_query")
        if self._answered_before in ("plain", "none"):
            self._queries = ["plain"]
        else:
            self._queries = ["recent" if recent else "lean", "plain"]
        self._known_until = state.last_modified()
        self.pending = 1
        return self._page(1)

    def _page(self, page: int) -> Request:
        return self._request(
            self.crawl.site.rest_posts_url(page, wpapi.QUERIES[self._queries[0]]),
            cb_kwargs={"page": page},
            priority=100,
            dont_filter=True,  # read again when a paused run resumes: times live in memory
        )

    def parse(self, response: Response, page: int) -> Iterator[Request]:
        """Keep every post's exact times and link; ask for the pages still needed."""
        stats = self.crawl.stats
        try:
            posts = wpapi.parse_posts(response.body, self.crawl.settings.get("ARRAHMAH_TIMEZONE"))
        except ValueError as exc:
            self.crawl.logger.info("REST index page %d unreadable (%s)", page, exc)
            stats.inc_value("arrahmah/rest/unreadable")
            yield from self._page_lost(page)
            return
        for post in posts:
            self.posts[post.post_id] = post
        stats.inc_value("arrahmah/rest/pages")
        stats.inc_value("arrahmah/reached")
        if page == 1:
            # after an outage, the better queries deserve another try next run
            came_back = self._answered_before == "none"
            self.crawl.state.learn("rest_query", "" if came_back else self._queries[0])
        total = wpapi.total_pages(response.headers.get("X-WP-TotalPages"))
        if page == 1:
            self.total = wpapi.total_posts(response.headers.get("X-WP-Total"))
        if self._queries[0] == "recent":
            # newest modifications first: read on only while every post is newer than the last
            # modification the state knows (without one, to the end)
            self.complete = False  # the run sees what changed, not what went
            known = self._known_until
            if page < total and posts and not (known and wpapi.modified_before(posts, known)):
                self.pending += 1
                yield self._page(page + 1)
        elif page == 1:
            self.pending += total - 1
            for n in range(2, total + 1):
                yield self._page(n)
            self.complete = bool(posts)
        yield from self._page_done()

    def failed(self, failure: Failure) -> Iterator[Request]:
        """The index does not answer this way (or at all): another query, or none."""
        page = failure.request.cb_kwargs.get("page", 1)  # type: ignore[attr-defined]
        self.crawl.logger.info(
            "REST index page %s unavailable (%s)", page, failure.getErrorMessage()
        )
        self.crawl.stats.inc_value("arrahmah/rest/unavailable")
        yield from self._page_lost(page)

    def _page_lost(self, page: int) -> Iterator[Request]:
        if page == 1 and len(self._queries) > 1:
            self._queries.pop(0)  # ask the next way
            yield self._page(1)
        elif page == 1:
            self.crawl.state.learn("rest_query", "none")
            self.unavailable = True
        else:
            self.complete = False
            yield from self._page_done()

    def _page_done(self) -> Iterator[Request]:
        self.pending -= 1
        if self.pending == 0 and self._some_post_went():
            # the site counts fewer posts than the state knows plus the new ones: read the
            # whole index once, to learn which went
            self.crawl.logger.info(
                "the REST index counts fewer posts than known: reading all of it"
            )
            self._queries = ["lean", "plain"]
            self.pending = 1
            yield self._page(1)

    def _some_post_went(self) -> bool:
        """After reading the recently modified posts: does the site's post count say that some
        post the state knows is no longer published? (0 requests when none went.)"""
        if self.complete or not self._queries or self._queries[0] != "recent":
            return False
        if self.total is None:
            return False
        return self.total < self.crawl.state.live_count(also=self.posts)


def time_fixes(state: CrawlState, posts: MutableMapping[int, PostMeta]) -> list[TimesFix]:
    """Exact times, from the index, for articles earlier runs exported with date-only ones
    (the index was down): the pages need not be fetched again, and the article's version
    does not change (a reader reads the same)."""
    if not posts:
        return []
    fixes = []
    for known in state.inexact():
        meta = posts.get(known.post_id)
        if meta is None or not known.published_at:
            continue
        if meta.published_at[:10] != known.published_at[:10]:
            continue  # not what the page said: the next fetch decides
        published = exact_published(known.published_at, meta.published_at)
        modified = known.modified_at
        if modified is None and meta.modified_at and known.last_run:
            exported = datetime.strptime(known.last_run[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            if datetime.fromisoformat(meta.modified_at) <= exported:
                modified = meta.modified_at  # the version exported holds that modification
        if (published, modified) != (known.published_at, known.modified_at):
            fixes.append(TimesFix(known.post_id, meta.link, published, modified))
    return fixes
