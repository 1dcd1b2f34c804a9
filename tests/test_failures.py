"""A crawl that tells the truth: bad pages caught and reported, exit statuses, nothing lost.

The test site serves every fixture article, plus one bad page of each kind a real site serves
now and then: cut off, decoded in the wrong charset, empty, binary, too large, not an article,
without a title or a date, a redirect loop, a redirect off the site, a server that keeps
failing, a page robots.txt forbids, links off the site.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
from collections import Counter
from typing import Any

import pytest
from conftest import expected_item, manifest, read_jsonl, run_crawl
from fixture_site import FixtureSite, Post, SiteServer

SEED = 120  # the seed article, the template of the bad pages
HTML = "text/html; charset=UTF-8"
GOOD = sorted(item["post_id"] for e in manifest() if (item := expected_item(e["name"])) is not None)


def _page(site: FixtureSite, post_id: int) -> str:
    return site.post(post_id).pages[0]


def bad_site() -> tuple[FixtureSite, dict[str, Any]]:
    """The fixture site with one bad page of every kind; the reason each must be lost for
    (None: repaired or recovered, and exported)."""
    site = FixtureSite.from_fixtures(per_page=3)
    bad: dict[str, Any] = {}
    ids = iter(range(7001, 7100))

    def post(slug: str, reason: str | None) -> Post:
        new = site.publish(SEED, next(ids), slug, "2019-03-04T08:00:00+07:00")
        bad[new.path] = reason
        return new

    def serve(slug: str, reason: str | None, body: bytes, ctype: str = HTML) -> None:
        site.responses[post(slug, reason).path] = (200, {"Content-Type": ctype}, body)

    # repaired or recovered: exported with the text a browser shows
    stray = post("stray-div", None)
    inside = stray.pages[0].index(">", stray.pages[0].index('<div class="entry-content')) + 1
    stray.pages[0] = stray.pages[0][:inside] + "</div>" + stray.pages[0][inside:]
    cp1252 = post("windows-1252", None)
    site.responses[cp1252.path] = (200, {"Content-Type": HTML}, cp1252.pages[0].encode("cp1252"))
    mojibake = post("mojibake", None)
    latin1 = {"Content-Type": "text/html; charset=ISO-8859-1"}
    site.responses[mojibake.path] = (200, latin1, mojibake.pages[0].encode())
    # not exported, each with its reason
    cut = post("cut-off", "damaged")
    page = cut.pages[0]
    site.responses[cut.path] = (
        200,
        {"Content-Type": HTML},
        page[: page.index("</p>", len(page) // 2)].encode(),
    )
    page = _page(site, SEED)
    serve("empty", "damaged", b"")
    noise = bytes(random.Random(7).randrange(256) for _ in range(4000))
    serve("binary", "not_article", noise)
    serve("a-pdf", "not_html", noise, "application/pdf")
    serve(
        "too-large", "too_large", page.replace("</body>", f"<!--{'x' * 300_000}--></body>").encode()
    )
    serve("a-wp-page", "not_article", next(iter(site.wp_pages.values())).encode())
    untitled = post("no-title", "invalid")
    untitled.pages[0] = re.sub(
        r"<title>.*?</title>", "<title></title>", untitled.pages[0], flags=re.S
    )
    untitled.pages[0] = untitled.pages[0].replace('class="entry-title"', 'class="x"')
    undated = post("no-date", "invalid")
    site.unindexed.add(undated.post_id)  # the index would give its date
    undated.pages[0] = undated.pages[0].replace("entry-meta-date", "x")
    loop = post("loop", "redirect_loop").path
    site.responses[loop] = (301, {"Location": "{base}" + loop + "lagi/"}, b"")
    site.responses[loop + "lagi/"] = (301, {"Location": "{base}" + loop}, b"")
    away = post("away", "offsite_redirect").path
    site.responses[away] = (301, {"Location": "http://localhost:9/2019/03/04/lain/"}, b"")
    site.overrides[post("server-down", "fetch_failed").path] = (503, b"busy")
    site.robots_disallow.append(post("private", "robots").path)
    site.extra_cards += ["http://localhost:9/2019/03/04/di-situs-lain/", "{base}/tag/iran/"]
    return site, bad


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> dict[str, Any]:
    site, bad = bad_site()
    data = tmp_path_factory.mktemp("bad") / "data"
    out = data.parent / "out.jsonl"
    with SiteServer(site) as server:
        result = run_crawl(
            server.base_url, data, out=out,
            settings={"DOWNLOAD_MAXSIZE": 200_000, "RETRY_TIMES": 1, "REDIRECT_MAX_TIMES": 5},
        )  # fmt: skip
        requests = server.take_requests()
    (report_path,) = (data / "runs").glob("*.report.json")
    return {
        "site": site, "bad": bad, "data": data, "result": result, "requests": requests,
        "items": read_jsonl(out), "report": json.loads(report_path.read_text("utf-8")),
        "base": server.base_url,
    }  # fmt: skip


def test_every_good_article_is_exported_and_no_bad_one(crawled):
    ids = sorted(i["post_id"] for i in crawled["items"])
    assert ids == sorted([*GOOD, 7001, 7002, 7003])


def test_pages_a_browser_reads_right_are_exported_exact(crawled):
    by_id = {i["post_id"]: i for i in crawled["items"]}
    template = by_id[SEED]
    for post_id in (7001, 7002, 7003):  # stray </div>, windows-1252, mojibake
        assert by_id[post_id]["body"] == template["body"], post_id
        assert by_id[post_id]["related"] == template["related"], post_id
    assert sum(crawled["report"]["repaired"].values()) == 2


def test_every_bad_url_is_in_the_report_with_its_reason(crawled):
    base = crawled["base"]
    failed = {x["url"]: x["reason"] for x in crawled["report"]["failed"]["urls"]}
    expected = {base + path: reason for path, reason in crawled["bad"].items() if reason}
    assert failed == expected
    by_reason = crawled["report"]["failed"]["by_reason"]
    assert sum(by_reason.values()) == len(expected)
    details = {x["reason"]: x["detail"] for x in crawled["report"]["failed"]["urls"]}
    assert details["damaged"].startswith(("truncated", "empty"))
    assert details["fetch_failed"] == "HTTP 503"
    assert "title" in next(
        x["detail"] for x in crawled["report"]["failed"]["urls"] if x["url"].endswith("no-title/")
    )


def test_no_request_leaves_the_site_or_enters_what_robots_txt_forbids(crawled):
    requests = crawled["requests"]
    private = next(p for p, r in crawled["bad"].items() if r == "robots")
    assert private not in requests
    assert "/tag/iran/" not in requests  # a listed link that is no article
    stderr = crawled["result"].stderr
    assert "'offsite/filtered': 1" in stderr  # the redirect off the site, never fetched
    assert "Connection was refused" not in stderr  # nothing asked localhost:9


def test_a_partial_run_says_so_and_keeps_what_to_fetch_again(crawled):
    assert crawled["result"].returncode == 3, crawled["result"].stderr[-2000:]
    report = crawled["report"]
    assert report["outcome"] == "partial" and report["exit_status"] == 3
    db = sqlite3.connect(crawled["data"] / "state.sqlite3")
    pending = {row[0] for row in db.execute("SELECT path FROM pending")}
    transient = {p for p, r in crawled["bad"].items() if r in ("damaged", "fetch_failed",
                 "invalid", "redirect_loop")}  # fmt: skip
    assert pending == transient
    assert "crawl partial:" in crawled["result"].stderr


def test_the_archived_bad_pages_are_read_again_as_the_crawl_read_them(crawled, tmp_path):
    """``arrahmah reextract`` reads the archive through the crawl's own page reader: the pages
    a browser reads right come out exact, the bad ones are named skips, never rows."""
    from test_reextract import reextract

    data = tmp_path / "data"
    shutil.copytree(crawled["data"], data)
    out = tmp_path / "again.jsonl"
    result = reextract("-s", f"ARRAHMAH_DATA_DIR={data}", "-o", str(out), "--record")
    assert result.returncode == 0, result.stderr
    again = {i.pop("post_id"): i | {"crawled_at": 0} for i in read_jsonl(out)}
    assert again == {i.pop("post_id"): i | {"crawled_at": 0} for i in crawled["items"]}
    base = crawled["base"]
    unreadable = {  # what the archive holds of the bad pages (the rest was never a page)
        base + path: reason for path, reason in crawled["bad"].items()
        if reason in ("damaged", "invalid", "not_article", "not_html")
    }  # fmt: skip
    named = dict(re.findall(r"^WARNING skipped (\S+) \((\w+):", result.stderr, re.MULTILINE))
    assert named == unreadable
    counts = Counter(unreadable.values())
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(" (skipped: " + ", ".join(f"{n} {r}" for r, n in sorted(counts.items())) + ")")
    )
    (recorded,) = [
        json.loads(p.read_text()) for p in (data / "runs").glob("*.report.json")
        if json.loads(p.read_text())["mode"] == "reextract"
    ]  # fmt: skip
    assert recorded["outcome"] == "ok" and recorded["exit_status"] == 0
    assert recorded["skipped"]["by_reason"] == dict(counts)
    assert {x["url"]: x["reason"] for x in recorded["skipped"]["urls"]} == unreadable


def test_a_failing_article_is_given_up_after_the_retry_runs(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    broken = site.post(SEED).path
    site.overrides[broken] = (503, b"busy")
    data = tmp_path / "data"
    settings = {"RETRY_TIMES": 0, "ARRAHMAH_RETRY_RUNS": 2}
    with SiteServer(site) as server:
        codes = [run_crawl(server.base_url, data, settings=settings).returncode for _ in range(4)]
    reports = [json.loads(p.read_text()) for p in sorted((data / "runs").glob("*.report.json"))]
    assert codes == [3, 3, 0, 0]
    assert [r["failed"]["by_reason"] for r in reports] == [
        {"fetch_failed": 1}, {"fetch_failed": 1}, {"given_up": 1}, {},
    ]  # fmt: skip


def test_a_dead_host_fails_and_the_next_crawl_is_the_full_walk(tmp_path):
    data = tmp_path / "data"
    dead = run_crawl("http://127.0.0.1:9", data, settings={"RETRY_TIMES": 0})
    assert dead.returncode == 1
    assert "crawl failed: reached nothing at http://127.0.0.1:9" in dead.stderr
    (report,) = [json.loads(p.read_text()) for p in (data / "runs").glob("*.report.json")]
    assert report["outcome"] == "failed"
    assert not list((data / "runs").glob("*.jsonl*"))
    with SiteServer(FixtureSite.from_fixtures(per_page=3)) as server:
        live = run_crawl(server.base_url, data)
    assert live.returncode == 0
    reports = [json.loads(p.read_text()) for p in sorted((data / "runs").glob("*.report.json"))]
    assert reports[-1]["mode"] == "full" and reports[-1]["items_exported"] == len(GOOD)


@pytest.mark.parametrize(
    ("setting", "code", "message"),
    [
        ({"ARRAHMAH_BASE_URL": "ftp://arrahmahnews.com"}, 2, "must be an http(s) URL"),
        ({"ARRAHMAH_DATA_DIR": "/proc/arrahmah"}, 1, "cannot write the data directory"),
    ],
)
def test_what_cannot_start_says_so_in_one_line(tmp_path, setting, code, message):
    result = run_crawl("http://127.0.0.1:9", tmp_path / "data", settings=setting)
    assert result.returncode == code
    ours = [line for line in result.stderr.splitlines() if line.startswith("scrapy crawl")]
    assert len(ours) == 1 and message in ours[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("full", "after"), [("DiskFullAfter", 3), ("ArchiveFullAfter", 12)], ids=["run_file", "archive"]
)
def test_a_data_dir_that_cannot_be_written_stops_the_run(tmp_path, full, after):
    """Disk full in the middle of a run, writing the run file or the archive: the run stops,
    says so, exits 1, and is resumed whole, its archive too."""
    from test_archive import warcio

    from arrahmah.archive import archive_files

    data = tmp_path / "data"
    with SiteServer(FixtureSite.from_fixtures(per_page=3)) as server:
        result = run_crawl(
            server.base_url, data,
            settings={"EXTENSIONS": json.dumps({f"disk_full.{full}": 0}), "FULL_AFTER": after,
                      # the full disk is patched into the crawl's process, not the worker's
                      "ARRAHMAH_PAGE_WORKER": False},
        )  # fmt: skip
        assert result.returncode == 1, result.stderr[-2000:]
        assert "No space left on device" in result.stderr
        assert "crawl failed: could not write the data directory" in result.stderr
        resumed = run_crawl(server.base_url, data)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    (run_file,) = (data / "runs").glob("*.jsonl")
    items = read_jsonl(run_file)
    assert sorted(i["post_id"] for i in items) == GOOD
    assert all(len(i["warc"]) == i["pages"] for i in items)  # every page's record named
    files = archive_files(data / "warc")
    assert [f.name for f in files] == [f"{run_file.stem}.warc.gz"]
    assert warcio("check", *map(str, files)).returncode == 0


def test_the_feed_holds_the_whole_run_after_a_kill(tmp_path):
    """-O after a resume holds every article of the run, as an uninterrupted run's would."""
    data, out = tmp_path / "data", tmp_path / "out.jsonl"
    with SiteServer(FixtureSite.from_fixtures(per_page=3)) as server:
        killed = run_crawl(
            server.base_url, data, out=out,
            settings={"EXTENSIONS": json.dumps({"disk_full.KillAfter": 0}), "KILL_AFTER": 5},
        )  # fmt: skip
        assert killed.returncode < 0  # SIGKILL
        resumed = run_crawl(server.base_url, data, out=out)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert sorted(i["post_id"] for i in read_jsonl(out)) == GOOD


