"""Run files → the dataset's rows: the latest version of each post, by publication time.

Pass 1 (`index_runs`) reads every finished run file once and keeps, per post id, where its latest
version is (file, byte offset) and its publication time; pass 2 (`rows`) reads those lines in
``(published_at, post_id)`` order. Memory holds that index, never the rows. A line that is
torn, not JSON, or not a valid article is skipped with a counted, logged reason.

The time rule: the site's times (``published_at``, ``modified_at``) are given in the site's zone,
Asia/Jakarta (``+07:00``), whatever offset a run file wrote them with; ``published_date`` is the
publication date in that zone; ``crawled_at`` is the crawler's clock, in UTC.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from arrahmah.items import ARTICLE_FIELDS, SITE_TIMEZONE, Article, article_schema, with_defaults
from arrahmah.schema import column, json_schema, record

logger = logging.getLogger(__name__)
READ_BUFFER = 1 << 20


def _date32(pa: Any) -> Any:
    return pa.date32()


STATUSES = {
    "live": "the article's URL answered when last fetched",
    "gone": "its URL answered 404/410 in a later run (the row keeps its last version)",
}


@record
class DatasetRow(Article):
    """A row of the dataset: the latest version of an article, its status and its run."""

    published_date: str = column(
        "publication date in the site's zone (Asia/Jakarta); set also where only the date is known",
        {"type": "string", "title": "YYYY-MM-DD", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        arrow=_date32,
    )
    status: str = column(
        "; ".join(f"`{name}`: {meaning}" for name, meaning in STATUSES.items()),
        {"enum": list(STATUSES)},
    )
    run_id: str = column("the crawl run that exported this version", {"type": "string"})


ROW_FIELDS: tuple[str, ...] = tuple(DatasetRow.__dataclass_fields__)
ROW_EXTRA_FIELDS = ROW_FIELDS[len(ARTICLE_FIELDS) :]


@cache
def row_schema() -> dict[str, Any]:
    """The JSON Schema of a dataset row (the dataset's ``schema.json``)."""
    return json_schema(
        DatasetRow,
        title="Dataset row",
        description="The latest version of one article of arrahmahnews.com.",
    )


# ---- time ---------------------------------------------------------------------------------------
SITE_ZONE = ZoneInfo(SITE_TIMEZONE)
_SITE_OFFSET = datetime(2020, 1, 1, tzinfo=SITE_ZONE).isoformat()[-6:]  # "+07:00"


def site_time(value: str | None) -> str | None:
    """An ISO time in the site's zone (a date alone, or None, as it is)."""
    if value is None or len(value) == 10 or value.endswith(_SITE_OFFSET):
        return value
    return datetime.fromisoformat(value).astimezone(SITE_ZONE).isoformat()


def in_site_zone(article: dict[str, Any]) -> dict[str, Any]:
    """``article`` with its site times in the site's zone (in place)."""
    article["published_at"] = site_time(article["published_at"])
    article["modified_at"] = site_time(article["modified_at"])
    return article


# ---- reading run files --------------------------------------------------------------------------
@dataclass
class Problems:
    """Lines and files skipped, by reason."""

    counts: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, where: str, detail: str = "") -> None:
        self.counts[reason] += 1
        logger.warning("skipped %s: %s%s", where, reason, f" ({detail})" if detail else "")

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


def gone_posts(run: RunFile) -> list[int]:
    """Posts a run's report marks gone (none when the report is missing or unreadable)."""
    report = run.path.with_name(f"{run.run_id}.report.json")
    try:
        data = orjson.loads(report.read_bytes())
        return [int(p) for p in data.get("gone_posts", [])]
    except (OSError, ValueError, TypeError, AttributeError):
        return []


# ---- the index ----------------------------------------------------------------------------------
@dataclass(slots=True)
class Latest:
    """Where the latest version of one post is."""

    version: int
    run: int
    offset: int
    length: int
    published_at: str


