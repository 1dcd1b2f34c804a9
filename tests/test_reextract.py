"""`arrahmah reextract`: the archived pages parsed again with today's parser, offline."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl, run_crawl, start_crawl, wait_for_exports
from fixture_site import FixtureSite, SiteServer
from test_archive import responses, warcio
from test_scheduled import EDITED, MOVED, SEED, TRASHED, crawl_twice

from arrahmah import cli, dataset
from arrahmah.archive import ArchiveFile, ArchiveWriter, Exchange, archive_files, parse_name
from arrahmah.runs import lock_data_dir


def reextract(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``arrahmah reextract ARGS`` in a process of its own (``prelude``: Python run first)."""
    code = f"{prelude}\nimport sys\nfrom arrahmah.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "reextract", *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def reextracted(data: Path, *args: str) -> list[dict]:
    """The items ``arrahmah reextract`` writes for the data dir ``data``."""
    out = data.parent / "reextracted.jsonl"
    done = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", *args, "-o", str(out))
    assert done.returncode == 0, done.stderr
    return read_jsonl(out)


def without_crawl_time(items: list[dict]) -> dict[int, dict]:
    return {i["post_id"]: {k: v for k, v in i.items() if k != "crawled_at"} for i in items}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> tuple[Path, list[dict]]:
    """A crawl of the test site (which gzips its pages): its data dir and its ``-O`` items."""
    work = tmp_path_factory.mktemp("crawl")
    with SiteServer(FixtureSite.from_fixtures(per_page=3), compress=True) as server:
        result = run_crawl(server.base_url, work / "data", out=work / "out.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    return work / "data", read_jsonl(work / "out.jsonl")


@pytest.fixture
def no_network(monkeypatch) -> list:
    """Every way out of this process refused; what tried is listed."""
    tried: list = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError("no network in this test")

    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "arrahmah.settings")
    return tried


def test_reextract_gives_the_crawls_articles_reading_nothing_from_the_network(
    crawled, tmp_path, no_network, validator, capsys
):
    data, crawl_items = crawled
    out = tmp_path / "again.jsonl"
    assert cli.main(["reextract", "-s", f"ARRAHMAH_DATA_DIR={data}", "-o", str(out)]) == 0
    assert no_network == []
    items = read_jsonl(out)
    for item in items:
        validator.validate(item)
    assert len(items) == len(crawl_items)
    assert without_crawl_time(items) == without_crawl_time(crawl_items)
    assert any(i["pages"] == 2 for i in items)  # the multi-page post, both pages
    assert capsys.readouterr().err.strip() == (
        f"arrahmah reextract: {len(items)} articles from 1 archive files -> {out}"
    )


def test_reextract_writes_jsonl_to_stdout_without_o(crawled):
    data, crawl_items = crawled
    result = reextract("-s", f"ARRAHMAH_DATA_DIR={data}")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(i["post_id"] for i in lines) == sorted(i["post_id"] for i in crawl_items)


