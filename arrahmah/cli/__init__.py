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
import os
import sys
from collections.abc import Sequence

from arrahmah import __version__
from arrahmah.cli import archive, crawling, datasets
from arrahmah.cli.common import DATASET_DIR, Renamed


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
    p_fetch.set_defaults(run=crawling.fetch)

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
    p_crawl.set_defaults(run=crawling.crawl)

    p_data = commands.add_parser("dataset", help="the dataset built from the run files")
    data_commands = p_data.add_subparsers(dest="dataset_command", required=True)
    p_build = data_commands.add_parser("build", help="merge every run file into the dataset")
    p_build.add_argument("--runs", default="data/runs", help="run files (default data/runs)")
    p_build.add_argument(
        "-o", "--output", "--out", default=DATASET_DIR, metavar="DIR",
        help=f"the dataset directory to write (default {DATASET_DIR})",
    )  # fmt: skip
    p_build.add_argument("--strict", action="store_true", help="exit 1 if any input was skipped")
    p_build.set_defaults(run=datasets.dataset_build)
    p_stats = data_commands.add_parser("stats", help="print the dataset card's numbers")
    p_export = data_commands.add_parser("export", help="write a filtered extract")
    for sub in (p_stats, p_export):
        sub.add_argument(
            "--dataset", default=DATASET_DIR, metavar="DIR",
            help=f"the dataset directory to read (default {DATASET_DIR})",
        )  # fmt: skip
        sub.add_argument("--out", dest="dataset", action=Renamed, new="--dataset")
    p_stats.set_defaults(run=datasets.dataset_stats)
    p_export.add_argument(
        "--format", choices=("jsonl", "csv", "parquet"), help="default: -o's suffix, else jsonl"
    )
    for name, after in (("--since", "on or after"), ("--until", "on or before")):
        help_text = f"published {after}"
        p_export.add_argument(name, type=datasets.date_option, metavar="DATE", help=help_text)
    p_export.add_argument("--category", metavar="NAME", help="in it or below it (any case)")
    p_export.add_argument("--author", metavar="NAME", help="by this author (any case)")
    p_export.add_argument("--tag", metavar="NAME", help="with this tag (any case)")
    p_export.add_argument("-o", "--output", metavar="FILE", help="default export.FORMAT, here")
    p_export.set_defaults(run=datasets.dataset_export)

    p_re = commands.add_parser("reextract", help="parse the archived pages again, offline")
    p_re.add_argument("-o", "--output", metavar="FILE", help="write JSONL here (default: stdout)")
    p_re.add_argument(
        "--since",
        type=datasets.date_option,
        metavar="DATE",
        help="only what was captured on or after",
    )
    p_re.add_argument("--run", dest="only_run", metavar="RUN", help="only this run's archive")
    p_re.add_argument(
        "--record", action="store_true", help="record a run that `dataset build` will use"
    )
    p_re.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    p_re.set_defaults(run=archive.reextract)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # `arrahmah ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main"]
