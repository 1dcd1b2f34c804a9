"""``arrahmah dataset build | stats | export``: the analysts' dataset."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from arrahmah.cli.common import write_whole


def dataset_build(args: argparse.Namespace) -> int:
    """``arrahmah dataset build``: merge the finished run files into the dataset."""
    import logging

    from arrahmah import dataset

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    if (missing := _missing_dataset_packages()) is not None:
        print(f"arrahmah dataset build: {missing}", file=sys.stderr)
        return 1
    runs = Path(args.runs)
    if not runs.is_dir():
        print(f"arrahmah dataset build: no run directory {runs}", file=sys.stderr)
        return 2
    try:
        result = dataset.build(runs, Path(args.output))
    except (dataset.DatasetBusy, dataset.NotADataset, dataset.ParquetFailed, OSError) as exc:
        print(f"arrahmah dataset build: {exc}", file=sys.stderr)
        return 1
    numbers = result.stats.summary()
    print(
        f"dataset: {numbers['articles']} articles ({numbers['gone']} gone,"
        f" {numbers['edited']} edited), {result.versions} versions -> {result.out_dir}"
    )
    for reason, n in sorted(result.problems.counts.items()):
        print(f"skipped: {n} x {reason}")
    return 1 if args.strict and result.problems.total else 0


def _missing_dataset_packages() -> str | None:
    """What the dataset's extra packages (Parquet, the figure) lack, as a one-line error."""
    import importlib.util

    missing = [name for name in ("pyarrow", "matplotlib") if not importlib.util.find_spec(name)]
    if not missing:
        return None
    return f"needs {' and '.join(missing)}: pip install 'arrahmah[dataset]'"


def _dataset_rows(directory: str) -> Any:
    from arrahmah import dataset

    path = Path(directory) / "articles.jsonl"
    if not path.exists():
        raise SystemExit(f"arrahmah dataset: no {path}; run `arrahmah dataset build` first")
    for row in dataset.read_jsonl(path):
        if len(row) != len(dataset.ROW_FIELDS):
            raise SystemExit(
                f"arrahmah dataset: {path} has other columns than this version's rows;"
                " run `arrahmah dataset build` again"
            )
        yield row


def dataset_stats(args: argparse.Namespace) -> int:
    """``arrahmah dataset stats``: the card's numbers."""
    from arrahmah import dataset

    stats = dataset.stats_of(_dataset_rows(args.dataset))
    for key, value in stats.summary().items():
        print(f"{key.replace('_', ' '):36s} {value}")
    print("per month:", ", ".join(f"{m} {n}" for m, n in sorted(stats.months.items())))
    print("per category:", ", ".join(f"{c} {n}" for c, n in stats.categories.most_common()))
    return 0


def date_option(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a date, YYYY-MM-DD, not {value!r}") from None


def dataset_export(args: argparse.Namespace) -> int:
    """``arrahmah dataset export``: a filtered extract."""
    from arrahmah import dataset

    fmt = args.format
    if fmt is None:
        suffix = Path(args.output or "").suffix.lstrip(".")
        fmt = suffix if suffix in dataset.FORMATS else "jsonl"
    output = Path(args.output or f"export.{fmt}")
    selection = dataset.Selection(
        since=args.since, until=args.until, category=args.category, author=args.author, tag=args.tag
    )
    rows = dataset.select(_dataset_rows(args.dataset), selection)
    try:
        count = write_whole(output, lambda tmp: dataset.export(rows, fmt, tmp))
    except dataset.UnknownName as exc:
        print(f"arrahmah dataset export: {exc}", file=sys.stderr)
        return 2
    except (dataset.ParquetFailed, OSError) as exc:
        print(f"arrahmah dataset export: {exc}", file=sys.stderr)
        return 1
    print(f"{count} articles -> {output}")
    return 0
