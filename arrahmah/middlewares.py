"""Downloader middlewares.

`WarcArchive` keeps every response that reaches the spider in the run's WARC archive (see
`arrahmah.archive`): after retries (a 503 that a retry mended is not kept, the answer that came
after it is), whatever its status (a 404, or a 5xx after the last retry, is what the crawl
read). Redirects are followed before it: the page a redirect leads to is kept under its own
URL, the redirect itself is not.

What it stores is the response as the server sent it, before Scrapy undid its Content-Encoding:
a compressed page is stored compressed under its own Content-Encoding header, as transmitted,
which is what WARC tools verify and replay. While the archive is on, requests accept only the
content codings warcio decodes (gzip, deflate, br), so that every stored body can be read back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast
from weakref import WeakKeyDictionary

import scrapy
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

import arrahmah
from arrahmah.archive import DECODABLE, WARC_DIR, ArchiveWriter, Exchange
from arrahmah.runs import storage_failed
from arrahmah.worker import PageWorker, WorkerGone

logger = logging.getLogger(__name__)

ACCEPT_ENCODING = ", ".join(c for c in ("gzip", "deflate", "br") if c in DECODABLE)


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    return [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key in headers
        for value in headers.getlist(key)
    ]


@dataclass(frozen=True)
class _Sent:
    """A response as the server sent it, before any middleware changed it."""

    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None

    @classmethod
    def of(cls, response: Response) -> _Sent:
        protocol = response.protocol or ""
        return cls(
            status=response.status,
            protocol=protocol if protocol.startswith("HTTP/") else "HTTP/1.1",
            headers=_header_list(response.headers),
            body=response.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
        )


class WarcArchive:
    """Every response that reaches the spider, into the run's archive.

    Its place (``DOWNLOADER_MIDDLEWARES``, 545) is inside the retry middleware (550): it sees
    what the crawl reads, after retries. What the server sent it takes from the downloader's
    ``response_downloaded`` signal, before decompression changed the response. A response goes
    on to the spider once its records are in the file, so an item never names a record a kill
    could lose. The page worker writes the records when the crawl has one (`arrahmah.worker`),
    this process when it has not, or once it died. A spider without
    a run (``arrahmah fetch`` without ``--record``) keeps no archive. Where each response went
    is in ``response.meta["warc"]`` (see `source_of`).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: ArchiveWriter | None = None
        self.worker: PageWorker | None = None
        self._sent: WeakKeyDictionary[Request, _Sent] = WeakKeyDictionary()
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)
        crawler.signals.connect(self.response_downloaded, signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        if not crawler.settings.getbool("ARRAHMAH_WARC_ENABLED", True):
            raise NotConfigured("ARRAHMAH_WARC_ENABLED is off")
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        context = getattr(spider, "run_context", None)
        if context is None:
            return
        settings = self.crawler.settings
        self.writer = ArchiveWriter(
            context.data_dir / WARC_DIR,
            context.run.run_id,
            settings.getint("ARRAHMAH_WARC_MAX_BYTES", 10**9),
            {
                "software": f"arrahmah/{arrahmah.__version__} (Scrapy {scrapy.__version__})",
                "format": "WARC File Format 1.0",
                "isPartOf": context.run.run_id,
                "description": f"arrahmah {context.run.mode} run {context.run.run_id}",
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": settings.get("USER_AGENT") or "",
            },
        )
        # the page worker writes the archive when there is one; this process when it dies
        self.worker = getattr(spider, "worker", None)
        if self.worker is None:
            self.writer.open()

    def spider_closed(self, spider: Spider) -> None:
        if self.writer is not None:
            self.writer.close()  # the worker closes its own as it stops
            self.writer = None

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if self.writer is not None:
            self._sent[request] = _Sent.of(response)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.writer is not None:
            request.headers.setdefault("Accept-Encoding", ACCEPT_ENCODING)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if self.writer is None:
            return response
        # no raw answer: one a middleware made (a cache); its body is stored as received
        sent = self._sent.pop(request, None) or _Sent.of(response)
        exchange = Exchange(
            url=response.url,
            method=request.method,
            request_headers=_header_list(request.headers),
            request_body=request.body,
            status=sent.status,
            protocol=sent.protocol,
            headers=sent.headers,
            body=sent.body,
            ip_address=sent.ip_address,
        )
        stats = self.crawler.stats
        try:
            request.meta["warc"] = await self._write(self.writer, exchange)
        except OSError as exc:  # the data directory cannot be written: the run stops, failed
            if stats is not None:
                stats.inc_value("arrahmah/warc/errors")
            logger.error("not archived: %s (%s)", response.url, exc)
            self.crawler.signals.send_catch_log(storage_failed, exc=exc)
            return response
        if stats is not None:
            stats.inc_value("arrahmah/warc/responses")
        return response

    async def _write(self, writer: ArchiveWriter, exchange: Exchange) -> dict[str, Any]:
        if self.worker is not None:
            try:
                return cast(
                    dict[str, Any], await self.worker.call("archive", writer.spec, exchange)
                )
            except WorkerGone:  # this process writes on, after what the worker wrote
                self.worker = None
        if writer.path is None:
            writer.open()
        return writer.write(exchange)


def source_of(response: Response) -> list[dict[str, Any]]:
    """Where ``response`` was archived, as a list of one ``{file, record_id, offset}`` (empty
    when the run keeps no archive)."""
    source = response.request.meta.get("warc") if response.request is not None else None
    return [source] if source else []
