"""DATASET.md, the dataset card: what the dataset is, where from, how to load it, its limits,
its numbers and its fields (the field table made from `DatasetRow`'s definition)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import arrahmah
from arrahmah.dataset.rows import STATUSES, DatasetRow
from arrahmah.dataset.runfiles import Problems
from arrahmah.dataset.stats import Stats
from arrahmah.items import SITE_TIMEZONE
from arrahmah.schema import field_docs, markdown_table

CHART = "overview.png"
INSTALL = "pip install pandas pyarrow"
LOAD_EXAMPLES = {
    "pandas": 'import pandas as pd; df = pd.read_parquet("articles.parquet")',
    "polars": 'import polars as pl; df = pl.read_parquet("articles.parquet")',
    "DuckDB": "import duckdb; df = duckdb.sql(\"SELECT * FROM 'articles.parquet'\").df()",
}
FILES = {
    "articles.jsonl": "one JSON object per article, by `published_at`, then `post_id`",
    "articles.parquet": "the same rows, typed: timestamps with time zone, lists, structs",
    "versions.jsonl": "every version ever exported, as its run file holds it, with its `run_id`",
    "schema.json": "the JSON Schema of a row",
    "DATASET.md": "this card",
    CHART: "articles per month, top categories, top categories over time",
}
TOP = 50  # rows of the category and author tables
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Provenance:
    """Where the rows came from: the run files read, the versions in them, the re-extraction
    runs rows come from (`arrahmah.dataset.rows.Index.reextracted`)."""

    run_files: int
    versions: int
    reextracted: list[dict[str, Any]] = field(default_factory=list)


def extractor_version() -> str:
    """The version of the arrahmah package that builds the dataset (and extracts today)."""
    return arrahmah.__version__


def _extractors(stats: Stats) -> str:
    """Which versions of the package extracted the rows (rows name it in ``extractor``)."""
    named = [f"arrahmah {v} ({n:,} rows)" for v, n in sorted(stats.extractors.items())]
    if not named:
        return f"arrahmah {extractor_version()}"
    unnamed = stats.articles - sum(stats.extractors.values())
    if unnamed:
        named.append(f"not recorded ({unnamed:,} rows exported before rows named it)")
    return ", ".join(named)


def _share(n: int, of: int) -> str:
    return f"{n / of:.1%}" if of else "–"


def _ranked(what: str, counter: dict[str, int]) -> str:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    table = markdown_table([what, "articles"], [[name, f"{n:,}"] for name, n in ranked[:TOP]])
    more = f"\n…and {len(ranked) - TOP:,} more.\n" if len(ranked) > TOP else ""
    return table + more


def _per_year_and_month(stats: Stats) -> str:
    years = sorted({m[:4] for m in stats.months})
    rows = []
    for year in years:
        counts = [stats.months.get(f"{year}-{n:02d}", 0) for n in range(1, 13)]
        rows.append([year, *(f"{c:,}" if c else "" for c in counts), f"{sum(counts):,}"])
    return markdown_table(["year", *MONTHS, "total"], rows)


def _limitations(stats: Stats, problems: Problems) -> list[str]:
    n = stats.articles
    notes = [
        "`comments_count`, `categories`, `tags` and the text are as of the article's last fetch"
        " (`crawled_at`); a comment made since is not counted.",
        f"`published_at` is the date alone where the site gave no time: {stats.date_only:,} of"
        f" {n:,} rows; Parquet has null there, and `published_date` always holds the date.",
        f"`modified_at` is null where the site did not say when the article last changed:"
        f" {n - stats.filled['modified_at']:,} of {n:,} rows.",
        "A `gone` article keeps the last version the crawler saw; a changed article appears"
        " in its latest version only (earlier ones are in `versions.jsonl`).",
        f"`category_paths` is filled in {stats.filled['category_paths']:,} of {n:,} rows;"
        " elsewhere only the category names are known, not their parents.",
        "Images are their URLs and captions, not the images; embeds and videos are left out.",
    ]
    if problems.total:
        reasons = ", ".join(f"{r}: {k:,}" for r, k in sorted(problems.counts.items()))
        notes.append(f"{problems.total:,} input lines were skipped ({reasons}).")
    return notes


def _reextracted(provenance: Provenance) -> str:
    """Which rows were parsed again from the archived pages (``arrahmah reextract --record``):
    by which run, when, with which extractor."""
    if not provenance.reextracted:
        return ""
    rows = [
        [f"`{r['run_id']}`", str(r["finished_at"]), f"arrahmah {r['extractor']}", f"{r['rows']:,}"]
        for r in provenance.reextracted
    ]
    return (
        "\n## Re-extracted\n\n"
        "These rows were parsed again, by a later extractor, from the pages the crawl archived"
        "\n(`arrahmah reextract --record`): same versions, same crawl times; their `run_id`"
        " names\nthe re-extraction run.\n\n"
        + markdown_table(["run", "finished", "extractor", "rows"], rows)
    )


def card(stats: Stats, problems: Problems, provenance: Provenance) -> str:
    """The text of DATASET.md."""
    out = io.StringIO()
    w = out.write
    source = ", ".join(sorted(stats.origins)) or "–"
    extractor = _extractors(stats)
    w("# arrahmahnews.com articles\n\n")
    w("Every article of the Indonesian news site arrahmahnews.com that the arrahmah crawler\n")
    w("exported, one row per WordPress post, its latest version; the text cleaned of the site's\n")
    w("boilerplate (its cross-links kept in `related`), every row valid against `schema.json`.\n\n")
    status = ", ".join(f"{stats.status[s]:,} {s}" for s in STATUSES if stats.status[s])
    w(
        markdown_table(
            ["", ""],
            [
                ["source", f"{source} (the rows' URLs)"],
                ["crawl period", f"{stats.first_crawled or '–'} to {stats.last_crawled or '–'}"],
                ["as of", f"{(stats.last_crawled or '–')[:10]}: the site as the last run saw it"],
                ["published", f"{stats.first or '–'} to {stats.last or '–'}"],
                ["articles", f"{stats.articles:,}" + (f" ({status})" if status else "")],
                ["extractor", extractor],
                [
                    "built from",
                    f"{provenance.run_files:,} run files, {provenance.versions:,} article versions",
                ],
            ],
        )
    )
    w(f"\n## Load it\n\n```sh\n{INSTALL}\n```\n```python\n")
    for name, line in LOAD_EXAMPLES.items():
        w(f"{line}  # {name}\n")
    w("```\n\n## Times\n\n")
    w("The site's times, `published_at` and `modified_at`, are in the site's zone,\n")
    w(f"{SITE_TIMEZONE} (`+07:00`); `published_date` is the publication date there, the date\n")
    w("the site shows.\n")
    w("`crawled_at` is the crawler's clock, in UTC. JSONL and CSV write times as ISO 8601 text\n")
    w("with that offset; Parquet as timestamps with that time zone (an instant: pandas, polars\n")
    w(f"and DuckDB show it in {SITE_TIMEZONE}, UTC or the session's zone, the same instant).\n")
    w("A `published_at` known only as a date is that date in JSONL and CSV, null in Parquet.\n\n")
    w("## Files\n\n")
    w(markdown_table(["file", "what"], [[f"`{f}`", what] for f, what in FILES.items()]))
    w(_reextracted(provenance))
    w("\n## Status\n\n")
    w(
        markdown_table(
            ["status", "articles", "meaning"],
            [[f"`{s}`", f"{stats.status[s]:,}", meaning] for s, meaning in STATUSES.items()],
        )
    )
    w("\n## Known limitations\n\n")
    w("".join(f"- {note}\n" for note in _limitations(stats, problems)))
    w("\n## Numbers\n\n")
    numbers = stats.summary()
    w(
        markdown_table(
            ["", ""],
            [
                [k.replace("_", " "), f"{v:,}" if isinstance(v, int) else f"{v}"]
                for k, v in numbers.items()
            ],
        )
    )
    w(f"| input lines skipped | {problems.total} |\n\n")
    w(f"![articles per month, top categories]({CHART})\n\n")
    w("### Articles per month\n\n" + _per_year_and_month(stats))
    w("\n### Categories\n\n" + _ranked("category", stats.categories))
    w("\n### Authors\n\n" + _ranked("author", stats.authors))
    w("\n## Fields\n\n")
    rows = [
        [f"`{d.name}`", d.json, d.parquet, _share(stats.filled[d.name], stats.articles), d.meaning]
        for d in field_docs(DatasetRow)
    ]
    w(markdown_table(["field", "JSON", "Parquet", "filled", "meaning"], rows))
    w("\n`filled`: share of rows where the field is neither null nor empty.\n")
    return out.getvalue()
