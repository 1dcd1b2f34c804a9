"""How Scrapy's own events are logged: as Scrapy logs them, less the lines the log level hides.

Scrapy logs every response ("Crawled (200) …") and every item ("Scraped from …") at DEBUG, and
the logging module builds each record before the handler, set to ``LOG_LEVEL``, drops it: two
records per article for nothing at the default INFO level.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter


class LevelAwareLogFormatter(LogFormatter):
    """Scrapy's `LogFormatter`; the DEBUG lines of responses and items only when they show."""

    def __init__(self, debug: bool = True) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LevelAwareLogFormatter:
        level = crawler.settings.get("LOG_LEVEL", "DEBUG")
        numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        return cls(debug=not isinstance(numeric, int) or numeric <= logging.DEBUG)

    def crawled(self, *args: Any, **kwargs: Any) -> Any:
        return super().crawled(*args, **kwargs) if self.debug else None

    def scraped(self, *args: Any, **kwargs: Any) -> Any:
        return super().scraped(*args, **kwargs) if self.debug else None
