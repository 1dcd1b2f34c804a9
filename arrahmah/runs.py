"""Crawl runs: the data directory, the run file each run writes, and the run's report.

Everything a crawl keeps lives under ``ARRAHMAH_DATA_DIR``::

    state.sqlite3            what the crawls know (see `arrahmah.state`)
    runs/<run>.jsonl         the new and changed articles of one finished run
    runs/<run>.jsonl.part    ... while the run is going (or after it was killed)
    runs/<run>.report.json   the run's report
    runs/times/<run>.jsonl   exact times the run learnt for articles exported with a date only
    job/<run>/               Scrapy's JOBDIR of the run, to resume it
    job/<run>.unchanged.jsonl  articles the run fetched unchanged (its feeds get them again
                             when the run resumes)
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
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from scrapy.exporters import JsonLinesItemExporter
from scrapy.settings import BaseSettings

from arrahmah.archive import WARC_DIR
from arrahmah.items import ARTICLE_FIELDS, Article
from arrahmah.ledger import RunLedger
from arrahmah.site import Site
from arrahmah.state import CrawlState, Run

logger = logging.getLogger(__name__)

MODES = ("full", "incremental")
ONE_OFF = ("fetch", "reextract")  # runs that write a run file but never walk the site
PAUSED_MARK = "arrahmah-paused"  # in a job dir: Scrapy stopped gracefully, its queue is whole


class DataDirBusy(RuntimeError):
    """Another crawl holds the data directory."""


# A custom signal: send_catch_log(times_corrected, fixes=[TimesFix, ...]).
times_corrected = object()
# A custom signal: send_catch_log(storage_failed, exc=OSError(...)): a file of the data
# directory other than the run file (the archive) could not be written; the run stops.
storage_failed = object()


@dataclass(frozen=True)
class TimesFix:
    """The exact times of a post an earlier run exported with date-only ones."""

    post_id: int
    url: str
    published_at: str
    modified_at: str | None

    def as_dict(self) -> dict[str, Any]:
        """As a line of ``runs/times/<run>.jsonl``."""
        return {
            "post_id": self.post_id,
            "url": self.url,
            "published_at": self.published_at,
            "modified_at": self.modified_at,
        }


class Refused(RuntimeError):
    """A crawl cannot start: one line for the user, and the exit status to leave with."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def preflight(settings: BaseSettings, mode: str = "auto") -> None:
    """Check, before a crawl starts, what would otherwise fail inside it: the base URL, the
    mode, the data directory (held by another crawl? writable?). Raises `Refused`."""
    from arrahmah.report import EXIT_BUSY, EXIT_FAILED, EXIT_USAGE

    try:
        Site.from_base_url(settings.get("ARRAHMAH_BASE_URL") or "")
    except ValueError as exc:
        raise Refused(str(exc), EXIT_USAGE) from None
    if mode not in (*MODES, "auto", "fetch"):
        raise Refused(f"mode must be full, incremental or auto, not {mode!r}", EXIT_USAGE)
    data_dir = Path(settings.get("ARRAHMAH_DATA_DIR") or "data")
    try:
        lock = lock_data_dir(data_dir)
    except DataDirBusy as exc:
        raise Refused(f"{exc}; try again when it has finished", EXIT_BUSY) from None
    except OSError as exc:
        raise Refused(_cannot_write(data_dir, exc), EXIT_FAILED) from None
    try:
        directories = [data_dir / "runs", data_dir / "job"]
        if settings.getbool("ARRAHMAH_WARC_ENABLED", True):
            directories.append(data_dir / WARC_DIR)
        for directory in directories:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=directory):
                pass
        state = CrawlState(data_dir / "state.sqlite3")
        try:
            state.db.execute("BEGIN IMMEDIATE")  # can it write?
            state.db.rollback()
        finally:
            state.close()
    except (OSError, sqlite3.Error) as exc:
        raise Refused(_cannot_write(data_dir, exc), EXIT_FAILED) from None
    finally:
        lock.close()


