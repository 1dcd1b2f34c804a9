"""Test-only extensions that make a crawl meet what a test cannot arrange from outside.

``DiskFullAfter``: after ``DISK_FULL_AFTER`` run-file lines, every write of the run file fails
with ENOSPC, as on a full disk. ``KillAfter``: after ``KILL_AFTER`` items, the crawl is killed
with SIGKILL, during the very export of an item.
"""

from __future__ import annotations

import errno
import os
import signal
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from arrahmah import runs


class DiskFullAfter:
    """The disk fills up after some lines of the run file."""

    def __init__(self, after: int) -> None:
        original = runs.RunFile.write
        written = 0

        def write(run_file: runs.RunFile, item: Any) -> None:
            nonlocal written
            if written >= after:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += 1
            original(run_file, item)

        runs.RunFile.write = write  # type: ignore[method-assign]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskFullAfter:
        return cls(crawler.settings.getint("DISK_FULL_AFTER"))


class KillAfter:
    """SIGKILL once some items are scraped: a kill at an arbitrary moment of the export."""

    def __init__(self, crawler: Crawler) -> None:
        self.left = crawler.settings.getint("KILL_AFTER")
        crawler.signals.connect(self.item_scraped, signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KillAfter:
        return cls(crawler)

    def item_scraped(self, item: Any) -> None:
        self.left -= 1
        if self.left <= 0:
            os.kill(os.getpid(), signal.SIGKILL)
