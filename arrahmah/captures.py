"""What an archive holds, response by response: pass 1 of ``arrahmah reextract``.

`ArchiveIndex.read` goes through archive files once, reading each record's headers (never its
body), and files every response the re-extraction needs under what it is: page 1 of an article,
a later page of one, or an index that says when posts were published (the REST index, a post's
REST record, the RSS feed). URLs are read as the site the crawl used has them (its mirror's,
if it crawled one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from arrahmah.archive import ArchiveFile, parse_head, parse_name
from arrahmah.site import Site

_REST_POST = re.compile(r"/wp-json/wp/v2/posts/\d+$")


@cache
def site_of(url: str) -> Site:
    """The site ``url`` is on: the archive holds the URLs its crawl used, mirror or not."""
    parts = urlsplit(url)
    return Site.from_base_url(f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True)
class Capture:
    """One archived response: where its record is, and what it answered."""

    run: str
    order: tuple[int, int]  # (file, offset): the order the crawl read responses in
    path: Path
    offset: int
    length: int
    url: str
    date: str  # WARC-Date
    status: int
    record_id: str

    def source(self) -> dict[str, Any]:
        """Where it is, as an item names it."""
        return {"file": self.path.name, "record_id": self.record_id, "offset": self.offset}


@dataclass
class UnreadTail:
    """The tail of an archive file that could not be read."""

    file: str
    offset: int
    size: int
    corrupt: bool

    def __str__(self) -> str:
        what = "damaged" if self.corrupt else "cut short"
        return f"{self.file} ({what}: {self.size} B after offset {self.offset})"


KEEP_BYTES = 128 * 2**20  # the records pass 1 keeps for pass 2, at most (decompressed)


@dataclass
class ArchiveIndex:
    """What every archived response is: pass 1 over the archive.

    It keeps the records it filed, decompressed, up to `KEEP_BYTES` (the latest ones: those
    re-extraction reads first), so that pass 2 need not read and inflate them again.
    """

    files: list[Path]
    firsts: dict[str, list[Capture]] = field(default_factory=dict)  # article page 1, 2xx
    later: dict[str, list[Capture]] = field(default_factory=dict)  # later pages, any status
    indexes: dict[str, list[tuple[str, Capture]]] = field(default_factory=dict)  # by run
    unreadable: list[UnreadTail] = field(default_factory=list)
    responses: int = 0
    kept: dict[tuple[Path, int], bytes] = field(default_factory=dict)  # (file, offset) -> record
    _kept_bytes: int = 0

    @classmethod
    def read(cls, files: list[Path], since: str | None = None) -> ArchiveIndex:
        """Index ``files``; article captures before ``since`` (a date, UTC) are left out."""
        index = cls(files)
        for number, path in enumerate(files):
            archive = ArchiveFile(path)
            run = (parse_name(path.name) or (path.name, 0))[0]
            for member in archive.members():
                headers, status = parse_head(member.data)
                if status is None:
                    continue  # not a response
                index.responses += 1
                capture = Capture(
                    run=run,
                    order=(number, member.offset),
                    path=path,
                    offset=member.offset,
                    length=member.length,
                    url=headers.get_header("WARC-Target-URI") or "",
                    date=headers.get_header("WARC-Date") or "",
                    status=status,
                    record_id=headers.get_header("WARC-Record-ID") or "",
                )
                if index.add(capture, since):
                    index.keep(capture, member.data)
            if archive.unread:
                index.unreadable.append(
                    UnreadTail(path.name, archive.end, archive.unread, archive.corrupt)
                )
        return index

    def keep(self, capture: Capture, record: bytes) -> None:
        """Keep ``capture``'s record, the oldest kept ones let go beyond `KEEP_BYTES`."""
        self.kept[(capture.path, capture.offset)] = record
        self._kept_bytes += len(record)
        while self._kept_bytes > KEEP_BYTES:
            self._kept_bytes -= len(self.kept.pop(next(iter(self.kept))))

    def take(self, capture: Capture) -> bytes | None:
        """``capture``'s record if it was kept (once: it is let go)."""
        record = self.kept.pop((capture.path, capture.offset), None)
        self._kept_bytes -= len(record or b"")
        return record

    def add(self, capture: Capture, since: str | None) -> bool:
        """File ``capture`` under what it is; False for a response nothing needs."""
        ok = 200 <= capture.status < 300
        path = urlsplit(capture.url).path
        if path.endswith("/wp-json/wp/v2/posts") or _REST_POST.search(path):
            kind = "rest" if path.endswith("/posts") else "rest_post"
        elif path.endswith("/feed/"):
            kind = "feed"
        elif site_of(capture.url).is_article_url(capture.url):
            if site_of(capture.url).article_first_page(capture.url) != capture.url:
                self.later.setdefault(capture.url, []).append(capture)
            elif ok and not (since and capture.date[:10] < since):
                self.firsts.setdefault(capture.url, []).append(capture)
            else:
                return False
            return True
        else:
            return False
        if ok:
            self.indexes.setdefault(capture.run, []).append((kind, capture))
        return ok