def test_exact_times_are_filled_in_once_the_index_answers_again(tmp_path):
    from arrahmah import dataset

    site = FixtureSite.from_fixtures(per_page=3)
    site.rest_api = False  # down during the first, full run: pages show the date alone
    data = tmp_path / "data"
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        site.rest_api = True
        server.take_requests()
        again = run_crawl(server.base_url, data)
        requests = server.take_requests()
    assert again.returncode == 0
    report = json.loads(sorted((data / "runs").glob("*.report.json"))[-1].read_text())
    assert report["times_corrected"] == len(GOOD) and report["items_exported"] == 0
    assert not [r for r in requests if re.match(r"^/\d{4}/", r)]  # no page fetched again
    dataset.build(data / "runs", tmp_path / "dataset")
    rows = read_jsonl(tmp_path / "dataset" / "articles.jsonl")
    by_id = {e["post_id"]: e for e in (expected_item(m["name"]) for m in manifest()) if e}
    published = {
        m["url"].split("arrahmahnews.com")[1]: m["published"]
        for m in manifest()
        if "published" in m
    }
    for row in rows:
        assert row["published_at"] == published[row["url"].split(server.base_url)[1]]
        assert row["modified_at"] is not None and row["version"] == 1
    assert len(rows) == len(by_id)
    assert len(read_jsonl(tmp_path / "dataset" / "versions.jsonl")) == len(by_id)  # no new one


def test_a_page_the_parser_fails_on_is_a_loss_of_the_run(tmp_path):
    """A parser bug on one page: the others are exported, the run is partial and names it."""
    site = FixtureSite.from_fixtures(per_page=3)
    buggy = site.post(GOOD[0])
    data, out = tmp_path / "data", tmp_path / "out.jsonl"
    with SiteServer(site) as server:
        result = run_crawl(
            server.base_url, data, out=out,
            settings={"EXTENSIONS": json.dumps({"disk_full.ParserBug": 0}),
                      "BUG_IN": buggy.path, "ARRAHMAH_PAGE_WORKER": False},
        )  # fmt: skip
    assert result.returncode == 3, result.stderr[-3000:]
    assert sorted(i["post_id"] for i in read_jsonl(out)) == GOOD[1:]
    report = json.loads(next((data / "runs").glob("*.report.json")).read_text("utf-8"))
    assert report["failed"]["by_reason"] == {"parse_error": 1}
    (failed,) = report["failed"]["urls"]
    assert failed["url"].endswith(buggy.path) and failed["detail"] == "RuntimeError: a bug"
    assert "crawl partial: 16 exported; 1 to fetch again next run (1 parse_error)" in result.stderr
