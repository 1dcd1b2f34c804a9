"""The run archive: every response the crawl reads, in WARC files standard tools read."""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from pathlib import Path

from conftest import read_jsonl, run_crawl
from fixture_site import FixtureSite, SiteServer

from arrahmah.archive import (
    ArchiveFile,
    ArchiveWriter,
    Exchange,
    archive_files,
    parse_record,
    stored_headers,
)


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    """The reference implementation's own command line."""
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", *args], capture_output=True, text=True, timeout=120
    )


def responses(path: Path) -> list:
    """``(offset, record)`` of every response record of an archive file, its payload unread."""
    records = ((m.offset, parse_record(m.data)) for m in ArchiveFile(path).members())
    return [(offset, record) for offset, record in records if record.rec_type == "response"]


def exchange(n: int, size: int = 2000) -> Exchange:
    noise = random.Random(n).randbytes(size)  # as large gzipped as it is
    body = f"<html><body>page {n} ".encode() + noise + b"</body>"
    return Exchange(
        url=f"http://127.0.0.1:8000/2020/10/0{n % 9 + 1}/post-{n}/",
        method="GET",
        request_headers=[("User-Agent", "test")],
        request_body=b"",
        status=200,
        protocol="HTTP/1.1",
        headers=[("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", str(len(body)))],
        body=body,
        ip_address="127.0.0.1",
    )


def writer(directory: Path, run: str = "r1", max_bytes: int = 10**9) -> ArchiveWriter:
    archive = ArchiveWriter(directory, run, max_bytes, {"software": "test"})
    archive.open()
    return archive


# ---- a crawl's archive ---------------------------------------------------------------------------


def test_a_crawl_archives_every_response_as_sent_and_warcio_reads_it(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    data = tmp_path / "data"
    with SiteServer(site, compress=True) as server:  # a site that gzips, as most do
        result = run_crawl(server.base_url, data, out=tmp_path / "out.jsonl")
        requests = server.take_requests()
        accepted = server.accept_encodings
    assert result.returncode == 0, result.stderr[-3000:]
    (archive,) = archive_files(data / "warc")
    assert archive.name == f"{next((data / 'runs').glob('*.jsonl')).stem}.warc.gz"
    check = warcio("check", "-v", str(archive))
    assert check.returncode == 0, check.stdout
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    index = [json.loads(line) for line in warcio("index", str(archive)).stdout.splitlines()]
    assert [e["warc-type"] for e in index[:1]] == ["warcinfo"]
    kept = [e["warc-target-uri"] for e in index if e["warc-type"] == "response"]
    assert sorted(kept) == sorted(server.base_url + r for r in requests)  # each once
    assert [e["warc-type"] for e in index[1:]] == ["response", "request"] * len(kept)
    assert accepted == {"gzip, deflate, br"}  # only codings the archive's readers can undo

    records = {offset: r for offset, r in responses(archive)}
    for item in read_jsonl(tmp_path / "out.jsonl"):  # each names its pages' records
        pages = [item["url"], *(f"{item['url']}{n}/" for n in range(2, item["pages"] + 1))]
        named = [records[s["offset"]] for s in item["warc"] if s["file"] == archive.name]
        assert [r.rec_headers.get_header("WARC-Target-URI") for r in named] == pages
        assert [r.rec_headers.get_header("WARC-Record-ID") for r in named] == [
            s["record_id"] for s in item["warc"]
        ]

    seed = site.post(120)
    (record,) = [
        r for _, r in responses(archive)
        if r.rec_headers.get_header("WARC-Target-URI") == server.base_url + seed.path
    ]  # fmt: skip
    assert record.http_headers.get_header("Content-Encoding") == "gzip"  # as transmitted
    payload = record.raw_stream.read()
    assert gzip.decompress(payload).decode() == seed.pages[0].replace(
        "https://arrahmahnews.com", server.base_url
    )


# ---- crash safety and rotation -------------------------------------------------------------------


def test_a_torn_record_is_cut_off_when_the_run_writes_on(tmp_path):
    archive = writer(tmp_path)
    kept = [archive.write(exchange(n)) for n in range(3)]
    archive.close()
    path = tmp_path / "r1.warc.gz"
    whole = path.stat().st_size
    other = writer(tmp_path / "other")
    at = other.write(exchange(9))["offset"]
    other.close()
    pair = (tmp_path / "other" / "r1.warc.gz").read_bytes()[at:]
    with path.open("ab") as fh:  # killed in the middle of writing a pair
        fh.write(pair[:700])
    reader = ArchiveFile(path)
    assert len(list(reader.members())) == 1 + 2 * 3  # warcinfo, then 3 pairs
    assert (reader.end, reader.unread, reader.corrupt) == (whole, 700, False)

    resumed = writer(tmp_path)  # the same run, resumed
    assert path.stat().st_size == whole
    later = resumed.write(exchange(3))
    resumed.close()
    assert later["offset"] == whole and later["file"] == "r1.warc.gz"
    assert [r.rec_headers.get_header("WARC-Record-ID") for _, r in responses(path)] == [
        source["record_id"] for source in [*kept, later]
    ]
    assert warcio("check", str(path)).returncode == 0


def test_a_damaged_file_is_left_as_it_is_and_the_run_writes_on_in_a_new_one(tmp_path):
    archive = writer(tmp_path)
    archive.write(exchange(1))
    archive.close()
    path = tmp_path / "r1.warc.gz"
    damaged = path.read_bytes() + b"this is not gzip"
    path.write_bytes(damaged)
    resumed = writer(tmp_path)
    source = resumed.write(exchange(2))
    resumed.close()
    assert path.read_bytes() == damaged  # nothing whole is ever cut
    assert source["file"] == "r1-00001.warc.gz"
    reader = ArchiveFile(path)
    assert len(list(reader.members())) == 3 and reader.corrupt and reader.unread == 16


def test_a_run_archive_is_rotated_and_read_back_in_order(tmp_path):
    archive = writer(tmp_path, max_bytes=6000)
    sources = [archive.write(exchange(n, size=4000)) for n in range(5)]
    archive.close()
    files = archive_files(tmp_path)
    assert [f.name for f in files] == [
        "r1.warc.gz",
        *(f"r1-{n:05d}.warc.gz" for n in range(1, len(files))),
    ]
    assert len(files) > 2
    assert [s["file"] for s in sources] == [f.name for f in files for _ in responses(f)]
    for path in files:
        assert warcio("check", str(path)).returncode == 0
        first = parse_record(next(ArchiveFile(path).members()).data)
        assert first.rec_type == "warcinfo"  # every file stands on its own
    assert archive_files(tmp_path, "r2") == []


def test_stored_headers_describe_the_stored_body():
    sent = [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"), ("X-A", "1")]
    assert stored_headers(sent, 10) == [
        ("Content-Type", "text/html"),
        ("X-A", "1"),
        ("Content-Length", "10"),
    ]
    sent = [("Content-Length", "10"), ("Content-Encoding", "gzip")]
    assert stored_headers(sent, 10) == sent  # as the server sent them