def test_times_come_from_what_the_same_run_read_feed_or_post_record(tmp_path):
    """Without the REST index the crawl took times from the feed; ``fetch --record`` from the
    post's own REST record: both are archived, and read again."""
    site = FixtureSite.from_fixtures(per_page=5)
    site.rest_api = False
    data = tmp_path / "data"
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data, out=tmp_path / "crawl.jsonl").returncode == 0
        site.rest_api = True
        fetched = subprocess.run(
            [sys.executable, "-m", "arrahmah.cli", "fetch", server.base_url + site.post(SEED).path,
             "--record", "-o", str(tmp_path / "fetch.jsonl"),
             "-s", f"ARRAHMAH_BASE_URL={server.base_url}", "-s", f"ARRAHMAH_DATA_DIR={data}"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        )  # fmt: skip
        assert fetched.returncode == 0, fetched.stderr
    crawl_run, fetch_run = (parse_name(p.name)[0] for p in archive_files(data / "warc"))
    crawl_items = read_jsonl(tmp_path / "crawl.jsonl")
    assert any(len(i["published_at"]) > 10 for i in crawl_items)  # the feed's exact times
    assert any(len(i["published_at"]) == 10 for i in crawl_items)  # older posts: the date
    again = reextracted(data, "--run", crawl_run)
    assert without_crawl_time(again) == without_crawl_time(crawl_items)
    (item,) = read_jsonl(tmp_path / "fetch.jsonl")
    assert item["modified_at"]  # from the post's REST record
    assert without_crawl_time(reextracted(data, "--run", fetch_run)) == without_crawl_time([item])


def test_a_damaged_capture_is_a_named_skip_and_the_older_one_stands(tmp_path):
    """The crawl exported nothing from a page that came damaged: its row is the older capture's,
    and so is the re-extraction's."""
    site = FixtureSite.from_fixtures(per_page=3)
    data, first = tmp_path / "data", tmp_path / "first.jsonl"
    seed = site.post(SEED)
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data, out=first).returncode == 0
        cut = seed.pages[0][: len(seed.pages[0]) // 2].encode()  # no closing </html>
        site.responses[seed.path] = (200, {"Content-Type": "text/html; charset=UTF-8"}, cut)
        again = run_crawl(server.base_url, data, "-a", "mode=full")
        assert again.returncode == 3, again.stderr[-2000:]  # partial: the seed came damaged
    out = tmp_path / "again.jsonl"
    result = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert re.search(rf"skipped \S+{re.escape(seed.path)} \(damaged: truncated", result.stderr)
    assert "(skipped: 1 damaged)" in result.stderr
    items = without_crawl_time(read_jsonl(out))
    assert items[SEED] == without_crawl_time(read_jsonl(first))[SEED]


@pytest.mark.parametrize("damage", ["cut", "garbled"])
def test_a_cut_or_damaged_archive_is_read_to_its_last_whole_record(crawled, tmp_path, damage):
    data, crawl_items = crawled
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    (archive,) = archive_files(copy / "warc")
    pages = [
        (record.rec_headers.get_header("WARC-Target-URI"), offset)
        for offset, record in responses(archive)
    ]
    url, at = [(u, o) for u, o in pages if re.search(r"/\d{4}/\d\d/\d\d/[^/]+/$", u)][-4]
    size = archive.stat().st_size
    if damage == "cut":
        os.truncate(archive, at + 300)  # a kill in the middle of writing a record
    else:
        with archive.open("r+b") as fh:  # a bad disk: garbage from `at` on, the end intact
            fh.seek(at)
            fh.write(b"\0" * 300)
    result = reextract("-s", f"ARRAHMAH_DATA_DIR={copy}", "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr  # what was done; what could not be read
    unread = size - at if damage == "garbled" else 300
    what = "damaged" if damage == "garbled" else "cut short"
    assert lines[1] == (
        "arrahmah reextract: 1 archive files read up to their last whole record, the rest"
        f" unreadable: {archive.name} ({what}: {unread} B after offset {at})"
    )
    read = {u for u, o in pages if o < at}
    wanted = [i for i in crawl_items if i["url"] in read]
    items = read_jsonl(tmp_path / "out.jsonl")
    assert url not in read and 0 < len(wanted) < len(crawl_items)
    multipage = [i for i in wanted if i["pages"] > 1 and i["url"] + "2/" not in read]
    assert without_crawl_time(items) == without_crawl_time(
        [i for i in wanted if i not in multipage]
    )


def test_nothing_to_reextract_is_a_clear_error(tmp_path, crawled):
    data, _ = crawled
    missing = reextract("-s", f"ARRAHMAH_DATA_DIR={tmp_path / 'nothing'}")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"arrahmah reextract: no archive in {tmp_path / 'nothing' / 'warc'}"
        " (crawls keep one: ARRAHMAH_WARC_ENABLED)"
    )
    (tmp_path / "empty" / "warc").mkdir(parents=True)
    (tmp_path / "empty" / "warc" / "r1.warc.gz").write_bytes(b"")
    empty = reextract("-s", f"ARRAHMAH_DATA_DIR={tmp_path / 'empty'}")
    assert empty.returncode == 1 and "no archived article in" in empty.stderr
    assert len(empty.stderr.strip().splitlines()) == 1
    other_run = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "--run", "20000101T000000000000Z")
    assert other_run.returncode == 1 and "of run 20000101T000000000000Z" in other_run.stderr
    future = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "--since", "2999-01-01")
    assert future.returncode == 1 and "since 2999-01-01" in future.stderr
    assert reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "--since", "soon").returncode == 2
    assert not (tmp_path / "nothing").exists()  # an error writes nothing


