"""Reading run files: which are finished, their lines (torn, non-JSON and invalid ones skipped
and counted), their reports. Pass 1 of the build (`arrahmah.dataset.rows.index_runs`) reads them
through this."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from arrahmah.dataset.zone import in_site_zone
from arrahmah.items import with_defaults

logger = logging.getLogger(__name__)

READ_BUFFER = 1 << 20


@dataclass
class Problems:
    """Lines and files skipped, by reason."""

    counts: Counter[str] = field(default_factory=Counter)

    LOGGED = 10  # lines logged per reason; the rest are counted (a bad file is not a flood)

    def skip(self, reason: str, where: str, detail: str = "") -> None:
        self.counts[reason] += 1
        if self.counts[reason] <= self.LOGGED:
            logger.warning("skipped %s: %s%s", where, reason, f" ({detail})" if detail else "")
        elif self.counts[reason] == self.LOGGED + 1:
            logger.warning("more lines skipped for %s: counted, not logged", reason)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RunFile:
    """A finished run file and its size when the build began: all the build reads of it."""

    path: Path
    size: int
    run_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_id", self.path.name.removesuffix(".jsonl"))


def finished_runs(runs_dir: Path) -> list[RunFile]:
    """The finished run files, in run order (their names are their UTC start times), as now.

    A ``.part`` file belongs to a run still going, or killed and not yet resumed: its articles
    join the dataset once that run finishes. A run that finishes while a build reads is left
    to the next build.
    """
    for part in sorted(runs_dir.glob("*.jsonl.part")):
        logger.info("left out %s: its run has not finished", part.name)
    found = []
    for path in sorted(runs_dir.glob("*.jsonl")):
        try:
            found.append(RunFile(path, path.stat().st_size))
        except FileNotFoundError:  # pruned between the listing and now
            continue
    return found


def read_lines(
    run: RunFile, validator: Any, problems: Problems
) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    """``(byte offset, line, article)`` of every valid line of a run file; the article with its
    site times in the site's zone, the fields it was written without given their defaults."""
    offset = 0
    with run.path.open("rb", buffering=READ_BUFFER) as fh:
        for number, line in enumerate(fh, start=1):
            start, offset = offset, offset + len(line)
            if offset > run.size:  # written after the build began
                break
            if not line.strip():
                continue
            if not line.endswith(b"\n"):
                problems.skip("truncated line", f"{run.path.name}:{number}")
                continue
            try:
                article = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                problems.skip("not JSON", f"{run.path.name}:{number}", str(exc))
                continue
            if isinstance(article, dict):
                with_defaults(article)
            if not isinstance(article, dict) or not validator.is_valid(article):
                error = next(iter(validator.iter_errors(article)), None)
                detail = error.message if error else ""
                problems.skip("fails the schema", f"{run.path.name}:{number}", detail)
                continue
            try:
                yield start, line, in_site_zone(article)
            except ValueError as exc:  # a time the pattern admits but the calendar does not
                problems.skip("fails the schema", f"{run.path.name}:{number}", str(exc))


def run_id_member(run_id: str) -> bytes:
    """What `with_run_id` adds: ``, "run_id": "…"}`` and the newline."""
    return b', "run_id": ' + orjson.dumps(run_id) + b"}\n"


def with_run_id(line: bytes, member: bytes) -> bytes:
    """A run file's line (a JSON object) with its run's `run_id_member` added last: a line of
    ``versions.jsonl``, the version as its run file holds it."""
    return line.rstrip()[:-1] + member


def run_report(run: RunFile) -> dict[str, Any]:
    """A run's report (empty when it is missing or unreadable)."""
    try:
        report = orjson.loads(run.path.with_name(f"{run.run_id}.report.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def gone_posts(report: dict[str, Any]) -> list[int]:
    """Posts a run's report marks gone."""
    try:
        return [int(p) for p in report.get("gone_posts", [])]
    except (TypeError, ValueError):
        return []
