"""The ``arrahmah`` command.

    arrahmah fetch URL [-o FILE] [--record]     one article, clean, as pretty JSON (or JSONL)
    arrahmah fetch --html FILE --url URL        the same extraction on a saved page
    arrahmah crawl [--full | --incremental] [-o FILE] [-q] [--stats]
                                                the scheduled crawl (``scrapy crawl arrahmah``);
                                                -o: every article so far, into one file
    arrahmah dataset build [--runs DIR] [-o DIR] [--strict]     run files -> the dataset
    arrahmah dataset stats [--dataset DIR]      the dataset card's numbers
    arrahmah dataset export [--dataset DIR] [--format jsonl|csv|parquet] [-o FILE]
        [--since DATE] [--until DATE] [--category NAME] [--author NAME] [--tag NAME]
    arrahmah reextract [-o FILE] [--since DATE] [--run RUN] [--record]   the archive, parsed again

Settings are the project's (``arrahmah.settings``); ``-s NAME=VALUE`` overrides one, as with
``scrapy``. Exit status (see `arrahmah.report`): 0 ok, 1 failed (the URL gives no article, the
site gave nothing, the data directory cannot be written), 2 usage error, 3 partial (some
articles are fetched again next run), 75 the data directory is busy; errors are one line on
stderr. ``reextract`` exits 1 when there is nothing to re-extract or nothing could be written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from arrahmah import __version__

DATASET_DIR = "data/dataset"


def _settings(pairs: Sequence[str]) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "arrahmah.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"arrahmah: -s takes NAME=VALUE, not {pair!r}", file=sys.stderr)
            raise SystemExit(2)
        settings.set(name, value, priority="cmdline")
    return settings


def _refused(command: str, settings: Any, mode: str) -> int | None:
    """The exit status when the crawl cannot start (said on stderr in one line), else None."""
    from arrahmah.runs import Refused, preflight

    try:
        preflight(settings, mode)
    except Refused as exc:
        print(f"arrahmah {command}: {exc}", file=sys.stderr)
        return exc.exit_code
    return None


def _write_whole(path: Path, write: Callable[[Path], Any]) -> Any:
    """``write`` to a ``.part`` twin of ``path``, renamed when done: never a half-written file
    (if ``write`` raises, the twin is removed and ``path`` left as it was)."""
    tmp = path.with_name(path.name + ".part")
    try:
        result = write(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return result


def _write(items: list[dict[str, Any]], output: str | None) -> None:
    if output:
        lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        _write_whole(Path(output), lambda tmp: tmp.write_text(lines, "utf-8"))
    else:
        for item in items:
            print(json.dumps(item, ensure_ascii=False, indent=2))


def fetch(args: argparse.Namespace) -> int:
    """``arrahmah fetch``: one article by URL, or from a saved page."""
    from itemadapter import ItemAdapter  # (and Scrapy: imported by the commands that crawl)

    if args.html:
        from arrahmah.extract import DropItem, Extractor, NotAnArticle

        if not args.url:
            print("arrahmah fetch: --html needs --url (the page's address)", file=sys.stderr)
            return 2
        try:
            html = Path(args.html).read_text("utf-8")
            item = Extractor().extract([(args.url, html)])
        except (OSError, UnicodeDecodeError, NotAnArticle, DropItem) as exc:
            print(f"arrahmah fetch: {exc}", file=sys.stderr)
            return 1
        _write([ItemAdapter(item).asdict()], args.output)
        return 0

    if not args.target:
        print("arrahmah fetch: give a URL (or --html FILE --url URL)", file=sys.stderr)
        return 2
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    settings = _settings(args.set)
    # the one line this command prints says what went wrong; -v shows the crawl's log
    settings.set("LOG_LEVEL", settings.get("LOG_LEVEL") if args.verbose else "CRITICAL", "cmdline")
    if args.record:
        if (refused := _refused("fetch", settings, "fetch")) is not None:
            return refused
    else:
        from arrahmah.site import Site

        try:
            Site.from_base_url(settings.get("ARRAHMAH_BASE_URL") or "")
        except ValueError as exc:
            print(f"arrahmah fetch: {exc}", file=sys.stderr)
            return 2
    items: list[dict[str, Any]] = []

    def scraped(item: Any) -> None:
        items.append(ItemAdapter(item).asdict())

    process = CrawlerProcess(settings)
    crawler = process.create_crawler("article")
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    process.crawl(crawler, url=args.target, record="1" if args.record else "0")
    process.start()
    if not items:
        reason = getattr(crawler.spider, "failure_reason", None) or "no article"
        print(f"arrahmah fetch: {reason}", file=sys.stderr)
        return 1
    context = getattr(crawler.spider, "run_context", None)
    if context is not None and context.unchanged:
        print("arrahmah fetch: unchanged since the recorded version", file=sys.stderr)
    _write(items, args.output)
    return 0


def crawl(args: argparse.Namespace) -> int:
    """``arrahmah crawl``: the scheduled crawl, as ``scrapy crawl arrahmah -a mode=…``."""
    from scrapy.crawler import CrawlerProcess

    mode = "full" if args.full else "incremental" if args.incremental else "auto"
    settings = _settings(args.set)
    if args.quiet:  # warnings, the outcome and the report in one line: for schedulers
        settings.set("LOG_LEVEL", "WARNING", "cmdline")
        settings.set("ARRAHMAH_QUIET", True, "cmdline")
    if args.stats:
        settings.set("STATS_DUMP", True, "cmdline")
    output = Path(args.output) if args.output else None
    fmt = _format_of(output) if output else "jsonl"
    if (refused := _refused("crawl", settings, mode)) is not None:
        return refused
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("arrahmah")
    process.crawl(crawler, mode=mode)
    process.start()
    if process.bootstrap_failed or crawler.stats is None:
        return 1
    status = int(crawler.stats.get_value("arrahmah/exit_status", 1))
    if output is not None and status != 1:
        # the file holds every article the data directory has, latest version: run after run
        from arrahmah import dataset

        runs = Path(settings.get("ARRAHMAH_DATA_DIR") or "data") / "runs"
        try:
            count = dataset.merge(runs, output, fmt)
        except (dataset.ParquetFailed, OSError) as exc:
            print(f"arrahmah crawl: cannot write {output}: {exc}", file=sys.stderr)
            return 1
        if not args.quiet:
            print(f"{count} articles -> {output}", file=sys.stderr)
    return status


def _format_of(path: Path) -> str:
    """The format a file's suffix names (jsonl, csv, parquet); jsonl for any other."""
    suffix = path.suffix.lstrip(".").lower()
    return suffix if suffix in ("jsonl", "csv", "parquet") else "jsonl"


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