def _cannot_write(data_dir: Path, exc: BaseException) -> str:
    return (
        f"cannot write the data directory {data_dir} ({exc}): free space or fix its"
        " permissions, or point -s ARRAHMAH_DATA_DIR=DIR elsewhere"
    )


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
    ledger: RunLedger = field(default_factory=RunLedger, repr=False)  # what this process saw
    _lock: BinaryIO | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: BaseSettings, requested_mode: str = "auto") -> RunContext:
        """Lock the data directory and start a run, or resume the unfinished one.

        ``requested_mode`` is ``full``, ``incremental`` or ``auto`` (full until a full run has
        finished, incremental after); an unfinished crawl run is resumed first, in its own mode.
        ``fetch`` (``arrahmah fetch --record``) and ``reextract`` (``arrahmah reextract
        --record``) are one-off runs of their own: they resume nothing.
        """
        if requested_mode not in (*MODES, *ONE_OFF, "auto"):
            raise ValueError(f"mode must be full, incremental or auto, not {requested_mode!r}")
        data_dir = Path(settings.get("ARRAHMAH_DATA_DIR") or "data")
        lock = lock_data_dir(data_dir)
        state = CrawlState(data_dir / "state.sqlite3")
        run = state.unfinished_run() if requested_mode not in ONE_OFF else None
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
        context = cls(data_dir, site, state, run, _lock=lock)
        context.remove_stale_job_dirs()
        return context

    def remove_stale_job_dirs(self) -> None:
        """Job directories of runs that are over (a kill after the run was recorded)."""
        unfinished = self.state.unfinished_run()
        keep = {self.run.run_id} | ({unfinished.run_id} if unfinished else set())
        for path in (self.data_dir / "job").glob("*"):
            if path.name.split(".", 1)[0] not in keep:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

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

    @property
    def report_path(self) -> Path:
        """The run's report, once it has finished: ``runs/<run>.report.json``."""
        return self.runs_dir / f"{self.run.run_id}.report.json"

    @property
    def times_part(self) -> Path:
        """Where the run keeps the exact times it learns for earlier runs' articles, until it
        finishes (`TimesFix`; ``runs/times/<run>.jsonl`` then)."""
        return self.runs_dir / "times" / f"{self.run.run_id}.jsonl.part"

    def finish(self, file: RunFile, report: dict[str, Any], status: str = "finished") -> None:
        """Close the run (``status`` finished or failed): its report, then its files' final
        names, then the state. A failed run's empty run file is removed.

        Every run that writes a run file closes here: a crawl (`arrahmah.recorder`), ``fetch
        --record`` and ``reextract --record``. A kill between any two steps is mended by the
        next start (a crawl run is resumed, its file renamed back).
        """
        tmp = self.report_path.with_name(self.report_path.name + ".part")
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
        os.replace(tmp, self.report_path)
        if self.times_part.exists():
            os.replace(self.times_part, self.times_part.with_suffix(""))
        if status == "failed" and file.count == 0:
            file.part.unlink(missing_ok=True)
        else:
            file.publish()
        self.state.finish_run(self.run.run_id, status, report)

    def close(self) -> None:
        """Close the state and the ledger, and release the data directory."""
        self.state.close()
        self.ledger.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def jsonl_exporter(fh: BinaryIO) -> JsonLinesItemExporter:
    """Articles as JSON lines on ``fh``, as every output of the crawl writes them."""
    return JsonLinesItemExporter(
        fh,  # type: ignore[arg-type]  # any binary file; Scrapy annotates BytesIO
        encoding="utf-8",
        ensure_ascii=False,
        fields_to_export=list(ARTICLE_FIELDS),
    )


class RunFile:
    """Articles as JSONL lines (a run's file, or any output), written to a ``.part`` twin and
    renamed when complete."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.final = path
        self.part = path.with_name(path.name + ".part")
        self._file: BinaryIO | None = None
        self._exporter: JsonLinesItemExporter | None = None
        self.count = 0

    def open(self, resume: bool = True) -> list[dict[str, Any]]:
        """Open for appending; returns the complete lines already there (a resumed run).
        ``resume=False``: start empty, whatever an earlier attempt left."""
        if not resume:
            self.part.unlink(missing_ok=True)
        elif self.final.exists() and not self.part.exists():
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
        self._exporter = jsonl_exporter(self._file)
        self._exporter.start_exporting()
        self.count = len(kept)
        return kept

    def write(self, item: Any) -> None:
        """Append one item as one line, flushed to the OS (a killed process loses nothing)."""
        assert self._exporter is not None and self._file is not None
        if isinstance(item, Article):
            # the exporter's very line, without its per-field calls (no field of an Article
            # has a serializer of its own): half the cost of writing it
            fields = {name: getattr(item, name) for name in ARTICLE_FIELDS}
            self._file.write(self._exporter.encoder.encode(fields).encode() + b"\n")
        else:
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
