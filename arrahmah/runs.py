"""Crawl runs: the data directory, the run file each run writes, and the run's report.

Everything a crawl keeps lives under ``ARRAHMAH_DATA_DIR``::

    state.sqlite3            what the crawls know (see `arrahmah.state`)
    runs/<run>.jsonl         the new and changed articles of one finished run
    runs/<run>.jsonl.part    ... while the run is going (or after it was killed)
    runs/<run>.report.json   the run's report
    job/<run>/               Scrapy's JOBDIR of the run, to resume it
    .lock                    held by the crawl that is running

A run file is written to ``.part`` and renamed when the run closes cleanly, so a killed run
never leaves a file that looks complete. A killed run is resumed by the next start: its
``.part`` file is kept (a torn last line cut off), what it holds is recorded in the state, and
the crawl goes on without fetching again what the run already exported.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exporters import JsonLinesItemExporter
from scrapy.settings import BaseSettings

from arrahmah.items import ARTICLE_FIELDS, utc_now
from arrahmah.site import Site
from arrahmah.state import CrawlState, Run

logger = logging.getLogger(__name__)

MODES = ("full", "incremental")
PAUSED_MARK = "arrahmah-paused"  # in a job dir: Scrapy stopped gracefully, its queue is whole


class DataDirBusy(RuntimeError):
    """Another crawl holds the data directory."""


def lock_data_dir(data_dir: Path) -> BinaryIO:
    """Hold ``data_dir`` for one crawl (released when the returned file closes, or the
    process dies); DataDirBusy when another crawl holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / ".lock").open("wb")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise DataDirBusy(f"another crawl is using {data_dir}") from None
    return lock


