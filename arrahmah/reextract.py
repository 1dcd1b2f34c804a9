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
re-extraction as a run of mode ``reextract`` (`run`), closed as every run is
(`arrahmah.runs.RunContext.finish`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from w3lib.url import safe_url_string

import arrahmah
from arrahmah import feeds, report, wpapi
from arrahmah.archive import DECODABLE, WARC_DIR, archive_files, parse_record, read_member
from arrahmah.captures import ArchiveIndex, Capture, UnreadTail, site_of
from arrahmah.extract import Extractor
from arrahmah.items import Article
from arrahmah.losses import GONE_STATUSES, Loss, LostItem
from arrahmah.page import ArticlePage, Unreadable, read_article_page
from arrahmah.runs import RunContext, RunFile, jsonl_exporter
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


@dataclass
class Result:
    """What a re-extraction read and wrote, and how it ended."""

    outcome: report.Outcome
    articles: int
    archives: int
    skipped: Counter[str]
    unreadable: list[UnreadTail]
    run_id: str | None = None
    report: dict[str, Any] = field(default_factory=dict)


def outcome(extraction: Reextraction) -> report.Outcome:
    """How a re-extraction ended: ok when it gave articles (what it skipped is named in the
    log and counted), failed when it gave none."""
    skipped = Counter(skip.reason for skip in extraction.skips)
    counts = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
    articles = extraction.counts["articles"]
    if not articles:
        return report.Outcome(
            "failed", report.EXIT_FAILED,
            f"re-extracted none of {extraction.posts} archived articles ({counts})",
        )  # fmt: skip
    tail = f"; {len(extraction.skips)} captures skipped ({counts})" if skipped else ""
    return report.Outcome("ok", report.EXIT_OK, f"{articles} re-extracted{tail}")


def run(
    settings: BaseSettings,
    output: Path | None = None,
    since: str | None = None,
    only_run: str | None = None,
    record: bool = False,
    stream: BinaryIO | None = None,
) -> Result:
    """Re-extract the archive of ``settings``' data directory into ``output`` (written whole,
    or not at all), ``stream`` and, with ``record``, a run of mode ``reextract``: its run file
    replaces, in ``arrahmah dataset build``, the rows of the versions it holds, and the state
    takes the new content hashes of current versions, so that the next crawl sees no change the
    site did not make.

    Raises `NoArchive`; with ``record``, `arrahmah.runs.DataDirBusy` while a crawl runs; and
    OSError (or sqlite3.Error) when a file cannot be written (what was begun is removed).
    """
    started = time.monotonic()
    data_dir = Path(settings.get("ARRAHMAH_DATA_DIR") or "data")
    timezone = settings.get("ARRAHMAH_TIMEZONE") or "Asia/Jakarta"
    extraction = Reextraction(data_dir, since, only_run, timezone)
    context = RunContext.open(settings, "reextract") if record else None
    files: list[RunFile] = []
    try:
        if output:
            files.append(RunFile(output))
        if context is not None:
            files.append(RunFile(context.runs_dir / f"{context.run.run_id}.jsonl"))
        for file in files:
            file.open(resume=False)
        exporter = jsonl_exporter(stream) if stream is not None else None
        hashes = []
        for article in extraction.articles():
            for file in files:
                file.write(article)
            if exporter is not None:
                exporter.export_item(article)
            hashes.append((article.post_id, article.version, article.content_hash))
        for file in files:
            file.close()
        ended = outcome(extraction)
        result = Result(
            ended, extraction.counts["articles"], len(extraction.index.files),
            Counter(skip.reason for skip in extraction.skips), extraction.index.unreadable,
        )  # fmt: skip
        if output:
            if ended.status == "ok":
                files[0].publish()
            else:
                files[0].part.unlink()
        if context is not None:
            if ended.status == "ok":
                context.state.record_reextract(hashes)
            result.report = _report(context, ended, extraction, since, only_run, started)
            status = "finished" if ended.status == "ok" else "failed"
            context.finish(files[-1], result.report, status)
            result.run_id = context.run.run_id
            logger.info("run report\n%s", report.format_report(result.report))
        return result
    except BaseException as exc:
        for file in files:  # nothing half-written is left
            with suppress(OSError):
                file.close()
            file.part.unlink(missing_ok=True)
        if context is not None:
            with suppress(Exception):
                context.state.finish_run(
                    context.run.run_id, "failed", {"outcome": "failed", "summary": str(exc)}
                )
        raise
    finally:
        if context is not None:
            context.close()


def _report(
    context: RunContext,
    ended: report.Outcome,
    extraction: Reextraction,
    since: str | None,
    only_run: str | None,
    started: float,
) -> dict[str, Any]:
    """The run report of ``reextract --record``: what every run's report opens with, then what
    it read and skipped."""
    return {
        **report.head(context.run, ended, time.monotonic() - started),
        "extractor": arrahmah.__version__,
        "since": since,
        "only_run": only_run,
        "archives": len(extraction.index.files),
        "responses": extraction.index.responses,
        "items_exported": extraction.counts["articles"],
        "pages": extraction.counts["pages"],
        "skipped": report.failed_section(extraction.skips),
        "unreadable": [str(u) for u in extraction.index.unreadable],
        "output": str(context.runs_dir / f"{context.run.run_id}.jsonl"),
    }
