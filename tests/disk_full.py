"""Test-only extensions that make a crawl meet what a test cannot arrange from outside.

``DiskFullAfter``: after ``FULL_AFTER`` run-file lines, every write of the run file fails with
ENOSPC, as on a full disk; ``ArchiveFullAfter``: the same for the archive's writes.
``KillAfter``: after ``KILL_AFTER`` items, the crawl is killed with SIGKILL, during the very
export of an item. ``ParserBug``: reading a page whose URL holds ``BUG_IN`` raises, as a
parser bug would (with the page worker off: the bug is patched into the crawl's process).
"""

from __future__ import annotations

import errno
import os
import signal
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from arrahmah import archive, runs
from arrahmah.spiders import base


def fill_up(owner: type, method: str, after: int) -> None:
    """Every call of ``owner.method`` after the first ``after`` fails with ENOSPC."""
    original = getattr(owner, method)
    written = 0

    def write(self: Any, *args: Any) -> Any:
        nonlocal written
        if written >= after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written += 1
        return original(self, *args)

    setattr(owner, method, write)


class DiskFullAfter:
    """The disk fills up after some lines of the run file."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskFullAfter:
        fill_up(runs.RunFile, "write", crawler.settings.getint("FULL_AFTER"))
        return cls()


class ArchiveFullAfter:
    """The disk fills up after some writes of the run's archive."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveFullAfter:
        fill_up(archive.ArchiveWriter, "_append", crawler.settings.getint("FULL_AFTER"))
        return cls()


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


class ParserBug:
    """The page parser raises on some pages."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParserBug:
        where, read = crawler.settings.get("BUG_IN"), base.read_article_page

        def buggy(body: bytes, url: str, *args: Any) -> Any:
            if where in url:
                raise RuntimeError("a bug")
            return read(body, url, *args)

        base.read_article_page = buggy  # type: ignore[assignment]
        return cls()
