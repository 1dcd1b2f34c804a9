"""The run recorder: the extension that writes a run's file, state and report, and its outcome.

It writes each new or changed article to the run file and records it in the crawl state; lists
every loss (`arrahmah.losses`) and tells the state which articles to fetch again; on a resumed
run it gives the ``-o/-O`` feeds what the run exported before it was stopped, so that a feed
holds the whole run; and at the end it writes the report and decides the run's outcome and exit
status (`arrahmah.report`), left in the stats as ``arrahmah/exit_status``.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any, BinaryIO

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.python.failure import Failure

from arrahmah import losses, report
from arrahmah.losses import Loss, LostItem
from arrahmah.runs import (
    PAUSED_MARK,
    RunContext,
    RunFile,
    TimesFix,
    storage_failed,
    times_corrected,
)

logger = logging.getLogger(__name__)

STORAGE_ERRORS = (OSError, sqlite3.Error)


class RunRecorder:
    """Extension: writes the run file, records each export and loss, reports the run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: RunContext | None = None
        self.file: RunFile | None = None
        self.losses: list[Loss] = []
        self.io_error: str | None = None
        self.outcome: report.Outcome | None = None
        self.started = time.monotonic()
        self._replaying = False
        self._unchanged: BinaryIO | None = None
        self._short = ""  # the report in one line, for quiet runs
        for handler, signal in (
            (self.spider_opened, signals.spider_opened),
            (self.item_scraped, signals.item_scraped),
            (self.item_dropped, signals.item_dropped),
            (self.spider_error, signals.spider_error),
            (self.article_lost, losses.article_lost),
            (self.times_corrected, times_corrected),
            (self._storage_failed, storage_failed),
            (self.spider_closed, signals.spider_closed),
        ):
            crawler.signals.connect(handler, signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    # ---- opening ----------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        self.ctx = getattr(spider, "run_context", None)
        if self.ctx is None:
            return
        # the run file holds every export first: a batch of state writes lost to a kill is
        # recorded again from it when the run resumes (below)
        self.ctx.state.batch_writes()
        try:
            self.file = RunFile(self.ctx.runs_dir / f"{self.ctx.run.run_id}.jsonl")
            kept = self.file.open()
            exported = self.ctx.state.exported_in(self.ctx.run.run_id)
            for line in kept:  # written before a kill but maybe not yet recorded
                if line.get("post_id") not in exported:
                    self._record(line)
        except STORAGE_ERRORS as exc:
            self._storage_failed(exc)
            return
        unchanged = self._read_unchanged()
        if kept or unchanged:
            logger.info(
                "run %s resumed: %d articles already exported, %d unchanged",
                self.ctx.run.run_id, len(kept), len(unchanged),
            )  # fmt: skip
            self._replay(spider, [*kept, *unchanged])

    def _replay(self, spider: Spider, items: list[dict[str, Any]]) -> None:
        """Give the feeds (``-o``/``-O``) what this run exported before it was stopped."""
        self._replaying = True
        try:
            for item in items:
                self.crawler.signals.send_catch_log(
                    signals.item_scraped, item=item, response=None, spider=spider
                )
        finally:
            self._replaying = False

    @property
    def _unchanged_path(self) -> Path:
        assert self.ctx is not None
        return self.ctx.job_dir.with_name(f"{self.ctx.run.run_id}.unchanged.jsonl")

    def _read_unchanged(self) -> list[dict[str, Any]]:
        """Articles an interrupted run fetched unchanged: its feeds held them too."""
        try:
            lines = self._unchanged_path.read_bytes().splitlines(keepends=True)
        except FileNotFoundError:
            return []
        kept = []
        for line in lines:
            if not line.endswith(b"\n"):
                break  # torn by a kill
            try:
                kept.append(json.loads(line))
            except ValueError:
                break
        return kept

    # ---- items ------------------------------------------------------------------------------
    def _record(self, item: Any) -> None:
        assert self.ctx is not None
        data = ItemAdapter(item)
        kind = self.ctx.state.record_export(
            self.ctx.run.run_id,
            data["post_id"],
            self.ctx.path_of(data["url"]),
            data.get("published_at"),
            data.get("modified_at"),
            data["content_hash"],
            data.get("version") or 1,
        )
        self.crawler.stats.inc_value(f"arrahmah/run/{kind}")

    def item_scraped(self, item: Any, spider: Spider) -> None:
        if self.ctx is None or self.file is None or self._replaying or self.io_error:
            return
        try:
            if ItemAdapter(item).get("post_id") in self.ctx.unchanged:
                self._keep_unchanged(item)
                return
            self.file.write(item)  # the file first: a kill between the two is mended on resume
            self._record(item)
        except STORAGE_ERRORS as exc:
            self._storage_failed(exc)

    def _keep_unchanged(self, item: Any) -> None:
        if self._unchanged is None:
            self._unchanged = self._unchanged_path.open("ab")
        line = json.dumps(ItemAdapter(item).asdict(), ensure_ascii=False) + "\n"
        self._unchanged.write(line.encode())
        self._unchanged.flush()

    # ---- exact times, later ------------------------------------------------------------------
    def times_corrected(self, fixes: list[TimesFix]) -> None:
        """Keep the exact times the index gave for articles exported with date-only ones:
        in the state, and beside the run files (``runs/times/<run>.jsonl``) for the dataset."""
        if self.ctx is None or self.io_error:
            return
        try:
            self.ctx.times_part.parent.mkdir(exist_ok=True)
            with self.ctx.times_part.open("a", encoding="utf-8") as out:
                for fix in fixes:
                    out.write(json.dumps(fix.as_dict(), ensure_ascii=False) + "\n")
            for fix in fixes:
                self.ctx.state.correct_times(fix.post_id, fix.published_at, fix.modified_at)
        except STORAGE_ERRORS as exc:
            self._storage_failed(exc)
            return
        self.crawler.stats.inc_value("arrahmah/times_corrected", len(fixes))

    # ---- losses -----------------------------------------------------------------------------
    def article_lost(self, loss: Loss) -> None:
        self._lose(loss)

    def item_dropped(self, item: Any, response: Any, exception: DropItem, spider: Spider) -> None:
        if isinstance(exception, LostItem):
            self._lose(exception.loss)

    def _lose(self, loss: Loss) -> None:
        self.losses.append(loss)
        self.crawler.stats.inc_value(f"arrahmah/failed/{loss.reason}")
        if self.ctx is None or self.io_error:
            return
        path = self.ctx.path_of(self.ctx.site.article_first_page(loss.url))
        try:
            if loss.terminal:
                self.ctx.state.drop_pending(path)
            else:
                self.ctx.state.add_pending(path, f"{loss.reason}: {loss.detail}"[:200])
        except STORAGE_ERRORS as exc:
            self._storage_failed(exc)

    def spider_error(self, failure: Failure, response: Any, spider: Spider) -> None:
        if failure.check(*STORAGE_ERRORS):
            self._storage_failed(failure.value)

    def _storage_failed(self, exc: BaseException) -> None:
        """The data directory cannot be written (disk full, read-only): stop, and say so."""
        if self.io_error is None:
            self.io_error = f"{exc}"
            logger.error("cannot write the data directory: %s; the run stops", exc)
            engine = self.crawler.engine
            if engine is not None and engine.running:
                _close(self.crawler, "storage_error")

    # ---- closing ----------------------------------------------------------------------------
    def spider_closed(self, spider: Spider, reason: str) -> None:
        ctx = self.ctx
        if self._unchanged is not None:
            self._unchanged.close()
        stats = self.crawler.stats.get_stats()
        self.outcome = report.outcome(
            reached=bool(stats.get("arrahmah/reached")),
            wanted=int(stats.get("arrahmah/articles/wanted", 0)),
            exported=int(stats.get("item_scraped_count", 0)),
            losses=self.losses,
            finish_reason=reason,
            io_error=self.io_error,
            base_url=self.crawler.settings.get("ARRAHMAH_BASE_URL"),
            first_error=stats.get("arrahmah/first_error"),
        )
        if ctx is not None and self.file is not None and not self.io_error:
            try:
                self._close_run(spider, ctx, reason)
            except STORAGE_ERRORS as exc:
                self.io_error = str(exc)
                self.outcome = report.Outcome(
                    "failed", report.EXIT_FAILED, f"could not write the run's report: {exc}"
                )
        if ctx is not None:
            ctx.close()
        self.crawler.stats.set_value("arrahmah/exit_status", self.outcome.exit_code)
        level = {"ok": logging.INFO, "paused": logging.WARNING, "partial": logging.WARNING}
        quiet = self.crawler.settings.getbool("ARRAHMAH_QUIET")  # for schedulers: still said
        logger.log(
            logging.WARNING if quiet else level.get(self.outcome.status, logging.ERROR),
            "crawl %s: %s%s", self.outcome.status, self.outcome.summary,
            f" ({self._short})" if quiet and self._short else "",
        )  # fmt: skip

    def _close_run(self, spider: Spider, ctx: RunContext, reason: str) -> None:
        assert self.file is not None and self.outcome is not None
        self.file.close()
        if self.outcome.status == "paused":  # Scrapy kept the job's queue whole
            job_dir = self.crawler.settings.get("JOBDIR")
            if job_dir:
                Path(job_dir).mkdir(parents=True, exist_ok=True)
                (Path(job_dir) / PAUSED_MARK).touch()
            logger.info("run %s paused: start the crawl again to resume it", ctx.run.run_id)
            logger.info("run report\n%s", report.format_report(self.report(spider, reason)))
            return
        final = self.report(spider, reason)
        ctx.finish(self.file, final, "failed" if self.outcome.status == "failed" else "finished")
        shutil.rmtree(ctx.job_dir, ignore_errors=True)  # ours only, never a JOBDIR given
        self._unchanged_path.unlink(missing_ok=True)
        logger.info("run report\n%s", report.format_report(final))
        self._short = report.short_report(final, ctx.report_path)

    def report(self, spider: Spider, reason: str) -> dict[str, Any]:
        """The run's figures: requests, new/changed/moved/gone, losses, boilerplate, outcome."""
        assert self.ctx is not None and self.file is not None and self.outcome is not None
        stats = self.crawler.stats.get_stats()
        # counted by the state: a full run's events are one per article (100,000 dicts: 30 MB)
        counts = self.ctx.state.event_counts(self.ctx.run.run_id)
        listed = self.ctx.state.events(self.ctx.run.run_id, kinds=("moved", "gone"))
        kinds = {kind: [e for e in listed if e["kind"] == kind] for kind in ("moved", "gone")}
        out: dict[str, Any] = {
            **report.head(self.ctx.run, self.outcome, time.monotonic() - self.started),
            "finish_reason": reason,
            "requests": stats.get("downloader/request_count", 0),
            "responses_by_status": report.stats_section(stats, "downloader/response_status_count/"),
            "items_exported": self.file.count,
            "unchanged": stats.get("arrahmah/unchanged", 0),
            **{kind: counts.get(kind, 0) for kind in ("new", "changed", "moved", "gone")},
            "times_corrected": stats.get("arrahmah/times_corrected", 0),
            "failed": report.failed_section(self.losses),
            "dropped": report.stats_section(stats, "arrahmah/dropped/"),
            "repaired": report.stats_section(stats, "arrahmah/repaired/"),
            "boilerplate": {
                "removed": report.stats_section(stats, "arrahmah/boilerplate/"),
                "suspects": sorted(
                    [
                        *stats.get("arrahmah/suspects/repeated", []),
                        *stats.get("arrahmah/suspects/link_blocks", []),
                    ],
                    key=lambda s: -s["count"],
                ),
            },
            "gone_posts": [e["post_id"] for e in kinds["gone"]],
            "moved_posts": [
                {"post_id": e["post_id"], **json.loads(e["detail"])} for e in kinds["moved"]
            ],
            "output": str(self.file.final if self.outcome.status != "paused" else self.file.part),
        }
        discovery = getattr(spider, "discovery_report", None)
        if callable(discovery):
            out["discovery"] = discovery()
        return out


def _close(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the spider with ``reason`` (once it is safe to)."""
    from scrapy.utils.defer import deferred_from_coro

    assert crawler.engine is not None
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
