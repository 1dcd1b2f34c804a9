"""The dataset analysts use: every run file merged into one table, latest version of each post.

    build(runs_dir, out_dir)  ->  articles.jsonl, articles.parquet, versions.jsonl, schema.json,
                                  DATASET.md, articles_per_month.png

The build streams: a first pass reads every run file once and keeps, per post id, where its
latest version is (file, byte offset) and its publication date; a second pass reads those lines
in (published_at, post_id) order and writes them out. Memory holds that index, not the rows.
Building twice from the same runs gives byte-identical files; adding a run and rebuilding gives
what building from scratch gives. A line that is torn, not JSON, or not a valid article is
skipped with a counted, logged reason: it never reaches the dataset.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs

from arrahmah.items import ARTICLE_FIELDS, article_schema

logger = logging.getLogger(__name__)

ROW_EXTRA_FIELDS = ("status", "run_id")
ROW_FIELDS = (*ARTICLE_FIELDS, *ROW_EXTRA_FIELDS)
LOAD_EXAMPLES = {
    "pandas": 'import pandas as pd; df = pd.read_parquet("articles.parquet")',
    "polars": 'import polars as pl; df = pl.read_parquet("articles.parquet")',
    "DuckDB": "import duckdb; df = duckdb.sql(\"SELECT * FROM 'articles.parquet'\").df()",
}
CHART = "articles_per_month.png"
OUTPUTS = (
    "articles.jsonl",
    "articles.parquet",
    "versions.jsonl",
    "schema.json",
    "DATASET.md",
    CHART,
)
BATCH = 5_000  # rows per Parquet row group write


def row_schema() -> dict[str, Any]:
    """The JSON Schema of a dataset row: an article, plus its status and the run it came from."""
    schema = copy.deepcopy(article_schema())
    schema["title"] = "Dataset row"
    schema["description"] = "The latest version of one article of arrahmahnews.com."
    schema["required"] = [*schema["required"], *ROW_EXTRA_FIELDS]
    schema["properties"]["status"] = {
        "enum": ["live", "gone"],
        "description": "gone: the article's URL answered 404/410 in a later run.",
    }
    schema["properties"]["run_id"] = {
        "type": "string",
        "description": "The crawl run that exported this version.",
    }
    return schema


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


def run_files(runs_dir: Path) -> list[Path]:
    """Complete run files in run order (their names are their UTC start times).

    A ``.part`` file belongs to a run still going, or killed and not yet resumed: its articles
    join the dataset once that run finishes.
    """
    for part in sorted(runs_dir.glob("*.jsonl.part")):
        logger.info("left out %s: its run has not finished", part.name)
    return sorted(runs_dir.glob("*.jsonl"))


def read_lines(
    path: Path, validator: Any, problems: Problems
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(byte offset, article)`` of every valid line of a run file."""
    offset = 0
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            where = f"{path.name}:{number}"
            start, offset = offset, offset + len(line)
            if not line.strip():
                continue
            if not line.endswith(b"\n"):
                problems.skip("truncated line", where)
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                problems.skip("not JSON", where, str(exc))
                continue
            if not isinstance(record, dict) or not validator.is_valid(record):
                error = next(iter(validator.iter_errors(record)), None)
                problems.skip("fails the schema", where, error.message if error else "")
                continue
            yield start, record


def gone_posts(runs_dir: Path, run_id: str) -> list[int]:
    """Posts a run's report marks gone (none when the report is missing or unreadable)."""
    report = runs_dir / f"{run_id}.report.json"
    try:
        data = json.loads(report.read_text("utf-8"))
        return [int(p) for p in data.get("gone_posts", [])]
    except (OSError, ValueError, TypeError):
        return []


# ---- the index ----------------------------------------------------------------------------------
@dataclass
class Latest:
    """Where the latest version of one post is."""

    version: int
    run: int
    offset: int
    published_at: str


@dataclass
class Index:
    """Per post id, its latest version's place; plus which posts went since."""

    files: list[Path]
    latest: dict[int, Latest] = field(default_factory=dict)
    gone_after: dict[int, int] = field(default_factory=dict)  # post id -> run that found it gone
    versions: int = 0

    def status(self, post_id: int) -> str:
        gone = self.gone_after.get(post_id)
        return "gone" if gone is not None and gone >= self.latest[post_id].run else "live"

    def order(self) -> list[int]:
        """Post ids by publication time, then id."""
        return sorted(self.latest, key=lambda p: (self.latest[p].published_at, p))


