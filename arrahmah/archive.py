"""The archive: every response the crawl reads, kept as the site sent it, in WARC (ISO 28500).

    DATA_DIR/warc/<run>.warc.gz          a run's responses (the crawl, or ``fetch --record``)
    DATA_DIR/warc/<run>-00001.warc.gz    ... rotated past ARRAHMAH_WARC_MAX_BYTES

`ArchiveWriter` appends a request record and a response record per response (the downloader
middleware `arrahmah.middlewares.WarcArchive` hands them over); `ArchiveFile` reads a file back
record by record. Each record is a gzip member of its own, and a pair goes to the OS in one
``write``, so a killed crawl leaves whole records and at most one torn one at the end: the
resumed run cuts it off (`mend`), readers stop before it.

A response record holds the status line, headers and body as the server sent them (see
`Exchange`), with two exceptions the HTTP client forces: a chunked Transfer-Encoding is undone
(its header is dropped and Content-Length gives the stored body's length) and header names are
spelled as Scrapy normalises them.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.bufferedreaders import BufferedReader
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeaders

from arrahmah import warcrecord

logger = logging.getLogger(__name__)

WARC_DIR = "warc"  # below ARRAHMAH_DATA_DIR
_NAME = re.compile(r"^(?P<run>.+?)(?:-(?P<seq>\d{5}))?\.warc\.gz$")
# the content codings warcio can undo when it reads a body back (br with the brotli package)
DECODABLE = frozenset(BufferedReader.get_supported_decompressors())


# ---- files --------------------------------------------------------------------------------------
def archive_name(run_id: str, seq: int = 0) -> str:
    """The name of a run's ``seq``-th archive file (0: the first)."""
    return f"{run_id}.warc.gz" if seq == 0 else f"{run_id}-{seq:05d}.warc.gz"


def parse_name(name: str) -> tuple[str, int] | None:
    """``(run id, seq)`` of an archive file's name; None for any other file."""
    m = _NAME.match(name)
    return (m.group("run"), int(m.group("seq") or 0)) if m else None


def archive_files(directory: Path, run_id: str | None = None) -> list[Path]:
    """The archive files in ``directory`` (all, or one run's) in the order they were written:
    runs by id (their UTC start times), then each run's files in turn."""
    if not directory.is_dir():
        return []
    named = [(parse_name(path.name), path) for path in directory.glob("*.warc.gz")]
    return [
        path
        for parsed, path in sorted((n, p) for n, p in named if n is not None)
        if run_id is None or parsed[0] == run_id
    ]


# ---- reading ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    """One gzip member of an archive file: one whole record."""

    offset: int
    length: int
    data: bytes  # the record, decompressed


class ArchiveFile:
    """One archive file, read member by member up to its last whole record.

    After `members` has run: ``end`` is where the last whole record ends, ``size`` how many
    bytes the file had, ``corrupt`` whether what follows is no gzip at all (rather than a
    record cut short by a kill).
    """

    CHUNK = 1 << 16  # small: what follows a member's end is fed again to the next one

    def __init__(self, path: Path) -> None:
        self.path = path
        self.end = 0
        self.size = 0
        self.corrupt = False

    @property
    def unread(self) -> int:
        """Bytes after the last whole record (a torn or corrupt tail)."""
        return self.size - self.end

    def members(self) -> Iterator[Member]:
        """Every whole record, in file order."""
        self.end = self.size = 0
        offset, fed, out, pending = 0, 0, [], b""
        inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        with self.path.open("rb") as fh:
            while True:
                chunk = pending or fh.read(self.CHUNK)
                if not pending:
                    self.size += len(chunk)
                pending = b""
                if not chunk:
                    return
                try:
                    out.append(inflate.decompress(chunk))
                except zlib.error:
                    self.corrupt = True
                    self.size = max(self.size, os.fstat(fh.fileno()).st_size)  # none of it read
                    return
                if not inflate.eof:
                    fed += len(chunk)
                    continue
                pending = inflate.unused_data
                length = fed + len(chunk) - len(pending)
                self.end = offset + length
                yield Member(offset, length, b"".join(out))
                offset, fed, out = self.end, 0, []
                inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)


def read_member(fh: BinaryIO, offset: int, length: int) -> bytes:
    """The record at ``offset`` of an open archive file (``length`` bytes of gzip), decompressed
    (`ArchiveFile.members` tells where records are)."""
    fh.seek(offset)
    return zlib.decompress(fh.read(length), zlib.MAX_WBITS | 16)


_LOADER = ArcWarcRecordLoader()


def parse_record(data: bytes) -> ArcWarcRecord:
    """The WARC record of a member's decompressed bytes (its content readable once)."""
    return _LOADER.parse_record_stream(io.BytesIO(data))


