"""``arrahmah dataset build``: the finished run files → the dataset.

The build reads the run files finished when it starts (`finished_runs`), in two passes (see
`arrahmah.dataset.rows`), writes every file into a temporary directory beside the dataset and
renames them into place at the end. Building twice from the same runs gives byte-identical
files; adding a run and rebuilding gives what building from scratch gives.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from arrahmah.dataset import card, chart
from arrahmah.dataset.formats import LinesOut, ParquetOut, jsonl_line
from arrahmah.dataset.rows import Problems, finished_runs, index_runs, row_schema, rows
from arrahmah.dataset.stats import Stats

OUTPUTS = tuple(card.FILES)


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
    provenance = card.Provenance(run_files=len(runs), versions=index.versions)
    (work / "DATASET.md").write_text(card.card(stats, problems, provenance), "utf-8")
    return BuildResult(work, stats, problems, index.versions)


def build(runs_dir: Path, out_dir: Path) -> BuildResult:
    """Build the dataset of ``runs_dir`` into ``out_dir``.

    Every file is written into a temporary directory and all are renamed at the end: a failed
    build leaves the previous dataset whole.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        result = write_dataset(runs_dir, work)
        for name in OUTPUTS:
            os.replace(work / name, out_dir / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.out_dir = out_dir
    return result
