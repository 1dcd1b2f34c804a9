"""The run report, and the run's outcome as an exit status a scheduler can trust.

Exit statuses of ``scrapy crawl arrahmah``, ``arrahmah crawl``, ``arrahmah fetch`` and
``arrahmah reextract`` (which knows ok, failed, usage and, recording, busy):

====  ==========  ==========================================================================
code  outcome     meaning
====  ==========  ==========================================================================
0     ok          the run did its job: every article it wanted is exported (or unchanged);
                  articles it may never have (robots.txt, too large, not an article) are
                  listed in the report's ``failed``
1     failed      it reached nothing, exported nothing it should have, or could not write
                  its run file, report or state; the run is not recorded as a finished walk
2     usage       a bad option or setting (nothing was crawled)
3     partial     the run finished, but some articles failed (server errors, damaged pages)
                  and are fetched again by the next run; or it was stopped (SIGINT/SIGTERM)
                  and resumes when started again
75    busy        another crawl holds the data directory (try again later)
====  ==========  ==========================================================================
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from arrahmah.items import utc_now
from arrahmah.losses import Loss
from arrahmah.state import Run

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 0, 1, 2, 3, 75
FAILED_LISTED = 10_000  # losses listed one by one in a report; all are counted


@dataclass(frozen=True)
class Outcome:
    """How a run ended, in one word, one exit status and one line."""

    status: str  # ok | partial | failed | paused
    exit_code: int
    summary: str


def outcome(
    *,
    reached: bool,
    wanted: int,
    exported: int,
    losses: list[Loss],
    finish_reason: str,
    io_error: str | None,
    base_url: str,
    first_error: str | None = None,
) -> Outcome:
    """Decide how the run ended from what it reached, exported and lost."""
    pending = [loss for loss in losses if not loss.terminal]
    counts = ", ".join(f"{n} {r}" for r, n in Counter(x.reason for x in losses).most_common())
    if io_error:
        return Outcome("failed", EXIT_FAILED, f"could not write the data directory: {io_error}")
    if not reached:
        first = first_error or next((x.detail for x in losses if x.detail), "no answer")
        return Outcome("failed", EXIT_FAILED, f"reached nothing at {base_url} ({first})")
    if wanted and not exported and losses and len(pending) == len(losses):
        return Outcome("failed", EXIT_FAILED, f"exported nothing of {wanted} articles ({counts})")
    if finish_reason == "shutdown":
        return Outcome("paused", EXIT_PARTIAL, "stopped; start the crawl again to resume it")
    if finish_reason != "finished":
        return Outcome("failed", EXIT_FAILED, f"the crawl ended early ({finish_reason})")
    if pending:
        return Outcome(
            "partial",
            EXIT_PARTIAL,
            f"{exported} exported; {len(pending)} to fetch again next run ({counts})",
        )
    tail = f"; {len(losses)} not exported ({counts})" if losses else ""
    return Outcome("ok", EXIT_OK, f"{exported} exported{tail}")


def head(run: Run, outcome: Outcome, duration_s: float) -> dict[str, Any]:
    """What every run's report opens with (a crawl's, ``fetch --record``'s, ``reextract
    --record``'s): the run, how it ended, when, and how long it took."""
    return {
        "run_id": run.run_id,
        "mode": run.mode,
        "resumed": run.resumed,
        "outcome": outcome.status,
        "exit_status": outcome.exit_code,
        "summary": outcome.summary,
        "started_at": run.started_at,
        "finished_at": utc_now(),
        "duration_s": round(duration_s, 3),
    }


def failed_section(losses: list[Loss]) -> dict[str, Any]:
    """The report's losses: counts by reason, and each URL with its reason."""
    return {
        "by_reason": dict(Counter(x.reason for x in losses).most_common()),
        "urls": [x.as_dict() for x in losses[:FAILED_LISTED]],
        "listed": min(len(losses), FAILED_LISTED),
        "total": len(losses),
    }


def stats_section(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The stats under ``prefix``, without it, in key order."""
    return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def short_report(report: dict[str, Any], path: Any) -> str:
    """The run report in one line: what a scheduler's log keeps of a quiet run."""
    counts = ", ".join(
        f"{report.get(kind, 0)} {kind}" for kind in ("new", "changed", "moved", "gone")
    )
    return (
        f"run {report['run_id']}, {report['mode']}: {counts}, {report['unchanged']} unchanged,"
        f" {report['requests']} requests in {report['duration_s']:.0f} s; report {path}"
    )


def format_report(report: dict[str, Any]) -> str:
    """The run report as an aligned log block: long lists are counted, not printed."""
    lines = []
    for key, value in report.items():
        if key == "boilerplate":
            removed = ", ".join(f"{k} {n}" for k, n in value["removed"].items() if n)
            lines.append(f"  {'boilerplate':20s} {removed or 'none'}")
            key, value = "suspects", f"{len(value['suspects'])} (see the report file)"
        elif key in ("failed", "skipped") and isinstance(value, dict):
            value = ", ".join(f"{r} {n}" for r, n in value["by_reason"].items()) or "none"
        elif isinstance(value, list | dict) and len(json.dumps(value)) > 100:
            value = f"{len(value)} entries (see the report file)"
        lines.append(f"  {key:20s} {value}")
    return "\n".join(lines)