def index_runs(
    runs_dir: Path, problems: Problems, versions_out: Callable[[bytes], object] | None = None
) -> Index:
    """Pass 1: read every run file once; ``versions_out`` gets each new version's JSON line."""
    validator = jsonschema_rs.validator_for(article_schema())
    index = Index(files=run_files(runs_dir))
    seen_versions: set[tuple[int, int]] = set()
    for run, path in enumerate(index.files):
        for offset, record in read_lines(path, validator, problems):
            post_id, version = record["post_id"], record["version"]
            if (post_id, version) in seen_versions:
                continue
            seen_versions.add((post_id, version))
            index.versions += 1
            if versions_out is not None:
                versions_out(_jsonl({**record, "run_id": path.stem}))
            current = index.latest.get(post_id)
            if current is None or (version, run) >= (current.version, current.run):
                index.latest[post_id] = Latest(version, run, offset, record["published_at"])
        for post_id in gone_posts(runs_dir, path.stem):
            index.gone_after[post_id] = run
    return index


def _jsonl(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


class _Files:
    """Open run files, a bounded number at a time (a year of hourly runs is 8,760 files)."""

    def __init__(self, paths: list[Path], keep: int = 64) -> None:
        self.paths, self.keep = paths, keep
        self.open: dict[int, Any] = {}

    def line(self, run: int, offset: int) -> dict[str, Any]:
        fh = self.open.pop(run, None) or self.paths[run].open("rb")
        self.open[run] = fh  # most recently used last
        if len(self.open) > self.keep:
            oldest = next(iter(self.open))
            self.open.pop(oldest).close()
        fh.seek(offset)
        return json.loads(fh.readline())

    def close(self) -> None:
        for fh in self.open.values():
            fh.close()


def rows(index: Index) -> Iterator[dict[str, Any]]:
    """Pass 2: the dataset's rows, latest version of each post, by publication time."""
    files = _Files(index.files)
    try:
        for post_id in index.order():
            where = index.latest[post_id]
            record = files.line(where.run, where.offset)
            record["status"] = index.status(post_id)
            record["run_id"] = index.files[where.run].stem
            yield {name: record.get(name) for name in ROW_FIELDS}
    finally:
        files.close()


# ---- parquet ------------------------------------------------------------------------------------
def _parquet_schema() -> Any:
    import pyarrow as pa

    link = pa.struct([("url", pa.string()), ("title", pa.string())])
    image = pa.struct([("url", pa.string()), ("caption", pa.string())])
    ts = pa.timestamp("s", tz="UTC")
    return pa.schema(
        [
            ("post_id", pa.int64()),
            ("url", pa.string()),
            ("former_urls", pa.list_(pa.string())),
            ("status", pa.string()),
            ("version", pa.int32()),
            ("title", pa.string()),
            ("published_at", ts),
            ("published_date", pa.date32()),
            ("modified_at", ts),
            ("author", pa.string()),
            ("categories", pa.list_(pa.string())),
            ("tags", pa.list_(pa.string())),
            ("dateline", pa.string()),
            ("body", pa.string()),
            ("related", pa.list_(link)),
            ("images", pa.list_(image)),
            ("comments_count", pa.int32()),
            ("pages", pa.int32()),
            ("language", pa.string()),
            ("word_count", pa.int32()),
            ("content_hash", pa.string()),
            ("crawled_at", ts),
            ("run_id", pa.string()),
        ]
    )


def _timestamp(value: str | None) -> datetime | None:
    """An ISO timestamp with its offset; None for a date alone (no time was given)."""
    if not value or len(value) <= 10:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _parquet_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["published_at"] = _timestamp(row["published_at"])
    out["published_date"] = date.fromisoformat(row["published_at"][:10])
    out["modified_at"] = _timestamp(row["modified_at"])
    out["crawled_at"] = _timestamp(row["crawled_at"])
    return out


class ParquetOut:
    """Rows to a Parquet file, written in batches."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.schema = _parquet_schema()
        self.path = path
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.batch: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.batch.append(_parquet_row(row))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.batch:
            self.writer.write_table(pa.Table.from_pylist(self.batch, schema=self.schema))
            self.batch = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


# ---- statistics ---------------------------------------------------------------------------------
@dataclass
class Stats:
    """The dataset card's numbers, gathered row by row."""

    articles: int = 0
    gone: int = 0
    edited: int = 0
    moved: int = 0
    first: str | None = None
    last: str | None = None
    authors: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)
    filled: Counter[str] = field(default_factory=Counter)
    related_links: int = 0
    related_internal: int = 0
    linking_articles: int = 0
    _paths: set[str] = field(default_factory=set, repr=False)
    _targets: Counter[str] = field(default_factory=Counter, repr=False)

    def add(self, row: dict[str, Any]) -> None:
        """Count one row."""
        self.articles += 1
        self.gone += row["status"] == "gone"
        self.edited += row["version"] > 1
        self.moved += bool(row["former_urls"])
        day = row["published_at"][:10]
        self.first = min(self.first or day, day)
        self.last = max(self.last or day, day)
        self.months[day[:7]] += 1
        if row["author"]:
            self.authors[row["author"]] += 1
        self.categories.update(row["categories"])
        self.tags.update(row["tags"])
        for name in ROW_FIELDS:
            if row.get(name) not in (None, "", [], {}):
                self.filled[name] += 1
        for url in [row["url"], *row["former_urls"]]:
            self._paths.add(_path(url))
        links = row["related"]
        self.related_links += len(links)
        self.linking_articles += bool(links)
        self._targets.update(_path(link["url"]) for link in links)

    def finish(self) -> Stats:
        """Resolve the link graph once every row was seen."""
        self.related_internal = sum(n for path, n in self._targets.items() if path in self._paths)
        return self

    def summary(self) -> dict[str, Any]:
        """The numbers, JSON-ready."""
        return {
            "articles": self.articles,
            "authors": len(self.authors),
            "categories": len(self.categories),
            "tags": len(self.tags),
            "gone": self.gone,
            "edited": self.edited,
            "moved": self.moved,
            "first_published": self.first,
            "last_published": self.last,
            "related_links": self.related_links,
            "related_links_to_dataset_articles": self.related_internal,
            "articles_with_related_links": self.linking_articles,
            "linked_articles": len(self._targets),
        }


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def stats_of(rows_in: Iterable[dict[str, Any]]) -> Stats:
    """The card's numbers of ``rows_in``."""
    stats = Stats()
    for row in rows_in:
        stats.add(row)
    return stats.finish()