def time_fixes(runs: list[RunFile]) -> dict[int, tuple[str, str | None]]:
    """Exact times later runs learnt for posts exported with a date only (the REST index was
    down): ``runs/times/<run>.jsonl`` beside the finished run files; the latest wins."""
    fixes: dict[int, tuple[str, str | None]] = {}
    for run in runs:
        path = run.path.parent / "times" / run.path.name
        try:
            lines = path.read_bytes().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            try:
                fix = orjson.loads(line)
                fixes[int(fix["post_id"])] = (str(fix["published_at"]), fix.get("modified_at"))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                logger.warning("%s: a line that is no time correction, skipped", path)
    return fixes


def with_exact_times(article: dict[str, Any], fix: tuple[str, str | None] | None) -> dict[str, Any]:
    """``article`` with the exact times a later run learnt, where it has only a date (or no
    modification time). A correction of times is not a new version: the text is the same."""
    if fix is None:
        return article
    published, modified = fix
    if len(article["published_at"]) == 10 and published.startswith(article["published_at"]):
        article["published_at"] = published
    if article.get("modified_at") is None and modified:
        article["modified_at"] = modified
    return article


@dataclass
class Index:
    """Per post id, its latest version's place; plus which posts went since."""

    runs: list[RunFile]
    latest: dict[int, Latest] = field(default_factory=dict)
    gone_after: dict[int, int] = field(default_factory=dict)  # post id -> run that found it gone
    versions: int = 0
    fixes: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    def status(self, post_id: int) -> str:
        gone = self.gone_after.get(post_id)
        return "gone" if gone is not None and gone >= self.latest[post_id].run else "live"

    def order(self) -> list[int]:
        """Post ids by publication time, then id."""
        latest = self.latest
        return sorted(latest, key=lambda p: (latest[p].published_at, p))


def index_runs(
    runs: list[RunFile],
    problems: Problems,
    versions_out: Callable[[bytes], object] | None = None,
) -> Index:
    """Pass 1: read every run file once; ``versions_out`` gets each new version's JSON line."""
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(article_schema())
    index = Index(runs, fixes=time_fixes(runs))
    seen_versions: set[tuple[int, int]] = set()
    for number, run in enumerate(runs):
        member = run_id_member(run.run_id)
        for offset, line, article in read_lines(run, validator, problems):
            post_id, version = article["post_id"], article["version"]
            if (post_id, version) in seen_versions:
                continue
            seen_versions.add((post_id, version))
            index.versions += 1
            if versions_out is not None:
                versions_out(with_run_id(line, member))
            current = index.latest.get(post_id)
            if current is None or (version, number) >= (current.version, current.run):
                published = with_exact_times(article, index.fixes.get(post_id))["published_at"]
                index.latest[post_id] = Latest(version, number, offset, len(line), published)
        for post_id in gone_posts(run):
            index.gone_after[post_id] = number
    return index


class _Files:
    """Open run files, a bounded number at a time (a year of hourly runs is 8,760 files)."""

    def __init__(self, runs: list[RunFile], keep: int = 64) -> None:
        self.runs, self.keep = runs, keep
        self.open: dict[int, int] = {}  # run -> file descriptor, most recently used last

    def line(self, where: Latest) -> bytes:
        fd = self.open.pop(where.run, None)
        if fd is None:
            fd = os.open(self.runs[where.run].path, os.O_RDONLY)
        self.open[where.run] = fd
        if len(self.open) > self.keep:
            os.close(self.open.pop(next(iter(self.open))))
        return os.pread(fd, where.length, where.offset)

    def close(self) -> None:
        for fd in self.open.values():
            os.close(fd)


def rows(index: Index) -> Iterator[dict[str, Any]]:
    """Pass 2: the dataset's rows, latest version of each post, by publication time."""
    files = _Files(index.runs)
    try:
        for post_id in index.order():
            where = index.latest[post_id]
            article = with_defaults(orjson.loads(files.line(where)))
            article = in_site_zone(with_exact_times(article, index.fixes.get(post_id)))
            row = {name: article[name] for name in ARTICLE_FIELDS}
            row["published_date"] = row["published_at"][:10]
            row["status"] = index.status(post_id)
            row["run_id"] = index.runs[where.run].run_id
            yield row
    finally:
        files.close()
