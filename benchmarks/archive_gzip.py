"""What archiving a page costs: the project's records (`arrahmah.warcrecord`, ISA-L) against
warcio's writer and zlib.

    python benchmarks/archive_gzip.py [PAGES_DIR_OR_SNAPSHOT] [--rounds N]

Writes every article page of ``fixtures/pages`` (or of a replica snapshot: ``index.jsonl`` +
``bodies/``) as WARC request/response records, four ways, in one run, each into a file of its
own, flushed to disk at the end: warcio's writer as it comes (its record objects, zlib level 9:
the baseline), the project's `ArchiveWriter` with zlib at level 6 and level 1 in ISA-L's place,
and the project's `ArchiveWriter` as it is (ISA-L level 2).
Prints per way the best of N rounds of the time to write all the records and the bytes
written, each as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arrahmah import warcrecord
from arrahmah.archive import ArchiveWriter, Exchange, stored_headers
from benchmarks.extract import ROOT, load_pages


def exchanges(source: Path) -> list[Exchange]:
    return [
        Exchange(url=url, method="GET", request_headers=[("User-Agent", "bench")],
                 request_body=b"", status=200, protocol="HTTP/1.1",
                 headers=[("Content-Type", "text/html; charset=UTF-8")],
                 body=html.encode("utf-8"))
        for url, html in load_pages(source)
    ]  # fmt: skip


def warcio_gzip(records: list[Exchange], directory: Path) -> int:
    """warcio's writer as it comes (its records, digests and zlib level 9 per record), the
    same records into a file as the project's."""
    path = directory / f"baseline-{time.monotonic_ns()}.warc.gz"
    with path.open("wb") as out:
        warc = WARCWriter(out, gzip=True)
        warc.write_record(warc.create_warcinfo_record(path.name, {"software": "bench"}))
        for e in records:
            head = StatusAndHeaders(
                warcrecord.status_line(e.protocol, e.status).split(" ", 1)[1],
                stored_headers(e.headers, len(e.body)), protocol=e.protocol,
            )  # fmt: skip
            response = warc.create_warc_record(
                e.url, "response", payload=io.BytesIO(e.body), length=len(e.body),
                http_headers=head,
            )  # fmt: skip
            target = urlsplit(e.url)
            asked = StatusAndHeaders(
                f"{e.method} {target.path or '/'} HTTP/1.1",
                [("Host", target.netloc), *e.request_headers], is_http_request=True,
            )  # fmt: skip
            request = warc.create_warc_record(
                e.url, "request", payload=io.BytesIO(e.request_body),
                length=len(e.request_body), http_headers=asked,
            )  # fmt: skip
            warc.write_request_response_pair(request, response)
        out.flush()
        os.fsync(out.fileno())
    return path.stat().st_size


def with_zlib(level: int) -> Callable[[list[Exchange], Path], int]:
    def write(records: list[Exchange], directory: Path) -> int:
        real = warcrecord.isal_zlib
        warcrecord.isal_zlib = zlib  # type: ignore[assignment]  # the same API
        saved, warcrecord.GZIP_LEVEL = warcrecord.GZIP_LEVEL, level
        try:
            return project(records, directory)
        finally:
            warcrecord.isal_zlib, warcrecord.GZIP_LEVEL = real, saved

    return write


def project(records: list[Exchange], directory: Path) -> int:
    """The project's writer: ISA-L level 2 per record, to a file."""
    writer = ArchiveWriter(directory, f"run{time.monotonic_ns()}", 10**12, {"software": "b"})
    writer.open()
    for exchange in records:
        writer.write(exchange)
    writer.close()
    assert writer.path is not None
    return writer.path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "fixtures" / "pages")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    records = exchanges(args.source)
    print(f"{len(records)} pages ({sum(len(r.body) for r in records) / 1e6:.1f} MB of HTML)")
    ways = [("warcio (zlib 9)", warcio_gzip), ("zlib 6", with_zlib(6)),
            ("zlib 1", with_zlib(1)), ("project (ISA-L 2)", project)]  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in ways:
            best, size = float("inf"), 0
            for _ in range(args.rounds):
                start = time.perf_counter()
                size = write(records, Path(tmp))
                best = min(best, time.perf_counter() - start)
            results[name] = (best, size)
    base_time, base_size = results["warcio (zlib 9)"]
    for name, (seconds, size) in results.items():
        per_page = 1000 * seconds / len(records)
        print(
            f"  {name:<18} {per_page:6.3f} ms/page ({seconds / base_time:.2f}x)"
            f"  {size / len(records) / 1024:6.1f} KB/page ({size / base_size:.2f}x)"
        )


if __name__ == "__main__":
    main()
