"""``arrahmah dataset build``: the finished run files → the dataset, published whole.

The build reads the run files finished when it starts (`finished_runs`), in two passes (see
`arrahmah.dataset.rows`), writes every file into a new build directory and publishes it with one
atomic switch (`arrahmah.dataset.publish`). Building twice from the same runs gives
byte-identical files; adding a run and rebuilding gives what building from scratch gives.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson

from arrahmah.dataset import card, chart, publish
from arrahmah.dataset.formats import LinesOut, ParquetOut, export, jsonl_line
from arrahmah.dataset.rows import index_runs, row_schema, rows
from arrahmah.dataset.runfiles import Problems, finished_runs
from arrahmah.dataset.stats import Stats

OUTPUTS = tuple(card.FILES)
FORMER_OUTPUTS = {"articles_per_month.png"}  # files earlier builds wrote


@dataclass
class BuildResult:
    """What a build wrote and skipped."""

    out_dir: Path
    stats: Stats
    problems: Problems
    versions: int


def write_dataset(runs_dir: Path, work: Path) -> BuildResult:
    """Write every file of the dataset of ``runs_dir`` into the empty directory ``work``."""
    problems = Problems()
    runs = finished_runs(runs_dir)
    with LinesOut(work / "versions.jsonl") as versions:
        index = index_runs(runs, problems, versions.add)
    stats = Stats()
    with LinesOut(work / "articles.jsonl") as jsonl, ParquetOut(work / "articles.parquet") as pq:
        for row in rows(index):
            line = jsonl_line(row)
            jsonl.add(line)
            pq.add(line)
            stats.add(row)
    stats.finish()
    schema = orjson.dumps(row_schema(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    (work / "schema.json").write_bytes(schema)
    chart.chart(stats, work / card.CHART)
    provenance = card.Provenance(len(runs), index.versions, index.reextracted())
    (work / "DATASET.md").write_text(card.card(stats, problems, provenance), "utf-8")
    return BuildResult(work, stats, problems, index.versions)


def merge(runs_dir: Path, path: Path, fmt: str = "jsonl") -> int:
    """Every article the finished runs of ``runs_dir`` hold, its latest version, into one file
    (``jsonl``, ``csv``, ``parquet``), written whole: what ``arrahmah crawl -o FILE`` leaves.
    Returns how many articles."""
    problems = Problems()
    index = index_runs(finished_runs(runs_dir), problems)
    tmp = path.with_name(path.name + ".part")
    try:
        count = export(rows(index), fmt, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return count


def build(runs_dir: Path, out_dir: Path) -> BuildResult:
    """Build the dataset of ``runs_dir`` and publish it as ``out_dir`` (a link to the build).

    Raises `DatasetBusy` when another build of ``out_dir`` is running, `NotADataset` when
    ``out_dir`` is a directory of other files. A build that fails or is killed leaves
    ``out_dir`` as it was.
    """
    with publish.held(out_dir):
        publish.check_target(out_dir, {*OUTPUTS, *FORMER_OUTPUTS})
        publish.sweep(out_dir)
        work = publish.new_build(out_dir)
        try:
            result = write_dataset(runs_dir, work)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        publish.publish(work, out_dir)
    result.out_dir = out_dir
    return result
