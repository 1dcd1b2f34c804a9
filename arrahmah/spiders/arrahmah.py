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
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Container, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from arrahmah import feeds, losses, wpapi
from arrahmah.items import RawArticle
from arrahmah.ledger import IdSet
from arrahmah.losses import Loss
from arrahmah.page import ArticlePage, ListingPage
from arrahmah.runs import RunContext, TimesFix, times_corrected
from arrahmah.spiders.base import ArticleCrawler, with_recorder
from arrahmah.times import exact_published

__all__ = ["GONE_STATUSES", "ArrahmahSpider", "ArticleCrawler", "with_recorder"]

GONE_STATUSES = losses.GONE_STATUSES
FEED_MODIFIED = "feed_last_modified"  # the state's fact: the feed's Last-Modified, last run


class ArrahmahSpider(ArticleCrawler):
    """The scheduled crawl: a full walk, or only what is new or changed since the last run."""

    name = "arrahmah"
    run_context: RunContext
    mode: str
    _fetched_ids: IdSet  # posts whose first page this run read

    def __init__(self, mode: str = "auto", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requested_mode = mode
        self._index_pending = 0  # index requests (REST pages, feed) not answered yet
        self._index_complete = False  # the REST index listed every published post
        self._rest_queries: list[str] = []  # ways to ask the REST index still to try
        self._known_until: str | None = None  # the latest modification the state knows
        self._rest_total: int | None = None  # X-WP-Total: posts the site publishes
        self._rest_answered_before: str | None = None  # which query the last run got through
        self._gone_checked = False
        self._categories_asked: set[str] = set()  # category archives this process asked for
        # without the REST API: the feed's Last-Modified (the site's latest publication or
        # edit); a feed unchanged since the last finished run means no revisit is needed
        self._feed_modified: str | None = None
        self._site_unchanged = False

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
        if not crawler.settings.get("JOBDIR"):
            crawler.settings.set("JOBDIR", str(spider.run_context.prepare_job_dir()), "spider")
        crawler.signals.connect(spider.spider_idle, signals.spider_idle)
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
        self._index_pending = 1
        if self.settings.getbool("ARRAHMAH_USE_REST_API", True):
            self._rest_queries = self._index_queries()
            self._known_until = self.run_context.state.last_modified()
            yield self._rest_request(1)
        else:
            yield self._feed_request()

    def _index_queries(self) -> list[str]:
        """The ways to ask for the REST index, best first; what answered last time decides
        whether the better ways are worth a request (a site that answers only the default
        query, or none, is asked that one alone)."""
        state = self.run_context.state
        # after an outage, articles exported with date-only times get their exact times from
        # the whole index (read once); otherwise an incremental run reads what changed
        recent = self.mode == "incremental" and not state.inexact_count()
        best = "recent" if recent else "lean"
        self._rest_answered_before = state.fact("rest_query")
        if self._rest_answered_before in ("plain", "none"):
            return ["plain"]
        return [best, "plain"]

    def _rest_request(self, page: int) -> Request:
        query = wpapi.QUERIES[self._rest_queries[0]]
        return Request(
            self.site.rest_posts_url(page, query),
            callback=self.parse_rest_index,
            errback=self.rest_index_failed,
            cb_kwargs={"page": page},
            priority=100,
            dont_filter=True,  # read again when a paused run resumes: times live in memory
        )

    def _feed_request(self) -> Request:
        # incremental: a conditional request, answered 304 when nothing was published or
        # edited since the last finished run
        since = self.run_context.state.fact(FEED_MODIFIED) if self.mode == "incremental" else None
        return Request(
            self.site.url("/feed/"),
            callback=self.parse_feed,
            errback=self.index_failed,
            priority=100,
            dont_filter=True,
            headers={"If-Modified-Since": since} if since else None,
            meta={"handle_httpstatus_list": [304]},
        )

    def parse_rest_index(self, response: Response, page: int) -> Iterator[Request]:
        """Keep every post's exact times and link; ask for the index pages still needed."""
        try:
            posts = wpapi.parse_posts(response.body, self.settings.get("ARRAHMAH_TIMEZONE"))
        except ValueError as exc:
            self.logger.info("REST index page %d unreadable (%s)", page, exc)
            self.crawler.stats.inc_value("arrahmah/rest/unreadable")
            yield from self._rest_page_lost(page)
            return
        for post in posts:
            self.times.posts[post.post_id] = post
        self.crawler.stats.inc_value("arrahmah/rest/pages")
        self.crawler.stats.inc_value("arrahmah/reached")
        if page == 1:
            # after an outage, the better queries deserve another try next run
            came_back = self._rest_answered_before == "none"
            self.run_context.state.learn("rest_query", "" if came_back else self._rest_queries[0])
        total = wpapi.total_pages(response.headers.get("X-WP-TotalPages"))
        if page == 1:
            self._rest_total = wpapi.total_posts(response.headers.get("X-WP-Total"))
        if self._rest_queries[0] == "recent":
            # newest modifications first: read on only while every post is newer than the last
            # modification the state knows (without one, to the end)
            self._index_complete = False  # the run sees what changed, not what went
            known = self._known_until
            if page < total and posts and not (known and wpapi.modified_before(posts, known)):
                self._index_pending += 1
                yield self._rest_request(page + 1)
        elif page == 1:
            self._index_pending += total - 1
            for n in range(2, total + 1):
                yield self._rest_request(n)
            self._index_complete = bool(posts)
        yield from self._index_page_done()

    def rest_index_failed(self, failure: Failure) -> Iterator[Request]:
        """The index does not answer this way (or at all): another query, or the RSS feed."""
        page = failure.request.cb_kwargs.get("page", 1)  # type: ignore[attr-defined]
        self.logger.info("REST index page %s unavailable (%s)", page, failure.getErrorMessage())
        self.crawler.stats.inc_value("arrahmah/rest/unavailable")
        yield from self._rest_page_lost(page)

    def _rest_page_lost(self, page: int) -> Iterator[Request]:
        if page == 1 and len(self._rest_queries) > 1:
            self._rest_queries.pop(0)  # ask the next way
            yield self._rest_request(1)
        elif page == 1:
            self.run_context.state.learn("rest_query", "none")
            yield self._feed_request()  # no index: the feed stands in for it
        else:
            self._index_complete = False
            yield from self._index_page_done()

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Exact publication times of the newest posts, from the feed's ``pubDate``."""
        if response.status == 304:
            self.logger.info("the feed is unchanged since the last run: no revisits")
            self._site_unchanged = True
            self.crawler.stats.inc_value("arrahmah/reached")
            yield from self._index_page_done()
            return
        modified = response.headers.get("Last-Modified")
        self._feed_modified = modified.decode("latin-1") if modified else None
        try:
            entries = feeds.parse_rss(response.body, self.settings.get("ARRAHMAH_TIMEZONE"))
        except ValueError as exc:
            self.logger.info("RSS feed unreadable (%s)", exc)
            entries = []
        for entry in entries:
            path = self.site.path_of(entry.link)
            if path:
                self.times.feed[path] = entry.published_at
        self.crawler.stats.set_value("arrahmah/feed/entries", len(entries))
        if entries:
            self.crawler.stats.inc_value("arrahmah/reached")
        yield from self._index_page_done()

    def index_failed(self, failure: Failure) -> Iterator[Request]:
        """Neither REST index nor feed: page dates only."""
        self.logger.info("RSS feed unavailable (%s)", failure.getErrorMessage())
        yield from self._index_page_done()

    def _index_page_done(self) -> Iterator[Request]:
        self._index_pending -= 1
        if self._index_pending == 0 and self._some_post_went():
            # the site counts fewer posts than the state knows plus the new ones: read the
            # whole index once, to learn which went
            self.logger.info("the REST index counts fewer posts than known: reading all of it")
            self._rest_queries = ["lean", "plain"]
            self._index_pending = 1
            yield self._rest_request(1)
        elif self._index_pending == 0:
            self.crawler.stats.set_value("arrahmah/rest/posts", len(self.times.posts))
            self.correct_times()
            yield from self.walk()

    def correct_times(self) -> None:
        """Exact times, from the index, for articles earlier runs exported with date-only ones
        (the index was down): the pages need not be fetched again, and the article's version
        does not change (a reader reads the same). The run recorder keeps the corrections."""
        if not self.times.posts:
            return
        fixes = []
        for known in self.run_context.state.inexact():
            meta = self.times.posts.get(known.post_id)
            if meta is None or not known.published_at:
                continue
            if meta.published_at[:10] != known.published_at[:10]:
                continue  # not what the page said: the next fetch decides
            published = exact_published(known.published_at, meta.published_at)
            modified = known.modified_at
            if modified is None and meta.modified_at and known.last_run:
                exported = datetime.strptime(known.last_run[:15], "%Y%m%dT%H%M%S").replace(
                    tzinfo=UTC
                )
                if datetime.fromisoformat(meta.modified_at) <= exported:
                    modified = meta.modified_at  # the version exported holds that modification
            if (published, modified) != (known.published_at, known.modified_at):
                fixes.append(TimesFix(known.post_id, meta.link, published, modified))
        if fixes:
            self.logger.info("exact times for %d articles exported with date-only ones", len(fixes))
            self.crawler.signals.send_catch_log(times_corrected, fixes=fixes)

    def _some_post_went(self) -> bool:
        """After reading the recently modified posts: does the site's post count say that some
        post the state knows is no longer published? (0 requests when none went.)"""
        if self._index_complete or not self._rest_queries or self._rest_queries[0] != "recent":
            return False
        if self._rest_total is None:
            return False
        return self._rest_total < self.run_context.state.live_count(also=self.times.posts)

    # ---- the walk ---------------------------------------------------------------------------
    def walk(self) -> Iterator[Request]:
        """What the run fetches once the index is read."""
        state, runs = self.run_context.state, self.settings.getint("ARRAHMAH_RETRY_RUNS", 3)
        for path, reason in state.give_up(runs):  # failed too often: reported, not retried
            self.lose(Loss(self.site.url(path), "given_up", f"after {runs} runs: {reason}"))
        self._retrying = set(state.pending())
        self._given_up = state.given_up_paths()
        yield self.listing_request(self.site.url("/"))
        if self.mode == "full":
            yield Request(
                self.site.url(self.settings.get("ARRAHMAH_SITEMAP_PATH", "/wp-sitemap.xml")),
                callback=self.parse_sitemap,
                errback=self.sitemap_failed,
            )
        yield from self.index_changes()
        for path in sorted(self._retrying):  # what earlier runs failed to fetch
            self.crawler.stats.inc_value("arrahmah/articles/retried")
            yield self.article_request(self.site.url(path), reason="retry")

    def index_changes(self) -> Iterator[Request]:
        """Incremental mode: posts the index shows as new, edited or moved; or the revisits."""
        if self.mode != "incremental":
            return
        state = self.run_context.state
        if self.times.posts:
            for post in self.times.posts.values():
                known = state.by_id(post.post_id)
                path = self.site.path_of(post.link) or ""
                if known is None:
                    reason = "new"
                elif known.status == "gone":
                    reason = "returned"
                elif known.path != path:
                    reason = "moved"
                elif (
                    post.modified_at and known.modified_at and post.modified_at > known.modified_at
                ):
                    reason = "edited"
                else:
                    continue
                if known is not None and known.last_run == self.run_context.run.run_id:
                    continue
                if reason == "new" and path in self._given_up:
                    continue
                self.crawler.stats.inc_value(f"arrahmah/index/{reason}")
                yield self.article_request(self.site.url(path), reason=reason)
        elif not self._site_unchanged:  # (the feed answered 304: nothing to revisit)
            days = self.settings.getint("ARRAHMAH_REVISIT_DAYS", 7)
            now = datetime.now(UTC)
            since = (now - timedelta(days=days)).date().isoformat()
            factor = self.settings.getfloat("ARRAHMAH_REVISIT_FACTOR", 1.0)
            for known in state.revisits_due(since, now, factor):
                if known.last_run != self.run_context.run.run_id:
                    self.crawler.stats.inc_value("arrahmah/revisits")
                    yield self.article_request(self.site.url(known.path), reason="revisit")

    def listing_request(self, url: str) -> Request:
        """A request for a listing page (home, category archive, one of their pages)."""
        return Request(url, callback=self.parse_listing, errback=self.listing_failed)

    def listing_failed(self, failure: Failure) -> None:
        """A listing could not be read: the articles it would have led to are not lost for
        good (the sitemaps, the index and the next walk lead to them too)."""
        self.crawler.stats.inc_value("arrahmah/listings_failed")
        loss = losses.from_failure(failure.request.url, failure)  # type: ignore[attr-defined]
        self.logger.warning("listing %s unavailable: %s", loss.url, loss.detail)
        self.crawler.stats.set_value("arrahmah/first_error", loss.detail)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Follow a listing's articles and pagination (full), or page until a known one."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("arrahmah/skipped/not_html")
            return
        listing = ListingPage.from_html(response.body, response.url, response.encoding)
        self.crawler.stats.inc_value("arrahmah/listings")
        self.crawler.stats.inc_value("arrahmah/reached")
        sticky = set(listing.sticky_links())
        links = [u for u in listing.article_links() if self.site.is_article_url(u)]
        paths = {u: self.site.path_of(self.site.article_first_page(u)) or "" for u in links}
        state = self.run_context.state
        known = state.known_paths(paths.values())
        this_run = self.run_context.run.run_id
        ledger = self.run_context.ledger
        for url in links:
            if not ledger.find("listings", paths[url]):
                continue  # a listing or a sitemap found it before: asked for then, or not
            _, last_run = known.get(paths[url], (None, None))
            if paths[url] in known and (self.mode == "incremental" or last_run == this_run):
                continue  # incremental: known already; full: exported before an interruption
            if self.mode == "incremental" and paths[url] in self._given_up:
                continue
            yield self.article_request(url)
        if self.mode == "incremental":
            # stop at a page holding an article known before this run: the sticky post heads
            # page 1 forever, and what this run exported before a kill is no older news
            known_before = {p for p, (first, _) in known.items() if first != this_run}
            if not any(paths[u] in known_before for u in links if u not in sticky):
                next_page = listing.next_page()
                if next_page and self.site.is_listing_url(next_page):
                    yield self.listing_request(next_page)
            return
        for url in listing.pagination_links():
            if self.site.is_listing_url(url):
                yield self.listing_request(url)
        for url in listing.links():
            # every listing repeats the menus and sidebar: ask for each category once, rather
            # than build a request per link for the dupefilter to drop (3 per article)
            if self.site.is_category_url(url):
                url = url.split("#", 1)[0]
                if url not in self._categories_asked:
                    self._categories_asked.add(url)
                    yield self.listing_request(url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Full mode's second discovery path: every post URL of the XML sitemaps."""
        try:
            children, urls = feeds.parse_sitemap(response.body)
        except ValueError as exc:
            self.logger.warning("sitemap %s unreadable: %s", response.url, exc)
            return
        self.crawler.stats.inc_value("arrahmah/reached")
        for child in children:
            if self.site.path_of(child) is not None and "-page-" not in child.rsplit("/", 1)[-1]:
                yield Request(child, callback=self.parse_sitemap, errback=self.sitemap_failed)
        state = self.run_context.state
        this_run = self.run_context.run.run_id
        for url in urls:
            if not self.site.is_article_url(url):
                continue
            path = self.site.path_of(self.site.article_first_page(url)) or ""
            if not self.run_context.ledger.find("sitemaps", path):
                continue  # a listing found it first: asked for then, or not
            seen = state.by_path(path)
            if seen is None or seen.last_run != this_run:
                yield self.article_request(url)

    def sitemap_failed(self, failure: Failure) -> None:
        """No sitemaps: the listings are the only discovery path."""
        self.crawler.stats.inc_value("arrahmah/sitemap/unavailable")
        self.logger.info("sitemap %s unavailable", failure.request.url)  # type: ignore[attr-defined]

    def found_article(self, raw: RawArticle, page: ArticlePage) -> None:
        if raw.post_id is not None:
            self._fetched_ids.add(raw.post_id)

    # ---- gone posts ---------------------------------------------------------------------------
    def spider_idle(self, spider: Spider) -> None:
        """At the end of the walk, check the posts the site no longer lists: gone or not."""
        if self._gone_checked or spider is not self:
            return
        self._gone_checked = True
        checks = 0
        for known in self.gone_candidates():  # streamed: a large state is never held whole
            checks += 1
            self.crawler.engine.crawl(
                Request(
                    self.site.url(known.path),
                    callback=self.parse_gone_check,
                    errback=self.gone_check_failed,
                    cb_kwargs={"post_id": known.post_id},
                    meta={"handle_httpstatus_list": list(GONE_STATUSES)},
                    dont_filter=True,
                )
            )
        if checks:
            raise DontCloseSpider

    def gone_candidates(self) -> Iterator[Any]:
        """Known live posts that a complete index (REST, or a full walk) did not show."""
        listed: Container[int]
        if self.times.posts and self._index_complete:
            listed = self.times.posts
        elif self.mode == "full":
            listed = self._fetched_ids
        else:
            return
        this_run = self.run_context.run.run_id
        for known in self.run_context.state.live():
            if known.post_id not in listed and known.last_run != this_run:
                yield known

    def parse_gone_check(self, response: Response, post_id: int) -> Iterator[Any]:
        """A gone candidate answered: 404/410 marks it gone; an article page is read again."""
        if response.status in GONE_STATUSES:
            detail = f"{response.status} {self.site.path_of(response.url)}"
            if self.run_context.state.mark_gone(self.run_context.run.run_id, post_id, detail):
                self.logger.info("post %d is gone (%s)", post_id, detail)
            return
        yield from self.parse_article(response)

    def gone_check_failed(self, failure: Failure) -> None:
        """The check itself failed (timeouts, 5xx): the post stays live until a later run."""
        if failure.check(HttpError):
            self.logger.info("gone check %s: %s", failure.request.url, failure.getErrorMessage())  # type: ignore[attr-defined]

    def closed(self, reason: str) -> None:
        """A walk that finished revisited what was due: later runs ask the feed since then."""
        if reason == "finished" and self._feed_modified:
            try:
                self.run_context.state.learn(FEED_MODIFIED, self._feed_modified)
            except sqlite3.Error as exc:  # the next run then reads the feed whole: no harm
                self.logger.warning("could not keep the feed's Last-Modified: %s", exc)

    # ---- report -------------------------------------------------------------------------------
    def expected_articles(self) -> int | None:
        """How many articles this run will have done, as far as it can tell yet: the REST
        index's post count or the sitemaps' in a full walk; what it asked for so far else."""
        if self.mode == "full":
            return self._rest_total or self.run_context.ledger.found_count("sitemaps") or None
        return self._asked or None

    def discovery_report(self) -> dict[str, Any]:
        """Full mode: articles found by one discovery path and not the other."""
        if self.mode != "full":
            return {}
        ledger = self.run_context.ledger
        sitemaps = ledger.found_count("sitemaps")
        return {
            "listings": ledger.found_count("listings"),
            "sitemaps": sitemaps,
            "only_in_listings": ledger.found_only("listings"),
            "only_in_sitemaps": ledger.found_only("sitemaps") if sitemaps else [],
        }