def parse_head(data: bytes) -> tuple[StatusAndHeaders, int | None]:
    """A record's WARC headers and, for an HTTP response, its status code: what an index of
    the archive needs, without the cost of parsing every HTTP header."""
    record = _LOADER.parse_record_stream(io.BytesIO(data), no_record_parse=True)
    status = None
    if record.rec_type == "response":
        words = record.raw_stream.readline().split(None, 2)
        status = int(words[1]) if len(words) > 1 and words[1].isdigit() else None
    return record.rec_headers, status


def mend(path: Path) -> bool:
    """Cut a record torn by a kill off the end of ``path``; False when the file is damaged in
    a way a kill does not explain (it is then left as it is: nothing whole is ever cut)."""
    archive = ArchiveFile(path)
    for _ in archive.members():
        pass
    if archive.corrupt:
        logger.warning(
            "archive %s: %d bytes after offset %d are not gzip; left as they are, the run"
            " writes on in a new file", path.name, archive.unread, archive.end,
        )  # fmt: skip
        return False
    if archive.unread:
        os.truncate(path, archive.end)
        logger.info("archive %s: cut a torn record off its end (%d B)", path.name, archive.unread)
    return True


# ---- writing ------------------------------------------------------------------------------------
@dataclass
class Exchange:
    """One request and the response the server sent to it, as the archive keeps them."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None = None


class ArchiveWriter:
    """One run's archive: request/response record pairs appended, each pair with one write."""

    def __init__(
        self,
        directory: Path,
        run_id: str,
        max_bytes: int,
        info: dict[str, str],
    ) -> None:
        self.directory = directory
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.info = info
        self.seq = 0
        self.path: Path | None = None  # set by `open`
        self._fh: io.FileIO | None = None
        self._size = 0

    def open(self) -> None:
        """Write on in the run's last archive file (a resumed run: its torn end cut), or start
        the run's first."""
        self.directory.mkdir(parents=True, exist_ok=True)
        existing = archive_files(self.directory, self.run_id)
        if existing:
            last = existing[-1]
            self.seq = (parse_name(last.name) or (self.run_id, 0))[1]
            if not mend(last) or last.stat().st_size >= self.max_bytes:
                self.seq += 1
        self._open_file()

    def _open_file(self) -> None:
        self.path = self.directory / archive_name(self.run_id, self.seq)
        self._fh = io.FileIO(self.path, "a")
        self._size = os.fstat(self._fh.fileno()).st_size
        if self._size == 0:
            info = warcrecord.warcinfo(self.path.name, self.info, warcrecord.warc_date())
            self._append(warcrecord.gzip_member(info))

    def write(self, exchange: Exchange) -> dict[str, Any]:
        """Append ``exchange`` as a request and a response record; returns where the response
        record is: ``{file, record_id, offset}``."""
        if self._fh is None:
            self.seq += 1
            self._open_file()
        assert self.path is not None
        date, rid = warcrecord.warc_date(), warcrecord.record_id()
        head = warcrecord.http_head(
            warcrecord.status_line(exchange.protocol, exchange.status),
            stored_headers(exchange.headers, len(exchange.body)),
        )
        response = warcrecord.response(
            exchange.url, date, head, exchange.body, exchange.ip_address, rid
        )
        request = warcrecord.request(
            exchange.url, date, exchange.method, exchange.request_headers,
            exchange.request_body, concurrent_to=rid,
        )  # fmt: skip
        offset = self._size
        self._append(warcrecord.gzip_member(response) + warcrecord.gzip_member(request))
        source = {
            "file": self.path.name,
            "record_id": rid,
            "offset": offset,
        }
        if self._size >= self.max_bytes:
            self.close()
        return source

    def _append(self, data: bytes) -> None:
        """Write ``data`` whole, or not at all (a failed write is cut off again)."""
        assert self._fh is not None
        try:
            view = memoryview(data)
            while view:
                view = view[self._fh.write(view) or 0 :]
        except OSError:
            os.ftruncate(self._fh.fileno(), self._size)
            raise
        self._size += len(data)

    @property
    def spec(self) -> tuple[Path, str, int, dict[str, str]]:
        """What makes this writer: a writer made of it in another process writes the same
        files (the page worker's, `arrahmah.worker`)."""
        return self.directory, self.run_id, self.max_bytes, self.info

    def close(self) -> None:
        """Flush the current file to disk and close it (a later write starts the next file)."""
        if self._fh is not None:
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None


def stored_headers(headers: list[tuple[str, str]], body_length: int) -> list[tuple[str, str]]:
    """The response's headers as a record stores them: Transfer-Encoding dropped (the client
    undid it), Content-Length the stored body's length."""
    stored: list[tuple[str, str]] = []
    length = ("Content-Length", str(body_length))
    for name, value in headers:
        if name.lower() == "content-length":
            if length not in stored:
                stored.append(length)
        elif name.lower() != "transfer-encoding":
            stored.append((name, value))
    return stored if length in stored else [*stored, length]