# ---- the card -----------------------------------------------------------------------------------
def chart(stats: Stats, path: Path) -> None:
    """A bar chart of articles per month, as PNG (deterministic: no timestamp in it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    months = sorted(stats.months)
    fig, ax = plt.subplots(figsize=(max(6, len(months) * 0.35), 3.5), dpi=100)
    ax.bar(range(len(months)), [stats.months[m] for m in months], color="#2b6cb0")
    ax.set_xticks(range(len(months)), months, rotation=90, fontsize=7)
    ax.set_ylabel("articles")
    ax.set_title("arrahmahnews.com: articles per month")
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)


def card(stats: Stats, problems: Problems, index: Index) -> str:
    """DATASET.md: what the dataset is, its fields, its numbers, how to load it."""
    numbers = stats.summary()
    schema = row_schema()["properties"]
    out = io.StringIO()
    w = out.write
    w("# arrahmahnews.com articles\n\n")
    w("Every article of the Indonesian news site arrahmahnews.com that the arrahmah crawler\n")
    w("exported, one row per WordPress post, its latest version. Built by\n")
    w(f"`arrahmah dataset build` from {len(index.files)} crawl run files ")
    w(f"({index.versions} article versions).\nThe text is cleaned of the site's boilerplate ")
    w("(cross-links kept in `related`); every row is\nvalidated against `schema.json`. ")
    w("Earlier versions of edited articles are in `versions.jsonl`.\n\n")
    w("## Files\n\n| file | what |\n|---|---|\n")
    w("| `articles.jsonl` | one JSON object per article, by `published_at`, then `post_id` |\n")
    w("| `articles.parquet` | the same rows, typed (timestamps UTC, lists, structs) |\n")
    w("| `versions.jsonl` | every version ever exported, in crawl order |\n")
    w("| `schema.json` | the JSON Schema of a row |\n")
    w(f"| `{CHART}` | articles per month |\n\n")
    w("## Load it\n\n```python\n")
    for name, line in LOAD_EXAMPLES.items():
        w(f"{line}  # {name}\n")
    w("```\n\n")
    w("In Parquet, `published_at` is a timestamp when the site gave the time and null when it\n")
    w("gave only the date; `published_date` always holds the date.\n\n")
    w("## Numbers\n\n| | |\n|---|---|\n")
    for key, value in numbers.items():
        w(f"| {key.replace('_', ' ')} | {value} |\n")
    w(f"| input lines skipped | {problems.total} |\n\n")
    if problems.counts:
        w("Skipped input, by reason: ")
        w(", ".join(f"{reason}: {n}" for reason, n in sorted(problems.counts.items())) + ".\n\n")
    w(f"![articles per month]({CHART})\n\n")
    w("### Articles per month\n\n| month | articles |\n|---|---|\n")
    for month in sorted(stats.months):
        w(f"| {month} | {stats.months[month]} |\n")
    w("\n### Articles per category\n\n| category | articles |\n|---|---|\n")
    for name, n in sorted(stats.categories.items(), key=lambda kv: (-kv[1], kv[0])):
        w(f"| {name} | {n} |\n")
    w("\n### Authors\n\n| author | articles |\n|---|---|\n")
    for name, n in sorted(stats.authors.items(), key=lambda kv: (-kv[1], kv[0])):
        w(f"| {name} | {n} |\n")
    w("\n## Fields\n\n| field | type | filled | meaning |\n|---|---|---|---|\n")
    for name in ROW_FIELDS:
        spec = schema[name]
        kind = spec.get("type") or ("enum" if "enum" in spec else "string")
        kind = " or ".join(kind) if isinstance(kind, list) else kind
        share = stats.filled[name] / stats.articles if stats.articles else 0
        meaning = spec.get("description", FIELD_NOTES.get(name, ""))
        w(f"| `{name}` | {kind} | {share:.1%} | {meaning} |\n")
    w("\n`filled`: share of rows where the field is neither null nor empty.\n")
    return out.getvalue()


FIELD_NOTES = {
    "title": "headline as displayed",
    "published_at": "ISO 8601: timestamp with offset where the site gives the time, else the date",
    "modified_at": "ISO 8601 last modification, null when unknown",
    "author": "byline",
    "categories": "category names in page order",
    "tags": "tag names in page order",
    "dateline": "city of the opening dateline, null when none",
    "body": "the text, paragraphs joined by a blank line",
    "related": "'Baca juga' cross-links: {url, title}",
    "images": "featured image first, then body images: {url, caption}",
    "comments_count": "approved comments",
    "pages": "pages of a multi-page article",
    "language": "ISO 639-1",
    "word_count": "words in body",
    "content_hash": "SHA-256 of title and body",
    "crawled_at": "when the page was fetched (UTC)",
}


# ---- build --------------------------------------------------------------------------------------
@dataclass
class BuildResult:
    """What a build wrote and skipped."""

    out_dir: Path
    stats: Stats
    problems: Problems
    versions: int


def build(runs_dir: Path, out_dir: Path) -> BuildResult:
    """Merge every run file of ``runs_dir`` into the dataset in ``out_dir``.

    Every file is written under a ``.part`` name and all are renamed at the end: a failed
    build leaves the previous dataset whole.
    """
    out_dir.mkdir(parents=True, exist_ok=True)

    def part(name: str) -> Path:
        return out_dir / f"{name}.part"

    problems = Problems()
    with part("versions.jsonl").open("wb") as versions:
        index = index_runs(runs_dir, problems, versions.write)
    stats = Stats()
    parquet = ParquetOut(part("articles.parquet"))
    try:
        with part("articles.jsonl").open("wb") as jsonl:
            for row in rows(index):
                jsonl.write(_jsonl(row))
                parquet.add(row)
                stats.add(row)
    finally:
        parquet.close()
    stats.finish()
    part("schema.json").write_text(json.dumps(row_schema(), indent=2) + "\n", "utf-8")
    chart(stats, part(CHART))
    part("DATASET.md").write_text(card(stats, problems, index), "utf-8")
    for name in OUTPUTS:
        os.replace(part(name), out_dir / name)
    return BuildResult(out_dir, stats, problems, index.versions)


def read_dataset(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a built ``articles.jsonl``."""
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# ---- export -------------------------------------------------------------------------------------
def select(
    rows_in: Iterable[dict[str, Any]], since: str | None = None, category: str | None = None
) -> Iterator[dict[str, Any]]:
    """Rows published on or after ``since`` (a date) and/or in ``category``."""
    for row in rows_in:
        if since and row["published_at"][:10] < since:
            continue
        if category and category not in row["categories"]:
            continue
        yield row


def export(rows_in: Iterable[dict[str, Any]], fmt: str, path: Path) -> int:
    """Write ``rows_in`` as ``jsonl``, ``csv`` or ``parquet``; returns how many rows."""
    count = 0
    if fmt == "parquet":
        out = ParquetOut(path)
        try:
            for row in rows_in:
                out.add(row)
                count += 1
        finally:
            out.close()
        return count
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh) if fmt == "csv" else None
        if writer is not None:
            writer.writerow(ROW_FIELDS)
        for row in rows_in:
            if writer is not None:  # lists and structs as JSON text in their cell
                writer.writerow(
                    json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                    for v in (row[name] for name in ROW_FIELDS)
                )
            else:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