@dataclass
class RunContext:
    """One run of a crawl against one data directory."""

    data_dir: Path
    site: Site
    state: CrawlState
    run: Run
    unchanged: set[int] = field(default_factory=set)  # fetched unchanged: not in the run file
    _lock: BinaryIO | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: BaseSettings, requested_mode: str = "auto") -> RunContext:
        """Lock the data directory and start a run, or resume the unfinished one.

        ``requested_mode`` is ``full``, ``incremental`` or ``auto`` (full until a full run has
        finished, incremental after); an unfinished crawl run is resumed first, in its own mode.
        ``fetch`` is a one-off run of its own (``arrahmah fetch --record``): it resumes nothing.
        """
        if requested_mode not in (*MODES, "auto", "fetch"):
            raise ValueError(f"mode must be full, incremental or auto, not {requested_mode!r}")
        data_dir = Path(settings.get("ARRAHMAH_DATA_DIR") or "data")
        lock = lock_data_dir(data_dir)
        state = CrawlState(data_dir / "state.sqlite3")
        run = state.unfinished_run() if requested_mode != "fetch" else None
        if run is not None:
            if requested_mode not in ("auto", run.mode):
                logger.warning(
                    "resuming the unfinished %s run %s first; ask for %s again after it",
                    run.mode, run.run_id, requested_mode,
                )  # fmt: skip
        else:
            mode = requested_mode
            if mode == "auto":
                mode = "incremental" if state.has_finished("full") else "full"
            run = state.begin_run(mode)
        site = Site.from_base_url(settings.get("ARRAHMAH_BASE_URL"))
        return cls(data_dir, site, state, run, _lock=lock)

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def job_dir(self) -> Path:
        return self.data_dir / "job" / self.run.run_id

    def prepare_job_dir(self) -> Path:
        """The run's JOBDIR; a killed run's one is emptied (its request queue is not whole)."""
        if self.run.resumed and not (self.job_dir / PAUSED_MARK).exists():
            shutil.rmtree(self.job_dir, ignore_errors=True)
        (self.job_dir / PAUSED_MARK).unlink(missing_ok=True)
        self.job_dir.mkdir(parents=True, exist_ok=True)
        return self.job_dir

    def path_of(self, url: str) -> str:
        """The path of ``url`` on the site (the state's key for URLs, whatever the host: a
        mirror's pages may still name the origin in their canonical links)."""
        return self.site.path_of(url) or urlsplit(url).path or "/"

    def close(self) -> None:
        """Close the state and release the data directory."""
        self.state.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class RunFile:
    """A run's JSONL output, written to ``.part`` and renamed when complete."""

    def __init__(self, directory: Path, run_id: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.final = directory / f"{run_id}.jsonl"
        self.part = directory / f"{run_id}.jsonl.part"
        self._file: BinaryIO | None = None
        self._exporter: JsonLinesItemExporter | None = None
        self.count = 0

    def open(self) -> list[dict[str, Any]]:
        """Open for appending; returns the complete lines already there (a resumed run)."""
        if self.final.exists() and not self.part.exists():
            os.replace(self.final, self.part)  # renamed, then killed before the state knew
        kept: list[dict[str, Any]] = []
        if self.part.exists():
            good = 0
            with self.part.open("rb") as fh:
                for line in fh:
                    if not line.endswith(b"\n"):
                        break  # torn by a kill: cut off below
                    try:
                        kept.append(json.loads(line))
                    except ValueError:
                        break
                    good += len(line)
            os.truncate(self.part, good)
        self._file = self.part.open("ab")
        self._exporter = JsonLinesItemExporter(
            self._file,  # type: ignore[arg-type]  # any binary file; Scrapy annotates BytesIO
            encoding="utf-8",
            ensure_ascii=False,
            fields_to_export=list(ARTICLE_FIELDS),
        )
        self._exporter.start_exporting()
        self.count = len(kept)
        return kept

    def write(self, item: Any) -> None:
        """Append one item as one line, flushed to the OS (a killed process loses nothing)."""
        assert self._exporter is not None and self._file is not None
        self._exporter.export_item(item)
        self._file.flush()
        self.count += 1

    def close(self) -> None:
        """Flush everything to disk and close (the file keeps its ``.part`` name)."""
        if self._exporter is not None and self._file is not None:
            self._exporter.finish_exporting()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = self._exporter = None

    def publish(self) -> Path:
        """Give a complete run's file its final name."""
        os.replace(self.part, self.final)
        return self.final


class RunRecorder:
    """Extension: writes the run file, records each export in the state, reports the run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx: RunContext | None = None
        self.file: RunFile | None = None
        self.started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        self.ctx = getattr(spider, "run_context", None)
        if self.ctx is None:
            return
        self.file = RunFile(self.ctx.runs_dir, self.ctx.run.run_id)
        kept = self.file.open()
        exported = self.ctx.state.exported_in(self.ctx.run.run_id)
        for line in kept:  # written before a kill but maybe not yet recorded
            if line.get("post_id") not in exported:
                self._record(line)
        if kept:
            logger.info(
                "run %s resumed: %d articles already exported", self.ctx.run.run_id, len(kept)
            )

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
        if self.ctx is None or self.file is None:
            return
        if ItemAdapter(item).get("post_id") in self.ctx.unchanged:
            return
        self.file.write(item)  # the file first: a kill between the two is mended on resume
        self._record(item)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.ctx is None or self.file is None:
            return
        ctx = self.ctx
        self.file.close()
        job_dir = self.crawler.settings.get("JOBDIR")
        if reason == "shutdown":  # Ctrl-C / SIGTERM: Scrapy kept the job's queue whole
            report = self.report(spider, reason, self.file.part)
            if job_dir:
                Path(job_dir).mkdir(parents=True, exist_ok=True)
                (Path(job_dir) / PAUSED_MARK).touch()
            logger.info("run %s paused: start the crawl again to resume it", ctx.run.run_id)
        else:
            # report, then the run file's final name, then the state: a kill between any two
            # is mended by the next start (it resumes the run, its file renamed back)
            report = self.report(spider, reason, self.file.final)
            report_path = ctx.runs_dir / f"{ctx.run.run_id}.report.json"
            tmp = report_path.with_name(report_path.name + ".part")
            tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
            os.replace(tmp, report_path)
            self.file.publish()
            ctx.state.finish_run(ctx.run.run_id, "finished", report)
            shutil.rmtree(ctx.job_dir, ignore_errors=True)  # ours only, never a JOBDIR given
        logger.info("run report\n%s", format_report(report))
        ctx.close()

    def report(self, spider: Spider, reason: str, output: Path) -> dict[str, Any]:
        """The run's figures: requests, new/changed/moved/gone, drops by reason, duration."""
        assert self.ctx is not None
        stats = self.crawler.stats.get_stats()
        events = self.ctx.state.events(self.ctx.run.run_id)
        kinds = {kind: [e for e in events if e["kind"] == kind] for kind in
                 ("new", "changed", "moved", "gone")}  # fmt: skip
        prefix = "arrahmah/dropped/"
        report: dict[str, Any] = {
            "run_id": self.ctx.run.run_id,
            "mode": self.ctx.run.mode,
            "resumed": self.ctx.run.resumed,
            "finish_reason": reason,
            "started_at": self.ctx.run.started_at,
            "finished_at": utc_now(),
            "duration_s": round(time.monotonic() - self.started, 3),
            "requests": stats.get("downloader/request_count", 0),
            "responses_by_status": {
                key.rsplit("/", 1)[1]: value
                for key, value in sorted(stats.items())
                if key.startswith("downloader/response_status_count/")
            },
            "items_exported": self.file.count if self.file else 0,
            "unchanged": stats.get("arrahmah/unchanged", 0),
            **{kind: len(found) for kind, found in kinds.items()},
            "dropped": {
                key[len(prefix) :]: value
                for key, value in sorted(stats.items())
                if key.startswith(prefix)
            },
            "boilerplate": {
                "removed": {
                    key[len("arrahmah/boilerplate/") :]: value
                    for key, value in sorted(stats.items())
                    if key.startswith("arrahmah/boilerplate/")
                },
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
            "output": str(output),
        }
        discovery = getattr(spider, "discovery_report", None)
        if callable(discovery):
            report["discovery"] = discovery()
        return report


def format_report(report: dict[str, Any]) -> str:
    """The run report as an aligned log block."""
    lines = []
    for key, value in report.items():
        if key == "boilerplate":
            removed = ", ".join(f"{k} {n}" for k, n in value["removed"].items() if n)
            lines.append(f"  {'boilerplate':20s} {removed or 'none'}")
            value = f"{len(value['suspects'])} (see the report file)"
            key = "suspects"
        elif isinstance(value, list | dict) and len(json.dumps(value)) > 100:
            value = f"{len(value)} entries (see the report file)"
        lines.append(f"  {key:20s} {value}")
    return "\n".join(lines)
