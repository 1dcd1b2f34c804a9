"""The dataset analysts use: every finished run file merged into one table, the latest version
of each post, published whole in JSONL and Parquet with its card and figure.

    build(runs_dir, out_dir)  ->  out_dir/articles.jsonl, articles.parquet, versions.jsonl,
                                  schema.json, DATASET.md, overview.png

| module | concern |
|---|---|
| `rows` | run files → rows: the row's definition, the two passes |
| `runfiles`, `zone` | reading run files; the time rule |
| `formats` | rows → JSONL, CSV, Parquet (`parquet`: the process that writes Parquet) |
| `stats`, `card`, `chart` | the card's numbers, its text, its figure |
| `select` | the filters of an extract |
| `publish` | a build directory made the dataset in one atomic step; one build at a time |
| `build` | the whole build |
"""

from arrahmah.dataset.build import OUTPUTS, BuildResult, build, merge
from arrahmah.dataset.card import CHART, INSTALL, LOAD_EXAMPLES
from arrahmah.dataset.formats import FORMATS, ParquetFailed, export, read_jsonl
from arrahmah.dataset.publish import DatasetBusy, NotADataset
from arrahmah.dataset.rows import ROW_FIELDS, DatasetRow, row_schema
from arrahmah.dataset.select import Selection, UnknownName, select
from arrahmah.dataset.stats import Stats, stats_of

__all__ = [
    "CHART",
    "FORMATS",
    "INSTALL",
    "LOAD_EXAMPLES",
    "OUTPUTS",
    "ROW_FIELDS",
    "BuildResult",
    "DatasetBusy",
    "DatasetRow",
    "NotADataset",
    "ParquetFailed",
    "Selection",
    "Stats",
    "UnknownName",
    "build",
    "export",
    "merge",
    "read_jsonl",
    "row_schema",
    "select",
    "stats_of",
]
