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
from functools import cache
from typing import Any

import orjson

from arrahmah.dataset.runfiles import (
    Problems,
    RunFile,
    gone_posts,
    read_lines,
    run_id_member,
    run_report,
    with_run_id,
)
from arrahmah.dataset.zone import in_site_zone
from arrahmah.items import ARTICLE_FIELDS, Article, article_schema, with_defaults
from arrahmah.schema import column, json_schema, record
from arrahmah.times import exact_published

logger = logging.getLogger(__name__)


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
