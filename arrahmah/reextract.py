"""``arrahmah reextract``: every archived article parsed again with today's parser, offline.

It reads the run archives in ``DATA_DIR/warc`` (see `arrahmah.archive`: all of them, one run's,
or what was captured since a date) and takes each post's latest capture the crawl could have
exported: page 1 and, for a multi-page post, the same run's captures of its other pages. Each
page is read as the crawl reads a response (`arrahmah.page.read_article_page`: decoded as a
browser would, charset damage repaired or caught) and goes through
`arrahmah.extract.Extractor`, the crawl's own pipelines. A capture the crawl could not have
exported (a page damaged, not an article, a later page missing) is a counted, named skip, and
an older capture of the post is taken, as the crawl's rows hold it. What a page does not say
comes from where the crawl took it:

* exact times: the REST index (or the post's REST record, or the feed) that the same run read,
  archived with it (`arrahmah.times`);
* ``version`` and ``former_urls``: the run files, as the crawl exported that capture (the
  post's latest export at or before the capture's run; version 1 for a post no run file
  holds). A re-extraction never makes a version: versions count what the site changed;
* ``crawled_at``: when page 1 was fetched (its record's WARC-Date).

It opens no connection. An archive file cut short (a killed crawl) or damaged is read up to its
last whole record; what could not be read is counted and named. ``--record`` records the
re-extraction as a run of mode ``reextract`` (`arrahmah.reextract_run.run`), closed as every run is
(`arrahmah.runs.RunContext.finish`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from w3lib.url import safe_url_string

from arrahmah import feeds, wpapi
from arrahmah.archive import DECODABLE, WARC_DIR, archive_files, parse_record, read_member
from arrahmah.captures import ArchiveIndex, Capture, site_of
from arrahmah.extract import Extractor
from arrahmah.items import Article
from arrahmah.losses import GONE_STATUSES, Loss, LostItem
from arrahmah.page import ArticlePage, Unreadable, read_article_page
from arrahmah.times import ExactTimes, exact_published

logger = logging.getLogger(__name__)

# a skip that is no fault of the page: a later page the run did not read
INCOMPLETE = "incomplete"


class NoArchive(Exception):
    """Nothing to re-extract: no archive, or no archived article in it."""


@dataclass(frozen=True)
class Exported:
    """One line of a run file: the post's version as a run exported it."""

    run: str
    version: int
    former_urls: tuple[str, ...]
    published_at: str | None


class Exports:
    """Every version the run files hold, per post."""

    def __init__(self) -> None:
        self.by_post: dict[int, list[Exported]] = {}

    @classmethod
    def read(cls, runs_dir: Path) -> Exports:
        """The run files of ``runs_dir``, finished or not (lines that are not articles are
        passed over: ``arrahmah dataset build`` reports them)."""
        exports = cls()
        paths = [*runs_dir.glob("*.jsonl"), *runs_dir.glob("*.jsonl.part")]
        for path in sorted(paths):
            run = path.name.split(".", 1)[0]
            with path.open("rb") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if not isinstance(row, dict):
                        continue
                    post_id, version = row.get("post_id"), row.get("version")
                    if isinstance(post_id, int) and isinstance(version, int):
                        exports.by_post.setdefault(post_id, []).append(
                            Exported(run, version, tuple(row.get("former_urls") or ()),
                                     row.get("published_at"))
                        )  # fmt: skip
        return exports

    def at(self, post_id: int, run: str) -> Exported | None:
        """The post's latest export at or before ``run``."""
        found = [e for e in self.by_post.get(post_id, []) if e.run <= run]
        return max(found, key=lambda e: (e.run, e.version)) if found else None


@dataclass(frozen=True)
class Payload:
    """An archived response as the crawl received it: its content coding undone."""

    url: str
    status: int
    content_type: str | None
    body: bytes


