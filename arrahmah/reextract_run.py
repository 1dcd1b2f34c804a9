"""A re-extraction as a run: `run` writes what `arrahmah.reextract.Reextraction` gives to a
file, a stream and (``--record``) a run of mode ``reextract``, closed as every run is, and says
how it ended."""

from __future__ import annotations

import logging
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from scrapy.settings import BaseSettings

import arrahmah
from arrahmah import report
from arrahmah.captures import UnreadTail
from arrahmah.reextract import Reextraction
from arrahmah.runs import RunContext, RunFile, jsonl_exporter

logger = logging.getLogger(__name__)


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
