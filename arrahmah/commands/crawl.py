"""``scrapy crawl``, with an exit status a scheduler can trust (see `arrahmah.report`).

Scrapy's own command exits 0 whatever the crawl did. This one checks first what would make the
crawl fail at once (a bad base URL, a busy or unwritable data directory: one line, no
traceback), then exits with the status the run decided (``arrahmah/exit_status``).
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from arrahmah.runs import Refused, preflight


class Command(ScrapyCrawl):
    """Run a spider of the project; exit with the run's status."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: arrahmah (the site) or article (-a url=URL)")
        assert self.crawler_process is not None and self.settings is not None
        if args[0] == "article" and not opts.spargs.get("url"):
            print("scrapy crawl article: give the article's URL: -a url=URL", file=sys.stderr)
            self.exitcode = 2
            return
        if args[0] == "arrahmah":
            try:
                preflight(self.settings, opts.spargs.get("mode", "auto"))
            except Refused as exc:
                print(f"scrapy crawl arrahmah: {exc}", file=sys.stderr)
                self.exitcode = exc.exit_code
                return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None:
            self.exitcode = int(crawler.stats.get_value("arrahmah/exit_status", 0))