def test_an_archive_of_nothing_but_bad_pages_fails_in_one_line(tmp_path):
    page = (ROOT / "fixtures" / "pages" / "seed-putin.html").read_bytes()
    archive = ArchiveWriter(tmp_path / "data" / "warc", "r1", 10**9, {"software": "test"})
    archive.open()
    url = "http://127.0.0.1:9/2020/10/09/post/"
    archive.write(
        Exchange(url, "GET", [], b"", 200, "HTTP/1.1", [("Content-Type", "text/html")],
                 page[: len(page) // 2])
    )  # fmt: skip
    archive.close()
    out = tmp_path / "out.jsonl"
    result = reextract("-s", f"ARRAHMAH_DATA_DIR={tmp_path / 'data'}", "-o", str(out))
    assert result.returncode == 1
    *named, last = result.stderr.strip().splitlines()
    assert last == "arrahmah reextract: re-extracted none of 1 archived articles (1 damaged)"
    assert len(named) == 1 and url in named[0]
    assert not out.exists() and not list(tmp_path.glob("out.jsonl*"))  # nothing half-written


def test_recording_while_a_crawl_holds_the_data_dir_is_refused(crawled, tmp_path):
    data, _ = crawled
    with lock_data_dir(data):
        busy = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "--record")
    assert busy.returncode == 75
    assert busy.stderr.strip() == (
        f"arrahmah reextract: another crawl is using {data}; try again when it has finished"
    )


def test_a_crawl_killed_and_resumed_leaves_a_whole_archive(tmp_path, validator):
    site = FixtureSite.from_fixtures(per_page=3)
    for n in range(30):  # enough work left to stop in the middle of
        site.publish(
            SEED, 9100 + n, f"arsip-{n}", f"2019-{n % 12 + 1:02d}-{n % 27 + 1:02d}T07:00:00+07:00"
        )
    data = tmp_path / "data"
    with SiteServer(site, delay=0.15, compress=True) as server:
        proc = start_crawl(server.base_url, data)
        assert wait_for_exports(data, 4) is not None, "the crawl exported nothing to kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        (archive,) = archive_files(data / "warc")
        member = list(ArchiveFile(archive).members())[-1]
        with archive.open("ab") as fh:  # whatever the kill left, a torn record at the end
            fh.write(archive.read_bytes()[member.offset : member.offset + member.length // 2])
        server.delay = 0
        result = run_crawl(server.base_url, data)
        assert result.returncode == 0, result.stderr[-3000:]
    files = archive_files(data / "warc")
    assert [f.name for f in files] == [archive.name]  # the same run wrote on
    assert warcio("check", *map(str, files)).returncode == 0
    (run_file,) = (data / "runs").glob("*.jsonl")
    exported = read_jsonl(run_file)
    assert sorted(i["post_id"] for i in exported) == sorted(p.post_id for p in site.posts)
    out = tmp_path / "again.jsonl"
    done = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1  # nothing unreadable
    assert without_crawl_time(read_jsonl(out)) == without_crawl_time(exported)


# ---- versions: a re-extraction never makes one ------------------------------------------------

# A rule the parser does not have: the editor's code ("(ARN)", "(ARN/MZ)") ending the text.
NEW_RULE = r"""
import re
from arrahmah import text
EDITOR_CODE = re.compile(r"\s*\(ARN(/[A-Z]+)?\)$")
paragraphs = text.paragraphs
text.paragraphs = lambda root, *more: [EDITOR_CODE.sub("", p) for p in paragraphs(root, *more)]
"""
EDITOR_CODE = re.compile(r"\s*\(ARN(/[A-Z]+)?\)$", re.MULTILINE)


def crawl_with(rule: str, base_url: str, data: Path, *args: str) -> subprocess.CompletedProcess:
    run = "import sys\nfrom scrapy.cmdline import execute\nexecute(['scrapy', *sys.argv[1:]])"
    code = f"{rule}\n{run}"
    return subprocess.run(
        [sys.executable, "-c", code, "crawl", "arrahmah", "-s", f"ARRAHMAH_BASE_URL={base_url}",
         "-s", f"ARRAHMAH_DATA_DIR={data}", "-s", "AUTOTHROTTLE_ENABLED=False",
         "-s", "DOWNLOAD_DELAY=0",
         # the changed rule is patched into this process only, not the page worker's
         "-s", "ARRAHMAH_PAGE_WORKER=False", *args],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, FixtureSite]:
    """Two crawls: the site, then the site a day later (new, edited, moved, trashed posts)."""
    data = tmp_path_factory.mktemp("runs") / "data"
    return data, crawl_twice(data)


def test_an_older_capture_keeps_the_version_the_crawl_gave_it(two_runs):
    data, _ = two_runs
    first, second = sorted(p.stem for p in (data / "runs").glob("*.jsonl"))
    assert without_crawl_time(reextracted(data, "--run", first)) == without_crawl_time(
        read_jsonl(data / "runs" / f"{first}.jsonl")
    )
    by_id = {i["post_id"]: i for i in reextracted(data)}
    for item in read_jsonl(data / "runs" / f"{second}.jsonl"):  # new, edited, moved
        assert {**by_id[item["post_id"]], "crawled_at": None} == {**item, "crawled_at": None}
    assert by_id[EDITED]["version"] == 2 and by_id[MOVED]["former_urls"]
    assert by_id[TRASHED]["version"] == 1  # gone since: its last capture, as the crawl had it


def test_a_rule_change_and_reextract_change_exactly_the_rows_it_touches(two_runs, tmp_path):
    source, site = two_runs
    data = tmp_path / "data"
    shutil.copytree(source, data)
    before = dataset.build(data / "runs", tmp_path / "before")
    rows = {r["post_id"]: r for r in read_jsonl(tmp_path / "before" / "articles.jsonl")}
    touched = {p for p, r in rows.items() if EDITOR_CODE.search(r["body"])}
    assert 0 < len(touched) < len(rows)

    result = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "--record", prelude=NEW_RULE)
    assert result.returncode == 0, result.stderr
    assert "recorded as run" in result.stderr
    after = dataset.build(data / "runs", tmp_path / "after")
    new = {r["post_id"]: r for r in read_jsonl(tmp_path / "after" / "articles.jsonl")}
    assert sorted(new) == sorted(rows)
    changed = {
        p for p in rows
        if {**rows[p], "run_id": 0, "crawled_at": 0} != {**new[p], "run_id": 0, "crawled_at": 0}
    }  # fmt: skip
    assert changed == touched
    for post_id in touched:
        assert not EDITOR_CODE.search(new[post_id]["body"])
        assert new[post_id]["version"] == rows[post_id]["version"]
    assert new[TRASHED]["status"] == "gone"
    assert after.versions == before.versions  # no version made
    versions = read_jsonl(tmp_path / "after" / "versions.jsonl")
    assert len(versions) == after.versions
    by_version = {(v["post_id"], v["version"]): v for v in versions}
    for post_id, row in new.items():  # the re-extracted row stands for its version
        assert by_version[(post_id, row["version"])]["body"] == row["body"]
    card = (tmp_path / "after" / "DATASET.md").read_text("utf-8")
    (run_id,) = re.findall(r"recorded as run (\S+)", result.stderr)
    recorded = json.loads((data / "runs" / f"{run_id}.report.json").read_text("utf-8"))
    assert [recorded[k] for k in ("mode", "outcome", "exit_status")] == ["reextract", "ok", 0]
    assert recorded["items_exported"] == len(rows) and recorded["extractor"]
    assert "## Re-extracted" in card
    row = f"| `{run_id}` | {recorded['finished_at']} | arrahmah {recorded['extractor']} |"
    assert f"{row} {len(rows)} |" in card

    # the next crawl, parsing with the new rule, sees no change the site did not make
    with SiteServer(site) as server:
        site_now = crawl_with(NEW_RULE, server.base_url, data, "-a", "mode=full")
    assert site_now.returncode == 0, site_now.stderr[-3000:]
    assert read_jsonl(sorted((data / "runs").glob("*.jsonl"))[-1]) == []
