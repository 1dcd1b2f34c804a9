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
from arrahmah.times import exact_published

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
    run_id: str = column(
        "the run that wrote this row: the crawl run that exported this version, or the"
        " re-extraction run that parsed its archived pages again",
        {"type": "string"},
    )


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


# ---- the index ----------------------------------------------------------------------------------
@dataclass(slots=True)
class Place:
    """Where a version's row is: its run file (by number), the line, its publication time."""

    run: int
    offset: int
    length: int
    published_at: str


@dataclass(slots=True)
class Latest(Place):
    """Where the latest version of one post is."""

    version: int
    exported: int  # the run that exported it first: a re-extraction's row may stand in for it


@dataclass
class Reextracted:
    """What re-extraction runs (``arrahmah reextract --record``) wrote: rows that stand in for
    the rows of the same versions a crawl exported (a later re-extraction's for an earlier's);
    they make no version (a version no crawl exported counts from its re-extraction)."""

    rows: dict[tuple[int, int], Place] = field(default_factory=dict)  # (post, version) -> row
    versions: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # run -> its keys
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)  # run -> its report


def read_reextracted(
    runs: list[RunFile], reports: list[dict[str, Any]], validator: Any, problems: Problems
) -> Reextracted:
    """The rows of every re-extraction run, known before pass 1 reads the crawls' runs."""
    found = Reextracted()
    for number, run in enumerate(runs):
        if reports[number].get("mode") != "reextract":
            continue
        found.reports[number] = reports[number]
        keys = found.versions[number] = []
        for offset, line, article in read_lines(run, validator, problems):
            key = (article["post_id"], article["version"])
            found.rows[key] = Place(number, offset, len(line), article["published_at"])
            keys.append(key)
    return found


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
    article["published_at"] = exact_published(article["published_at"], published)
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
    reextractions: dict[int, dict[str, Any]] = field(default_factory=dict)  # run -> its report

    def status(self, post_id: int) -> str:
        """Gone when a run after the version's first export found the post gone (a later
        re-extraction of the version changes nothing)."""
        gone = self.gone_after.get(post_id)
        return "gone" if gone is not None and gone >= self.latest[post_id].exported else "live"

    def order(self) -> list[int]:
        """Post ids by publication time, then id."""
        latest = self.latest
        return sorted(latest, key=lambda p: (latest[p].published_at, p))

    def reextracted(self) -> list[dict[str, Any]]:
        """The re-extraction runs rows of the dataset come from: run id, when it finished,
        its extractor, its rows."""
        rows_from = Counter(latest.run for latest in self.latest.values())
        return [
            {
                "run_id": self.runs[number].run_id,
                "finished_at": report.get("finished_at"),
                "extractor": report.get("extractor"),
                "rows": rows_from[number],
            }
            for number, report in sorted(self.reextractions.items())
            if rows_from[number]
        ]


def index_runs(
    runs: list[RunFile],
    problems: Problems,
    versions_out: Callable[[bytes], object] | None = None,
) -> Index:
    """Pass 1: read every run file once; ``versions_out`` gets each new version's JSON line.

    A version's row is the one its first export wrote, unless a re-extraction run wrote it
    again: then the re-extraction's row stands in for it, here and in ``versions_out``.
    """
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(article_schema())
    reports = [run_report(run) for run in runs]
    index = Index(runs, fixes=time_fixes(runs))
    redone = read_reextracted(runs, reports, validator, problems)
    index.reextractions = redone.reports
    members = [run_id_member(run.run_id) for run in runs]
    seen_versions: set[tuple[int, int]] = set()
    files = _Files(runs)
    try:
        for number, run in enumerate(runs):
            for key, place, line in _versions(number, run, redone, validator, problems):
                if key in seen_versions:
                    continue
                seen_versions.add(key)
                index.versions += 1
                if key in redone.rows:
                    place, line = redone.rows[key], None
                if versions_out is not None:
                    versions_out(with_run_id(line or files.line(place), members[place.run]))
                post_id, version = key
                current = index.latest.get(post_id)
                if current is None or (version, number) >= (current.version, current.exported):
                    fix = index.fixes.get(post_id)
                    published = exact_published(place.published_at, fix[0] if fix else None)
                    index.latest[post_id] = Latest(
                        place.run, place.offset, place.length, published, version, number
                    )
            for post_id in gone_posts(reports[number]):
                index.gone_after[post_id] = number
    finally:
        files.close()
    return index


def _versions(
    number: int, run: RunFile, redone: Reextracted, validator: Any, problems: Problems
) -> Iterator[tuple[tuple[int, int], Place, bytes | None]]:
    """``((post id, version), place, line)`` of every valid line of a run file (a
    re-extraction run's were read already: their places, without the lines)."""
    if number in redone.versions:
        for key in redone.versions[number]:
            yield key, redone.rows[key], None
        return
    for offset, line, article in read_lines(run, validator, problems):
        place = Place(number, offset, len(line), article["published_at"])
        yield (article["post_id"], article["version"]), place, line


class _Files:
    """Open run files, a bounded number at a time (a year of hourly runs is 8,760 files)."""

    def __init__(self, runs: list[RunFile], keep: int = 64) -> None:
        self.runs, self.keep = runs, keep
        self.open: dict[int, int] = {}  # run -> file descriptor, most recently used last

    def line(self, where: Place) -> bytes:
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
