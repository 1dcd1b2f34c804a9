"""The scheduler's queue of requests: in memory while it is short, on disk beyond, and on disk
whole when the crawl pauses.

Scrapy's disk queue (``JOBDIR``) writes each request to a file as it is scheduled and reads
it back when it is sent, creates a file (and a directory) each time a queue fills and removes
them each time it runs empty, and looks a callback's name up among every attribute of the
spider (`inspect.getmembers`) for each request: a tenth of a full crawl's CPU time. The file
is for a crawl paused (Ctrl-C, SIGTERM) and started again; a killed crawl's queue is not
trusted anyway (`arrahmah.runs.RunContext.prepare_job_dir` empties it).

So this queue keeps the newest `MEMORY_LIMIT` requests in memory and puts the older ones on a
stack on disk (a sitemap queues thousands of articles at once: memory would grow with the
site). Last in, first out, as Scrapy's, exactly: what goes to disk is older than everything
left in memory. When the scheduler closes it (a pause), what memory holds joins the disk
stack; the file is in the format of Scrapy's ``PickleLifoDiskQueue``, and a queue file left by
a pause (this queue's or Scrapy's) is read when the crawl starts again. A request that cannot
be pickled stays in memory, and is lost at a pause, as a request Scrapy's disk queue refuses is.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Any

from queuelib.queue import LifoDiskQueue
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict

logger = logging.getLogger(__name__)

MEMORY_LIMIT = 1000  # requests held in memory by one queue (one priority)


class _Callbacks:
    """The spider as `Request.to_dict` searches it for the name of a callback: only the
    request's own callback and errback are listed (Scrapy lists every attribute)."""

    def __init__(self, spider: Spider, request: Request) -> None:
        self._spider = spider
        callbacks = (request.callback, request.errback)
        self._names = [getattr(f, "__name__", "") for f in callbacks if hasattr(f, "__func__")]

    def __dir__(self) -> list[str]:
        return self._names

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spider, name)


def _pickled(request: Request, spider: Spider) -> bytes | None:
    """``request`` as Scrapy's disk queue stores it; None when it cannot be pickled."""
    try:
        try:
            data = request.to_dict(spider=_Callbacks(spider, request))  # type: ignore[arg-type]
        except ValueError:  # a callback under another name than its own
            data = request.to_dict(spider=spider)
        return pickle.dumps(data, protocol=4)
    except (ValueError, TypeError, AttributeError, pickle.PicklingError):
        return None  # e.g. a later page's request, which carries the parsed article


class SpillingLifoQueue:
    """One priority's requests, last in first out."""

    def __init__(self, crawler: Crawler, key: str) -> None:
        assert crawler.spider is not None  # the scheduler opens with the spider
        self.spider: Spider = crawler.spider
        self.stats = crawler.stats
        self.path = key
        self.memory: list[Request] = []
        # a pause's queue file, or (created when needed) the stack of the oldest requests
        self.disk: LifoDiskQueue | None = LifoDiskQueue(key) if os.path.exists(key) else None

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, key: str, *args: Any, **kwargs: Any
    ) -> SpillingLifoQueue:
        return cls(crawler, key)

    def push(self, request: Request) -> None:
        self.memory.append(request)
        if len(self.memory) > MEMORY_LIMIT:
            self._spill(len(self.memory) - MEMORY_LIMIT // 2)

    def _spill(self, count: int) -> None:
        """Put the ``count`` oldest requests of memory on the disk stack (those that cannot
        be pickled stay in memory)."""
        if self.disk is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.disk = LifoDiskQueue(self.path)
        kept = []
        for request in self.memory[:count]:
            data = _pickled(request, self.spider)
            if data is None:
                kept.append(request)
            else:
                self.disk.push(data)
        self.memory[:count] = kept

    def pop(self) -> Request | None:
        if self.memory:
            return self.memory.pop()
        if self.disk is not None and len(self.disk):
            return self._unpickled(self.disk.pop())
        return None

    def peek(self) -> Request | None:
        if self.memory:
            return self.memory[-1]
        if self.disk is not None and len(self.disk):
            return self._unpickled(self.disk.peek())
        return None

    def _unpickled(self, data: bytes | None) -> Request | None:
        return request_from_dict(pickle.loads(data), spider=self.spider) if data else None

    def __len__(self) -> int:
        return len(self.memory) + (len(self.disk) if self.disk is not None else 0)

    def close(self) -> None:
        """Write what is still queued to the disk stack (the crawl pauses); an empty queue
        leaves no file."""
        if self.memory:
            self._spill(len(self.memory))
            if self.memory:
                self.stats.inc_value("scheduler/unserializable", len(self.memory))
                logger.info("%d queued requests cannot be kept for the resumed crawl",
                            len(self.memory))  # fmt: skip
                self.memory = []
        if self.disk is not None:
            self.disk.close()  # an empty one removes its file
