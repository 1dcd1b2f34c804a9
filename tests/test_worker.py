"""The page worker: article pages read and cleaned in a process of their own, nothing lost when
it dies, nothing left behind when the crawl does."""

from __future__ import annotations

import asyncio
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    ROOT,
    expected_item,
    fixture_pages,
    manifest,
    read_jsonl,
    run_crawl,
    split_provenance,
)
from fixture_site import FixtureSite, SiteServer
from test_archive import responses, warcio

from arrahmah.archive import archive_files
from arrahmah.prepare import ArticlePreparer
from arrahmah.worker import PageWorker, WorkerGone, _portable

GOOD = sorted(e["post_id"] for m in manifest() if (e := expected_item(m["name"])) is not None)
FIRST_PAGES = [(e["name"], *fixture_pages(e)[0]) for e in manifest()]


def children(pid: int) -> list[int]:
    """The child processes of ``pid``."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def find_worker(crawl: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """The pid of a running crawl's page worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and crawl.poll() is None:
        for pid in children(crawl.pid):
            if b"arrahmah.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        time.sleep(0.02)
    raise AssertionError("the crawl started no page worker")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead, waiting for its parent to reap it


def ignores(pid: int, signum: int) -> bool:
    """Whether process ``pid`` ignores signal ``signum`` (yet)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


def crawl_in_background(base_url: str, data: Path, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "arrahmah",
           "-s", f"ARRAHMAH_BASE_URL={base_url}", "-s", f"ARRAHMAH_DATA_DIR={data}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
           "-O", str(data.parent / "out.jsonl")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as err:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=err)


# ---- the channel --------------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_reads_every_fixture_page_as_the_crawls_process_does():
    here = ArticlePreparer("127.0.0.1")

    async def both() -> None:
        worker = PageWorker("127.0.0.1")
        try:
            for name, url, html in FIRST_PAGES:
                args = (html.encode("utf-8"), url, "text/html; charset=UTF-8", "2026-01-01")
                there = await worker.call("prepare", *args)
                assert there == here.prepare(*args), name
        finally:
            await worker.close()
        assert worker.gone == ""  # closed, not died

    asyncio.run(both())


def test_an_error_in_a_job_is_raised_where_the_job_was_asked():
    async def ask() -> None:
        worker = PageWorker(None)
        try:
            with pytest.raises(Exception) as here:
                ArticlePreparer(None).prepare("not bytes", None, None, None)  # type: ignore[arg-type]
            with pytest.raises(here.type, match=re.escape(str(here.value))):
                await worker.call("prepare", "not bytes", None, None, None)
            # a job that cannot be sent is refused here, and takes no reply of another's
            with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
                await worker.call("prepare", lambda: 0, "http://x/", None, "t")
            # and the worker goes on
            done = await worker.call("prepare", b"<html></html>", "http://x/", None, "t")
            assert done.unreadable is not None
        finally:
            await worker.close()

    asyncio.run(ask())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_dead_worker_fails_its_jobs_with_worker_gone():
    async def kill_it() -> None:
        worker = PageWorker(None)
        await worker.call("prepare", b"<html></html>", "http://x/", None, "t")
        (pid,) = children(os.getpid())
        pending = asyncio.ensure_future(
            worker.call("prepare", b"<p>" * 10**6, "http://x/", None, "t")
        )
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkerGone):
            await pending
        with pytest.raises(WorkerGone):
            await worker.call("prepare", b"<html></html>", "http://x/", None, "t")
        assert "exit status -9" in (worker.gone or "")

    asyncio.run(kill_it())


def test_the_worker_writes_the_archive_and_its_errors_reach_the_crawl(tmp_path):
    from test_archive import exchange

    spec = (tmp_path / "warc", "r1", 10**9, {"software": "test"})
    blocked = (tmp_path / "file" / "warc", "r1", 10**9, {"software": "test"})
    (tmp_path / "file").write_text("not a directory")

    async def write() -> list[dict]:
        worker = PageWorker(None)
        try:
            sources = [await worker.call("archive", spec, exchange(n)) for n in range(3)]
            with pytest.raises(OSError):  # raised here, as a write of this process's would be
                await worker.call("archive", blocked, exchange(9))
        finally:
            await worker.close()  # the worker closes its archive file as it stops
        return sources

    sources = asyncio.run(write())
    path = tmp_path / "warc" / "r1.warc.gz"
    assert warcio("check", str(path)).returncode == 0
    records = dict(responses(path))
    for n, source in enumerate(sources):
        record = records[source["offset"]]
        assert record.rec_headers.get_header("WARC-Record-ID") == source["record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == exchange(n).url


class TwoArguments(Exception):
    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a} {b}")


def test_an_error_that_would_not_survive_the_pickle_is_said_in_a_runtime_error():
    assert isinstance(_portable(ValueError("x")), ValueError)
    said = _portable(TwoArguments("a", "b"))
    assert type(said) is RuntimeError and str(said) == "TwoArguments: a b"


# ---- in a crawl ---------------------------------------------------------------------------------
def test_a_crawl_exports_the_same_articles_with_the_worker_and_without(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    runs = {}
    with SiteServer(site) as server:
        for worker in (True, False):
            out = tmp_path / f"worker-{worker}.jsonl"
            result = run_crawl(
                server.base_url, tmp_path / f"data-{worker}", out=out,
                settings={"ARRAHMAH_PAGE_WORKER": worker},
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            runs[worker] = sorted(
                (split_provenance(i)[0] for i in read_jsonl(out)), key=lambda i: i["post_id"]
            )
            read_aside = re.search(r"'arrahmah/worker/pages': (\d+)", result.stderr)
            assert (read_aside is not None) == worker  # the worker read the pages, or none did
    assert [i["post_id"] for i in runs[True]] == GOOD
    assert runs[True] == runs[False]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_when_the_worker_dies_the_crawl_reads_its_pages_itself(tmp_path):
    data, log = tmp_path / "data", tmp_path / "crawl.log"
    with SiteServer(FixtureSite.from_fixtures(per_page=3), delay=0.05) as server:
        crawl = crawl_in_background(server.base_url, data, log)
        os.kill(find_worker(crawl), signal.SIGKILL)
        assert crawl.wait(timeout=300) == 0, log.read_text()[-3000:]
    assert "the page worker stopped" in log.read_text()
    items = read_jsonl(tmp_path / "out.jsonl")
    assert sorted(i["post_id"] for i in items) == GOOD
    # the archive: what the worker wrote, then what the crawl's process wrote on after it
    records = {}
    for path in archive_files(data / "warc"):
        assert warcio("check", str(path)).returncode == 0
        records |= {(path.name, offset): r for offset, r in responses(path)}
    for item in items:
        for source in item["warc"]:
            record = records[(source["file"], source["offset"])]
            assert record.rec_headers.get_header("WARC-Record-ID") == source["record_id"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_dies_with_a_killed_crawl_and_stays_through_ctrl_c(tmp_path):
    with SiteServer(FixtureSite.from_fixtures(per_page=3), delay=0.2) as server:
        crawl = crawl_in_background(server.base_url, tmp_path / "data", tmp_path / "a.log")
        worker = find_worker(crawl)
        while not ignores(worker, signal.SIGINT):  # started, not only forked
            time.sleep(0.02)
        os.kill(worker, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
        time.sleep(0.5)
        assert alive(worker)  # the crawl decides when its worker stops
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)
        deadline = time.monotonic() + 10
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(worker)
