"""Scheduled crawls against the local test site: runs that fetch only what changed."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import ROOT, read_jsonl, run_crawl, start_crawl, wait_for_exports
from fixture_site import FixtureSite, SiteServer

SEED = 120  # the seed article: the template of new posts
EDITED = 325  # "title and one paragraph"
MOVED = 182  # the title-punctuation post
TRASHED = 122  # the image-only post
NEW_IDS = [9001, 9002, 9003]
OLD_MOVED_PATH = (
    "/2020/12/14/khamenei-jangan-percaya-janji-washington-iran-tolak-dialog-pura-pura-benarkah/"
)


def run_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "runs").glob("*.jsonl"))


def reports(data_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((data_dir / "runs").glob("*.report.json"))]


def change_the_site(site: FixtureSite) -> None:
    """What happens between two runs: posts published, edited, moved and trashed."""
    for n, post_id in enumerate(NEW_IDS):
        site.publish(SEED, post_id, f"berita-baru-{n}", f"2021-11-0{n + 2}T{n + 8:02d}:15:00+07:00")
    edited = site.post(EDITED)
    site.edit(EDITED, "Kabul", "Kabul (diperbarui)", "2021-11-05T10:00:00+07:00")
    assert "diperbarui" in edited.pages[0]
    site.move(MOVED, "khamenei-tolak-dialog", "2021-11-05T11:00:00+07:00")
    site.post(TRASHED).gone = True


def crawl_twice(data: Path) -> FixtureSite:
    """Two scheduled crawls into ``data``: the site, then the site a day later."""
    site = FixtureSite.from_fixtures(per_page=3)
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        change_the_site(site)
        assert run_crawl(server.base_url, data).returncode == 0
    return site


def non_rest(requests: list[str]) -> list[str]:
    return [r for r in requests if not r.startswith("/wp-json/")]


@pytest.mark.parametrize("rest", ["wordpress", "plain-only", "none"])
def test_runs_fetch_only_what_is_new_or_changed(tmp_path, validator, rest):
    """``wordpress``: the REST index answers every query (incremental runs read the most
    recently modified posts first, and stop; the post count tells when one went); ``plain-only``:
    only the default query, as the replica (runs read the whole index); ``none``: no REST API."""
    site = FixtureSite.from_fixtures(per_page=3)
    site.rest_api = rest != "none"
    site.rest_plain_only = rest == "plain-only"
    rest_api = site.rest_api
    data = tmp_path / "data"
    with SiteServer(site) as server:
        # run 1: empty state, a full crawl
        result = run_crawl(server.base_url, data)
        assert result.returncode == 0, result.stderr[-3000:]
        server.take_requests()
        (first,) = run_files(data)
        assert len(read_jsonl(first)) == len(site.posts)

        # run 2: three new posts, one edited, one moved, one trashed
        change_the_site(site)
        result = run_crawl(server.base_url, data)
        assert result.returncode == 0, result.stderr[-3000:]
        requests = server.take_requests()
        second = run_files(data)[-1]
        items = read_jsonl(second)
        for item in items:
            validator.validate(item)
        by_id = {i["post_id"]: i for i in items}
        report = reports(data)[-1]
        fetched = [r for r in non_rest(requests) if r.count("/") == 5]  # /YYYY/MM/DD/slug/
        bound = len(fetched) + math.ceil(len(NEW_IDS) / site.per_page) + 3
        assert len(non_rest(requests)) <= bound, requests
        index_reads = [r for r in requests if r.startswith("/wp-json/")]
        if rest == "wordpress":  # the recent posts; then, as the count shows one went, all
            assert ["orderby=modified" in r for r in index_reads] == [True, False]
        if rest_api:
            assert sorted(by_id) == sorted([*NEW_IDS, EDITED, MOVED])
            assert by_id[EDITED]["version"] == 2
            assert "Kabul (diperbarui)" in by_id[EDITED]["body"]
            assert by_id[EDITED]["modified_at"] == "2021-11-05T10:00:00+07:00"
            assert by_id[MOVED]["version"] == 2
            assert by_id[MOVED]["url"].endswith("/khamenei-tolak-dialog/")
            assert by_id[MOVED]["former_urls"] == [server.base_url + OLD_MOVED_PATH]
            assert report["gone_posts"] == [TRASHED]
            assert (report["new"], report["changed"], report["moved"]) == (3, 1, 1)
        else:  # the listings show the new posts (and the moved one when it is on a walked
            # page); edits need the REST API or a revisit
            assert set(NEW_IDS) <= set(by_id) <= {*NEW_IDS, MOVED}
            assert report["new"] == 3
            if MOVED in by_id:
                assert by_id[MOVED]["version"] == 2 and by_id[MOVED]["former_urls"]
        for post_id in NEW_IDS:
            assert by_id[post_id]["version"] == 1
            assert by_id[post_id]["published_at"] == site.post(post_id).published

        # run 3: nothing changed since run 2
        result = run_crawl(server.base_url, data)
        assert result.returncode == 0, result.stderr[-3000:]
        requests = server.take_requests()
        assert read_jsonl(run_files(data)[-1]) == []
        assert len(non_rest(requests)) <= 3, requests
        if rest == "wordpress":  # nothing changed, nothing went: one index page
            assert len([r for r in requests if r.startswith("/wp-json/")]) == 1

        # a full run: every live article to -O; to its run file only what no run exported yet
        # (without the REST API: the edit, and the move unless run 2's walk met it)
        everything = tmp_path / "everything.jsonl"
        result = run_crawl(server.base_url, data, "-a", "mode=full", out=everything)
        assert result.returncode == 0, result.stderr[-3000:]
        live = sorted(p.post_id for p in site.posts if not p.gone)
        assert sorted(i["post_id"] for i in read_jsonl(everything)) == live
        caught_up = set() if rest_api else {EDITED, MOVED} - set(by_id)
        assert {i["post_id"] for i in read_jsonl(run_files(data)[-1])} == caught_up
        report = reports(data)[-1]
        assert report["unchanged"] == len(live) - len(caught_up)
        assert report["gone_posts"] == ([] if rest_api else [TRASHED])
    assert not list((data / "runs").glob("*.part"))


def test_without_the_rest_api_revisits_follow_the_feed_and_each_articles_age(tmp_path):
    """No REST API: an article of the last days is fetched again when the time since it was
    last fetched is its age then (ARRAHMAH_REVISIT_FACTOR=1), never while the feed answers
    304 (nothing published or edited since the last run); with the factor 0, every run."""
    site = FixtureSite.from_fixtures(per_page=3)
    site.rest_api = False
    now = datetime.now(timezone(timedelta(hours=7)))
    for n, hours in enumerate((30, 3)):  # two articles of the revisit window
        site.publish(
            SEED, 9300 + n, f"pekan-ini-{n}", f"{now - timedelta(hours=hours):%Y-%m-%dT%H:%M:%S%z}"
        )
    recent = {site.post(9300).path, site.post(9301).path}
    every_run = {"ARRAHMAH_REVISIT_FACTOR": "0"}
    data = tmp_path / "data"
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0  # the first, full, run
        server.take_requests()

        # nothing published or edited since: the feed answers 304, nothing is revisited
        assert run_crawl(server.base_url, data, settings=every_run).returncode == 0
        requests = server.take_requests()
        assert "/feed/" in requests and not recent & set(requests)
        assert len(non_rest(requests)) <= 3, requests  # robots.txt, the feed, the home page

        # a post published: the feed changed; factor 0 fetches every article of the window
        site.publish(SEED, 9302, "baru-1", now.isoformat(timespec="seconds"))
        assert run_crawl(server.base_url, data, settings=every_run).returncode == 0
        requests = server.take_requests()
        assert recent <= set(requests) and site.post(9302).path in requests

        # another one; with the default factor, articles fetched a moment ago are not due
        site.publish(SEED, 9303, "baru-2", now.isoformat(timespec="seconds"))
        assert run_crawl(server.base_url, data).returncode == 0
        requests = server.take_requests()
        assert site.post(9303).path in requests and not recent & set(requests)
    assert reports(data)[-1]["new"] == 1


@pytest.mark.parametrize("rest", [True, False], ids=["rest", "no-rest"])
def test_a_full_rewalk_asks_for_what_a_fresh_full_crawl_asks_for(tmp_path, rest):
    """``-a mode=full`` on a data directory that knows the site: each article page once,
    the listings, the sitemaps and the index, as a first crawl; nothing twice."""
    site = FixtureSite.from_fixtures(per_page=3)
    site.rest_api = rest
    data = tmp_path / "data"
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        fresh = server.take_requests()
        result = run_crawl(server.base_url, data, "-a", "mode=full")
        assert result.returncode == 0, result.stderr[-3000:]
        again = server.take_requests()
    assert Counter(non_rest(again)) == Counter(non_rest(fresh))  # (no REST: asked once, ever)
    pages = [r for r in again if r.count("/") == 5]  # /YYYY/MM/DD/slug/
    assert len(pages) == len(set(pages)) >= len(site.posts)
    assert reports(data)[-1]["unchanged"] == len(site.posts)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_stopped_run_resumes_without_duplicates(tmp_path, validator, stop):
    site = FixtureSite.from_fixtures(per_page=3)
    for n in range(30):  # enough work left to stop in the middle of
        site.publish(
            SEED, 9100 + n, f"arsip-{n}", f"2019-{n % 12 + 1:02d}-{n % 27 + 1:02d}T07:00:00+07:00"
        )
    data = tmp_path / "data"
    with SiteServer(site, delay=0.15) as server:
        proc = start_crawl(server.base_url, data)
        part = wait_for_exports(data, 4)  # stop once a few articles are exported
        proc.send_signal(stop)  # SIGINT: Scrapy stops gracefully and keeps its JOBDIR queue
        proc.wait(timeout=120)
        assert part is not None, "the crawl exported nothing to kill"
        killed_with = len(part.read_bytes().splitlines())
        paused = list((data / "job").glob("*/arrahmah-paused"))
        assert len(paused) == (1 if stop == signal.SIGINT else 0)
        assert killed_with < len(site.posts)
        assert not run_files(data)  # no file looks complete
        server.take_requests()
        server.delay = 0
        result = run_crawl(server.base_url, data)
        assert result.returncode == 0, result.stderr[-3000:]
        requests = server.take_requests()
    files = run_files(data)
    assert len(files) == 1  # the same run, resumed
    lines = files[0].read_text("utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    for item in items:
        validator.validate(item)
    assert sorted(i["post_id"] for i in items) == sorted(p.post_id for p in site.posts)
    exported_before = {i["url"].split(server.base_url, 1)[1] for i in items[:killed_with]}
    assert not exported_before & set(requests)  # not fetched again
    assert reports(data)[-1]["resumed"] is True


# ---- what goes wrong ---------------------------------------------------------------------------


def test_an_empty_feed_does_not_stop_the_walk(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    site.rest_api = False
    site.overrides["/feed/"] = (200, b"")
    with SiteServer(site) as server:
        result = run_crawl(server.base_url, tmp_path / "data")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(read_jsonl(run_files(tmp_path / "data")[-1])) == len(site.posts)


def test_a_gone_post_that_returns_is_live_again(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    data = tmp_path / "data"
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        site.post(TRASHED).gone = True
        assert run_crawl(server.base_url, data).returncode == 0
        assert reports(data)[-1]["gone_posts"] == [TRASHED]
        site.post(TRASHED).gone = False  # restored from the trash, unchanged
        assert run_crawl(server.base_url, data).returncode == 0
    (item,) = read_jsonl(run_files(data)[-1])
    assert (item["post_id"], item["version"]) == (TRASHED, 2)


def test_a_mirror_whose_canonical_links_name_the_origin(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    site.origin_canonical = True
    data = tmp_path / "data"
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        server.take_requests()
        assert run_crawl(server.base_url, data).returncode == 0
        requests = server.take_requests()
    assert len(non_rest(requests)) <= 3, requests
    assert read_jsonl(run_files(data)[-1]) == []


def test_fetch_record_leaves_an_unfinished_crawl_run_alone(tmp_path):
    from arrahmah.state import CrawlState

    site = FixtureSite.from_fixtures(per_page=3)
    data = tmp_path / "data"
    state = CrawlState(data / "state.sqlite3")
    unfinished = state.begin_run("full")  # as a killed first run leaves it
    state.close()
    with SiteServer(site) as server:
        fetched = subprocess.run(
            [sys.executable, "-m", "arrahmah.cli", "fetch", server.base_url + site.post(SEED).path,
             "--record", "-s", f"ARRAHMAH_BASE_URL={server.base_url}",
             "-s", f"ARRAHMAH_DATA_DIR={data}"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        )  # fmt: skip
        assert fetched.returncode == 0, fetched.stderr
        state = CrawlState(data / "state.sqlite3")
        assert state.unfinished_run() == unfinished.__class__(
            unfinished.run_id, "full", unfinished.started_at, resumed=True
        )
        state.close()
        assert run_crawl(server.base_url, data).returncode == 0  # resumes the full run
    report = reports(data)
    full = next(r for r in report if r["run_id"] == unfinished.run_id)
    assert full["mode"] == "full" and full["resumed"] is True
    assert full["items_exported"] == len(site.posts) - 1  # the fetched one is known, unchanged


def test_a_killed_incremental_run_without_rest_api_loses_no_new_post(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    site.rest_api = False
    data = tmp_path / "data"
    new = [9200 + n for n in range(12)]
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        for n, post_id in enumerate(new):
            site.publish(SEED, post_id, f"kilat-{n}", f"2021-12-{n + 1:02d}T09:00:00+07:00")
        server.delay = 0.15
        proc = start_crawl(server.base_url, data)
        wait_for_exports(data, 4)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        server.delay = 0
        assert run_crawl(server.base_url, data).returncode == 0
    exported = [i["post_id"] for f in run_files(data)[1:] for i in read_jsonl(f)]
    assert sorted(exported) == new


def test_an_article_that_failed_is_fetched_by_the_next_run(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    data = tmp_path / "data"
    broken = site.post(EDITED).path
    site.overrides[broken] = (503, b"busy")
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 3  # partial: one to fetch again
        first = {i["post_id"] for i in read_jsonl(run_files(data)[-1])}
        assert EDITED not in first and len(first) == len(site.posts) - 1
        failed = reports(data)[-1]["failed"]
        assert failed["by_reason"] == {"fetch_failed": 1}
        assert failed["urls"] == [
            {"url": server.base_url + broken, "reason": "fetch_failed", "detail": "HTTP 503"}
        ]
        del site.overrides[broken]
        assert run_crawl(server.base_url, data).returncode == 0
    assert [i["post_id"] for i in read_jsonl(run_files(data)[-1])] == [EDITED]


def test_a_multipage_article_whose_later_page_is_gone_keeps_what_it_has(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    multipage = next(p for p in site.posts if len(p.pages) > 1)
    site.overrides[multipage.path + "2/"] = (404, b"gone")
    with SiteServer(site) as server:
        result = run_crawl(server.base_url, tmp_path / "data", out=tmp_path / "out.jsonl")
    assert result.returncode == 0
    (item,) = [i for i in read_jsonl(tmp_path / "out.jsonl") if i["post_id"] == multipage.post_id]
    assert item["pages"] == 1 and item["body"]
    assert "'arrahmah/articles/missing_pages': 1" in result.stderr


def test_after_a_rest_outage_the_better_index_query_is_tried_again(tmp_path):
    site = FixtureSite.from_fixtures(per_page=3)
    data = tmp_path / "data"
    with SiteServer(site) as server:
        site.rest_api = False  # the first run meets an outage
        assert run_crawl(server.base_url, data).returncode == 0
        site.rest_api = True
        server.take_requests()
        assert run_crawl(server.base_url, data).returncode == 0  # the default query, once
        first_back = [r for r in server.take_requests() if r.startswith("/wp-json/")]
        assert run_crawl(server.base_url, data).returncode == 0
        later = [r for r in server.take_requests() if r.startswith("/wp-json/")]
    assert ["orderby=modified" in r for r in first_back] == [False]
    assert ["orderby=modified" in r for r in later] == [True]
