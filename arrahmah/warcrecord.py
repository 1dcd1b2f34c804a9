"""WARC/1.0 records (ISO 28500) as bytes: the warcinfo, request and response records a run's
archive holds, each compressed as a gzip member of its own.

A record is a few header lines, the block and two line ends; the only work in it is hashing
the block and its payload (SHA-1, base32, as warcio and Heritrix write them) and compressing
it. warcio's writer builds the same records through generic header objects, streams and
copies: on this site's pages that took three times as long as the hashing and compressing
(benchmarks/archive_gzip.py). warcio stays what reads the archive back, and `warcio check`
verifies every record and digest the tests write.

HTTP header values are written in the bytes they arrived in (Scrapy hands them over as bytes;
the archive's `Exchange` keeps them as latin-1 text, which maps byte for byte); their names as
Scrapy spells them, and the stored headers as `arrahmah.archive.stored_headers` gives them.
"""

from __future__ import annotations

import base64
import hashlib
import http
import time
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from isal import isal_zlib

VERSION = "WARC/1.0"
GZIP_LEVEL = 2  # ISA-L's levels are 0-3
_GZIP = 16 + isal_zlib.MAX_WBITS
_END = b"\r\n\r\n"
_HTTP_RESPONSE = "application/http; msgtype=response"
_HTTP_REQUEST = "application/http; msgtype=request"


def gzip_member(data: bytes) -> bytes:
    """``data`` as one gzip member (ISA-L: a quarter of zlib's time, the same format)."""
    return isal_zlib.compress(data, GZIP_LEVEL, _GZIP)


def record_id() -> str:
    """A new record's WARC-Record-ID."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(epoch: float | None = None) -> str:
    """WARC-Date of a moment (now by default), to the second as WARC/1.0 has it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def digest(data: bytes) -> str:
    """A block or payload digest: ``sha1:`` and the base32 of the SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def record(kind: str, fields: Iterable[tuple[str, str]], block: bytes, content_type: str) -> bytes:
    """One record, uncompressed: its WARC headers (``fields`` after WARC-Type; Content-Type and
    Content-Length added) and ``block``."""
    head = [f"{VERSION}\r\nWARC-Type: {kind}\r\n"]
    head.extend(f"{name}: {value}\r\n" for name, value in fields)
    head.append(f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n")
    return "".join(head).encode("utf-8") + block + _END


def http_head(first_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """An HTTP message's start line and header fields, as sent."""
    lines = [first_line, *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def warcinfo(filename: str, info: dict[str, str], date: str) -> bytes:
    """A file's warcinfo record: what wrote it, as ``name: value`` fields."""
    block = "".join(f"{name}: {value}\r\n" for name, value in info.items() if value)
    fields = [("WARC-Record-ID", record_id()), ("WARC-Filename", filename), ("WARC-Date", date)]
    return record("warcinfo", fields, block.encode("utf-8"), "application/warc-fields")


def status_line(protocol: str, status: int) -> str:
    """``HTTP/1.1 200 OK``: the reason phrase is the standard one (the client does not keep
    the server's)."""
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"{protocol} {status} {reason}".rstrip()


def response(
    url: str, date: str, head: bytes, body: bytes, ip_address: str | None, rid: str
) -> bytes:
    """A response record: ``head`` (`http_head`) and ``body`` as the server sent them."""
    block = head + body
    fields = [("WARC-Record-ID", rid), ("WARC-Target-URI", url), ("WARC-Date", date)]
    if ip_address:
        fields.append(("WARC-IP-Address", ip_address))
    fields += [("WARC-Payload-Digest", digest(body)), ("WARC-Block-Digest", digest(block))]
    return record("response", fields, block, _HTTP_RESPONSE)


def request(
    url: str,
    date: str,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes,
    concurrent_to: str,
) -> bytes:
    """The request record that went with response record ``concurrent_to``; a Host header
    is added when the request's headers lack one (HTTP/1.1 sends it)."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not any(name.lower() == "host" for name, _ in headers):
        headers = [("Host", parts.netloc), *headers]
    block = http_head(f"{method} {target} HTTP/1.1", headers) + body
    fields = [
        ("WARC-Record-ID", record_id()),
        ("WARC-Target-URI", url),
        ("WARC-Date", date),
        ("WARC-Concurrent-To", concurrent_to),
        ("WARC-Payload-Digest", digest(body)),
        ("WARC-Block-Digest", digest(block)),
    ]
    return record("request", fields, block, _HTTP_REQUEST)
