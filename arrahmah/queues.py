"""The scheduler's queue of requests: in memory while the crawl runs, on disk when it pauses.

Scrapy's disk queue (``JOBDIR``) writes each request to a file as it is scheduled and reads
it back when it is sent, creates a file per priority each time that priority's queue fills
and removes it each time it runs empty, and looks a callback's name up among every attribute
of the spider (`inspect.getmembers`) for each request: a tenth of a full crawl's CPU time.
What the file is for is a crawl paused (Ctrl-C, SIGTERM) and started again; a killed crawl's
queue is not trusted anyway (`arrahmah.runs.RunContext.prepare_job_dir` empties it). So this
queue keeps its requests in memory and writes them, in the file format of Scrapy's own
``PickleLifoDiskQueue``, when the scheduler closes it; a queue file left by a pause (its or
Scrapy's) is read back when the crawl starts again. A request that cannot be pickled is lost
at a pause, as a request Scrapy's disk queue refuses is (Scrapy keeps those in memory).
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Any

from queuelib.queue import LifoDiskQueue
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict

logger = logging.getLogger(__name__)


class PausableLifoQueue:
    """One priority's requests, last in first out (Scrapy's default order)."""

    def __init__(self, crawler: Crawler, key: str) -> None:
        self.spider = crawler.spider
        self.stats = crawler.stats
        self.path = key
        self.requests: list[Request] = []
        if os.path.exists(key):  # written when the crawl paused (one queue file per priority)
            saved = LifoDiskQueue(self.path)
            data = [saved.pop() for _ in range(len(saved))]
            saved.close()  # empty now: removes the file
            self.requests = [request_from_dict(pickle.loads(d), spider=self.spider) for d in data
                             if d is not None][::-1]  # fmt: skip

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, key: str, *args: Any, **kwargs: Any
    ) -> PausableLifoQueue:
        return cls(crawler, key)

    def push(self, request: Request) -> None:
        self.requests.append(request)

    def pop(self) -> Request | None:
        return self.requests.pop() if self.requests else None

    def peek(self) -> Request | None:
        return self.requests[-1] if self.requests else None

    def __len__(self) -> int:
        return len(self.requests)

    def close(self) -> None:
        """Write what is still queued (the crawl pauses), in the order to send it again."""
        if not self.requests:
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        part = self.path + ".part"
        out = LifoDiskQueue(part)
        lost = 0
        for request in self.requests:
            try:
                out.push(pickle.dumps(request.to_dict(spider=self.spider), protocol=4))
            except (ValueError, TypeError, AttributeError, pickle.PicklingError):
                lost += 1  # e.g. a later page's request, which carries the parsed article
        kept = len(out)
        out.close()  # an empty one removes its file
        if kept:
            os.replace(part, self.path)
        if lost:
            self.stats.inc_value("scheduler/unserializable", lost)
            logger.info("%d queued requests cannot be kept for the resumed crawl", lost)