class Reextraction:
    """The articles of an archive, extracted again."""

    def __init__(
        self,
        data_dir: Path,
        since: str | None = None,
        run: str | None = None,
        timezone: str = "Asia/Jakarta",
    ) -> None:
        warc = data_dir / WARC_DIR
        files = archive_files(warc, run)
        if not files:
            which = f" of run {run}" if run else ""
            raise NoArchive(f"no archive{which} in {warc} (crawls keep one: ARRAHMAH_WARC_ENABLED)")
        self.index = ArchiveIndex.read(files, since)
        if not self.index.firsts:
            raise NoArchive(f"no archived article in {warc}" + (f" since {since}" if since else ""))
        self.exports = Exports.read(data_dir / "runs")
        self.timezone = timezone
        # the crawl's base URL is the archived URLs' own (of a mirror, if it crawled one)
        any_capture = next(iter(self.index.firsts.values()))[0]
        self.extractor = Extractor(site_host=urlsplit(any_capture.url).hostname)
        self.counts: Counter[str] = Counter()  # articles, pages
        self.skips: list[Loss] = []  # captures not re-extracted, and why
        self._open: dict[Path, BinaryIO] = {}
        self._times: dict[str, ExactTimes] = {}

    @property
    def posts(self) -> int:
        """Article URLs captured (the articles a re-extraction sets out to give)."""
        return len(self.index.firsts)

    def articles(self) -> Iterator[Article]:
        """Each post once, from its latest capture the crawl could have exported; newest
        captures first."""
        done: set[int] = set()
        firsts = self.index.firsts
        try:
            for url in sorted(firsts, key=lambda u: firsts[u][-1].order, reverse=True):
                for capture in reversed(firsts[url]):
                    outcome = self._article(capture, done)
                    if outcome is None:
                        continue  # not exportable: an older capture may be
                    if isinstance(outcome, Article):
                        yield outcome
                    break
        finally:
            for fh in self._open.values():
                fh.close()
            self._open.clear()

    def _skip(self, capture: Capture, reason: str, detail: str = "") -> None:
        """A capture not re-extracted: counted, and named in the log and the run report."""
        self.skips.append(Loss(capture.url, reason, detail))
        level = logging.INFO if reason == INCOMPLETE else logging.WARNING
        logger.log(level, "skipped %s (%s: %s)", capture.url, reason, detail or capture.date)

    def _article(self, capture: Capture, done: set[int]) -> Article | str | None:
        """The article of ``capture``; None when the crawl could not have exported it; "done"
        when a newer capture of the post (at its current URL) came first."""
        try:
            first = self._page(capture)
        except Unreadable as exc:
            self._skip(capture, exc.reason, exc.detail)
            return None
        post_id = first.post_id()
        if post_id in done:
            return "done"
        later = self._later_pages(capture, first)
        if isinstance(later, Loss):
            self._skip(capture, later.reason, later.detail)
            return None
        raw = self.extractor.raw([first, *(page for page, _ in later)], _utc(capture.date))
        self._times_of(capture.run).apply(raw, site_of(capture.url).path_of(raw.url))
        raw.sources = [capture.source(), *(c.source() for _, c in later)]
        try:
            article = self.extractor.clean(raw)
        except LostItem as exc:
            self._skip(capture, exc.loss.reason, exc.loss.detail)
            return None
        except DropItem as exc:
            self._skip(capture, "dropped", str(exc))
            return None
        done.add(article.post_id)
        exported = self.exports.at(article.post_id, capture.run)
        if exported is not None:
            article.version = exported.version
            article.former_urls = list(exported.former_urls)
            article.published_at = exact_published(article.published_at, exported.published_at)
        self.counts["articles"] += 1
        self.counts["pages"] += 1 + len(later)
        return article

    def _later_pages(
        self, capture: Capture, first: ArticlePage
    ) -> list[tuple[ArticlePage, Capture]] | Loss:
        """The pages after page 1, as the same run read them; the reason (a `Loss`) when the
        crawl could not have emitted the article from this capture."""
        start = site_of(capture.url).article_first_page(capture.url).rstrip("/")
        pages = []
        for link in first.page_links():
            if link.rstrip("/") == start:
                continue
            read = [
                c for c in self.index.later.get(safe_url_string(link), []) if c.run == capture.run
            ]
            if not read:
                return Loss(capture.url, INCOMPLETE, f"page {link} not read by its run")
            if read[-1].status in GONE_STATUSES:
                continue  # the site no longer had that page: the crawl emitted it without
            if not 200 <= read[-1].status < 300:
                return Loss(capture.url, INCOMPLETE, f"page {link}: HTTP {read[-1].status}")
            try:
                pages.append((self._page(read[-1]), read[-1]))
            except Unreadable as exc:
                return Loss(capture.url, INCOMPLETE, f"page {link} {exc}")
        return pages

    def _page(self, capture: Capture) -> ArticlePage:
        """The article page of a capture, read as the spider reads a response; `Unreadable`
        for one that holds none."""
        payload = self.payload(capture)
        if payload is None:
            raise Unreadable("undecodable", "a content coding the archive's reader lacks")
        return read_article_page(payload.body, payload.url, payload.content_type)

    def payload(self, capture: Capture) -> Payload | None:
        """The captured response, its content coding undone; None for a coding that cannot
        be undone."""
        data = self.index.take(capture)
        if data is None:
            fh = self._open.get(capture.path)
            if fh is None:
                fh = self._open[capture.path] = capture.path.open("rb")
            data = read_member(fh, capture.offset, capture.length)
        record = parse_record(data)
        headers = record.http_headers
        coding = (headers.get_header("Content-Encoding") or "").strip().lower()
        if coding and coding not in DECODABLE:
            return None
        body = record.content_stream().read()
        return Payload(capture.url, capture.status, headers.get_header("Content-Type"), body)

    def _times_of(self, run: str) -> ExactTimes:
        """The exact times the run read in the REST index, the posts' records, or the feed."""
        if run in self._times:
            return self._times[run]
        if len(self._times) >= 2:  # runs come mostly in turn: keep the last two
            self._times.pop(next(iter(self._times)))
        times = self._times[run] = ExactTimes()
        for kind, capture in self.index.indexes.get(run, []):
            payload = self.payload(capture)
            if payload is None:
                continue
            try:
                if kind == "rest":
                    for post in wpapi.parse_posts(payload.body, self.timezone):
                        times.posts[post.post_id] = post
                elif kind == "rest_post":
                    record = wpapi.parse_post(payload.body, self.timezone)
                    if record is not None:
                        times.posts[record.post_id] = record
                else:
                    for entry in feeds.parse_rss(payload.body, self.timezone):
                        path = site_of(capture.url).path_of(entry.link)
                        if path:
                            times.feed[path] = entry.published_at
            except ValueError:
                continue  # unreadable: the crawl read nothing from it either
        return times


def _utc(warc_date: str) -> str:
    """A WARC-Date as ``crawled_at`` writes UTC times."""
    return datetime.fromisoformat(warc_date.replace("Z", "+00:00")).isoformat(timespec="seconds")