def _date_option(value: str) -> str:
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
        count = _write_whole(output, lambda tmp: dataset.export(rows, fmt, tmp))
    except dataset.UnknownName as exc:
        print(f"arrahmah dataset export: {exc}", file=sys.stderr)
        return 2
    except (dataset.ParquetFailed, OSError) as exc:
        print(f"arrahmah dataset export: {exc}", file=sys.stderr)
        return 1
    print(f"{count} articles -> {output}")
    return 0


def reextract(args: argparse.Namespace) -> int:
    """``arrahmah reextract``: every archived article parsed again, without the network."""
    import logging
    import sqlite3

    from arrahmah import reextract as rx
    from arrahmah.report import EXIT_BUSY, EXIT_FAILED
    from arrahmah.runs import DataDirBusy

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    settings = _settings(args.set)
    output = Path(args.output) if args.output else None
    try:
        result = rx.run(
            settings, output, args.since, args.only_run, args.record,
            stream=None if output or args.record else sys.stdout.buffer,
        )  # fmt: skip
    except rx.NoArchive as exc:
        print(f"arrahmah reextract: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except DataDirBusy as exc:
        print(f"arrahmah reextract: {exc}; try again when it has finished", file=sys.stderr)
        return EXIT_BUSY
    except (OSError, sqlite3.Error) as exc:
        print(f"arrahmah reextract: cannot write: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if result.outcome.status != "ok":
        print(f"arrahmah reextract: {result.outcome.summary}", file=sys.stderr)
        return result.outcome.exit_code
    done = f"arrahmah reextract: {result.articles} articles from {result.archives} archive files"
    done += f" -> {output}" if output else ""
    done += f"; recorded as run {result.run_id}" if result.run_id else ""
    if result.skipped:
        done += " (skipped: " + ", ".join(f"{n} {k}" for k, n in sorted(result.skipped.items()))
        done += ")"
    print(done, file=sys.stderr)
    if result.unreadable:
        print(
            f"arrahmah reextract: {len(result.unreadable)} archive files read up to their last"
            f" whole record, the rest unreadable: {'; '.join(map(str, result.unreadable))}",
            file=sys.stderr,
        )
    return result.outcome.exit_code


class _Renamed(argparse.Action):
    """An old spelling of an option (hidden from --help): still works, with a one-line note."""

    def __init__(self, *args: Any, new: str, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "help": argparse.SUPPRESS})
        self.new = new

    def __call__(self, parser: Any, namespace: Any, values: Any, option: str | None = None) -> None:
        print(f"{parser.prog}: {option} is now {self.new}; the old name will go", file=sys.stderr)
        setattr(namespace, self.dest, values)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arrahmah`` console script."""
    parser = argparse.ArgumentParser(prog="arrahmah", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"arrahmah {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    p_fetch = commands.add_parser("fetch", help="fetch one article and print it clean")
    p_fetch.add_argument("target", nargs="?", metavar="URL", help="the article's URL")
    p_fetch.add_argument("-o", "--output", help="write JSONL to this file instead of stdout")
    p_fetch.add_argument("--record", action="store_true", help="record it in the crawl state")
    p_fetch.add_argument("--html", help="extract from this saved page instead of fetching")
    p_fetch.add_argument("--url", help="with --html: the URL the page was saved from")
    p_fetch.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    p_fetch.add_argument("-v", "--verbose", action="store_true", help="log the crawl")
    p_fetch.set_defaults(run=fetch)

    p_crawl = commands.add_parser("crawl", help="the scheduled crawl (new and changed articles)")
    group = p_crawl.add_mutually_exclusive_group()
    group.add_argument("--full", action="store_true", help="walk every listing and sitemap")
    group.add_argument("--incremental", action="store_true", help="only what is new or changed")
    p_crawl.add_argument(
        "-o", "--output", metavar="FILE",
        help="after the run, write every article crawled so far (all runs, latest version) to"
        " FILE: .jsonl, .csv or .parquet",
    )  # fmt: skip
    p_crawl.add_argument(
        "-q", "--quiet", action="store_true",
        help="only warnings and one line on how the run ended (for cron and systemd)",
    )  # fmt: skip
    p_crawl.add_argument("--stats", action="store_true", help="dump Scrapy's stats at the end")
    p_crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    p_crawl.set_defaults(run=crawl)

    p_data = commands.add_parser("dataset", help="the dataset built from the run files")
    data_commands = p_data.add_subparsers(dest="dataset_command", required=True)
    p_build = data_commands.add_parser("build", help="merge every run file into the dataset")
    p_build.add_argument("--runs", default="data/runs", help="run files (default data/runs)")
    p_build.add_argument(
        "-o", "--output", "--out", default=DATASET_DIR, metavar="DIR",
        help=f"the dataset directory to write (default {DATASET_DIR})",
    )  # fmt: skip
    p_build.add_argument("--strict", action="store_true", help="exit 1 if any input was skipped")
    p_build.set_defaults(run=dataset_build)
    p_stats = data_commands.add_parser("stats", help="print the dataset card's numbers")
    p_export = data_commands.add_parser("export", help="write a filtered extract")
    for sub in (p_stats, p_export):
        sub.add_argument(
            "--dataset", default=DATASET_DIR, metavar="DIR",
            help=f"the dataset directory to read (default {DATASET_DIR})",
        )  # fmt: skip
        sub.add_argument("--out", dest="dataset", action=_Renamed, new="--dataset")
    p_stats.set_defaults(run=dataset_stats)
    p_export.add_argument(
        "--format", choices=("jsonl", "csv", "parquet"), help="default: -o's suffix, else jsonl"
    )
    for name, after in (("--since", "on or after"), ("--until", "on or before")):
        p_export.add_argument(name, type=_date_option, metavar="DATE", help=f"published {after}")
    p_export.add_argument("--category", metavar="NAME", help="in it or below it (any case)")
    p_export.add_argument("--author", metavar="NAME", help="by this author (any case)")
    p_export.add_argument("--tag", metavar="NAME", help="with this tag (any case)")
    p_export.add_argument("-o", "--output", metavar="FILE", help="default export.FORMAT, here")
    p_export.set_defaults(run=dataset_export)

    p_re = commands.add_parser("reextract", help="parse the archived pages again, offline")
    p_re.add_argument("-o", "--output", metavar="FILE", help="write JSONL here (default: stdout)")
    p_re.add_argument(
        "--since", type=_date_option, metavar="DATE", help="only what was captured on or after"
    )
    p_re.add_argument("--run", dest="only_run", metavar="RUN", help="only this run's archive")
    p_re.add_argument(
        "--record", action="store_true", help="record a run that `dataset build` will use"
    )
    p_re.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    p_re.set_defaults(run=reextract)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `arrahmah ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
