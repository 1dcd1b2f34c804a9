"""What an incremental run fetches besides the home listing's new articles.

With the REST index: every post it shows as new, edited (a later modification than the state
knows), moved (another link) or returned (marked gone, listed again). Without it: the articles
published in the last ``ARRAHMAH_REVISIT_DAYS`` days, each when the time since it was last
fetched reaches ``ARRAHMAH_REVISIT_FACTOR`` times its age then (editors correct new articles,
seldom old ones) — and none when the feed said nothing changed since the last run.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from scrapy import Request

from arrahmah.discovery import Crawl
from arrahmah.state import Known
from arrahmah.wpapi import PostMeta


def changes(
    crawl: Crawl, posts: Mapping[int, PostMeta], given_up: Container[str], site_unchanged: bool
) -> Iterator[Request]:
    """Incremental mode: posts the index shows as changed (see `why`); without an index, the
    revisits that are due, unless the site is unchanged since the last run."""
    if crawl.mode != "incremental":
        return
    if posts:
        yield from index_changes(crawl, posts, given_up)
    elif not site_unchanged:
        yield from revisits(crawl)


def why(post: PostMeta, known: Known | None, path: str) -> str | None:
    """Why the post the index lists at ``path`` is to be fetched (the state knows it as
    ``known``): ``new``, ``returned``, ``moved``, ``edited``; None when it is not."""
    if known is None:
        return "new"
    if known.status == "gone":
        return "returned"
    if known.path != path:
        return "moved"
    if post.modified_at and known.modified_at and post.modified_at > known.modified_at:
        return "edited"
    return None


def index_changes(
    crawl: Crawl, posts: Mapping[int, PostMeta], given_up: Container[str]
) -> Iterator[Request]:
    """The posts the REST index shows as new, returned, moved or edited, but those this run
    exported already (before an interruption) and new ones given up on."""
    for post in posts.values():
        known = crawl.state.by_id(post.post_id)
        path = crawl.site.path_of(post.link) or ""
        reason = why(post, known, path)
        if reason is None:
            continue
        if known is not None and known.last_run == crawl.run_id:
            continue
        if reason == "new" and path in given_up:
            continue
        crawl.stats.inc_value(f"arrahmah/index/{reason}")
        yield crawl.article(crawl.site.url(path), reason=reason)


def revisits(crawl: Crawl) -> Iterator[Request]:
    """Recent articles due to be fetched again (see `arrahmah.state.CrawlState.revisits_due`)."""
    days = crawl.settings.getint("ARRAHMAH_REVISIT_DAYS", 7)
    now = datetime.now(UTC)
    since = (now - timedelta(days=days)).date().isoformat()
    factor = crawl.settings.getfloat("ARRAHMAH_REVISIT_FACTOR", 1.0)
    for known in crawl.state.revisits_due(since, now, factor):
        if known.last_run != crawl.run_id:
            crawl.stats.inc_value("arrahmah/revisits")
            yield crawl.article(crawl.site.url(known.path), reason="revisit")
