"""``arrahmah crawl`` and ``arrahmah fetch``: the crawl, and one article."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from arrahmah.cli.common import refused, settings_from, write_items


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
        write_items([ItemAdapter(item).asdict()], args.output)
        return 0

    if not args.target:
        print("arrahmah fetch: give a URL (or --html FILE --url URL)", file=sys.stderr)
        return 2
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    settings = settings_from(args.set)
    # the one line this command prints says what went wrong; -v shows the crawl's log
    settings.set("LOG_LEVEL", settings.get("LOG_LEVEL") if args.verbose else "CRITICAL", "cmdline")
    if args.record:
        if (status := refused("fetch", settings, "fetch")) is not None:
            return status
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
    write_items(items, args.output)
    return 0


def crawl(args: argparse.Namespace) -> int:
    """``arrahmah crawl``: the scheduled crawl, as ``scrapy crawl arrahmah -a mode=…``."""
    from scrapy.crawler import CrawlerProcess

    mode = "full" if args.full else "incremental" if args.incremental else "auto"
    settings = settings_from(args.set)
    if args.quiet:  # warnings, the outcome and the report in one line: for schedulers
        settings.set("LOG_LEVEL", "WARNING", "cmdline")
        settings.set("ARRAHMAH_QUIET", True, "cmdline")
    if args.stats:
        settings.set("STATS_DUMP", True, "cmdline")
    output = Path(args.output) if args.output else None
    fmt = _format_of(output) if output else "jsonl"
    if (status := refused("crawl", settings, mode)) is not None:
        return status
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
