"""Daily use: the README's run command, quiet runs for schedulers, progress, Scrapy's commands."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, expected_item, manifest, read_jsonl, run_crawl
from fixture_site import FixtureSite, SiteServer
from test_cli import arrahmah

GOOD = sorted(e["post_id"] for m in manifest() if (e := expected_item(m["name"])) is not None)
LOOPBACK = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]


@pytest.fixture(scope="module")
def server():
    with SiteServer(FixtureSite.from_fixtures(per_page=3)) as running:
        yield running


def scrapy(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_run_command_leaves_every_article_in_its_file_every_time(server, tmp_path):
    """The README's run line, twice: the second run is incremental, the file still whole."""
    for _ in range(2):
        result = arrahmah(
            "crawl", "-o", "articles.jsonl", "-s", f"ARRAHMAH_BASE_URL={server.base_url}",
            *LOOPBACK, cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert sorted(r["post_id"] for r in read_jsonl(tmp_path / "articles.jsonl")) == GOOD
    reports = sorted((tmp_path / "data" / "runs").glob("*.report.json"))
    assert [json.loads(p.read_text())["mode"] for p in reports] == ["full", "incremental"]


def test_a_quiet_run_says_only_how_it_ended(server, tmp_path):
    result = arrahmah(
        "crawl", "--quiet", "-s", f"ARRAHMAH_BASE_URL={server.base_url}", *LOOPBACK, cwd=tmp_path
    )
    assert result.returncode == 0
    lines = (result.stdout + result.stderr).splitlines()
    assert 1 <= len(lines) <= 10, lines
    assert re.search(rf"crawl ok: {len(GOOD)} exported \(run \S+, full: {len(GOOD)} new", lines[-1])


def test_progress_shows_done_of_total_and_an_eta(server, tmp_path):
    result = run_crawl(
        server.base_url, tmp_path / "data", settings={"ARRAHMAH_PROGRESS_INTERVAL": 0.2}
    )
    lines = re.findall(r"progress: (\d+) / (\d+) articles \((\d+) %\).*ETA (\S+)", result.stderr)
    assert lines, result.stderr[-2000:]
    assert all(int(done) <= int(total) for done, total, _, _ in lines)
    assert int(lines[-1][1]) == len(GOOD)  # the REST index's count


def test_csv_from_scrapy_has_json_in_its_list_cells(server, tmp_path):
    out = tmp_path / "out.csv"
    assert run_crawl(server.base_url, tmp_path / "data", out=out).returncode == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(GOOD)
    for row in rows:
        assert isinstance(json.loads(row["categories"]), list)
        assert isinstance(json.loads(row["related"]), list)


def test_version_and_scrapys_own_commands(server, tmp_path):
    version = arrahmah("--version")
    assert version.returncode == 0 and re.match(r"arrahmah \d+\.\d+", version.stdout)
    site = f"ARRAHMAH_BASE_URL={server.base_url}"
    data = f"ARRAHMAH_DATA_DIR={tmp_path / 'data'}"
    check = scrapy("check", "-s", site)
    assert check.returncode == 0 and "OK" in check.stderr, check.stderr[-2000:]
    url = server.base_url + "/2021/08/01/pashinyan-ekspansi-nato-ancam-stabilitas/"
    parse = scrapy("parse", url, "-s", site, "-s", data)
    assert parse.returncode == 0 and "'title': 'Pashinyan" in parse.stdout
    assert not (tmp_path / "data").exists()  # parse records nothing
    no_url = scrapy("crawl", "article", "-s", site)
    assert no_url.returncode == 2 and "-a url=URL" in no_url.stderr


def test_a_category_takes_its_sub_categories(server, tmp_path):
    data = tmp_path / "data"
    assert run_crawl(server.base_url, data).returncode == 0
    built = arrahmah("dataset", "build", "--runs", str(data / "runs"), "-o", str(tmp_path / "ds"))
    assert built.returncode == 0, built.stderr
    out = tmp_path / "tt.jsonl"
    exported = arrahmah(
        "dataset", "export", "--dataset", str(tmp_path / "ds"), "--category", "timur tengah",
        "-o", str(out),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    rows = read_jsonl(out)
    middle_east = {"Timur Tengah", "Suriah", "Yaman", "Palestina", "Iran", "Irak", "Lebanon"}
    assert {r["post_id"] for r in rows} == {
        e["post_id"]
        for m in manifest()
        if (e := expected_item(m["name"])) is not None and middle_east & set(e["categories"])
    }
    assert any(r["categories"] == ["Palestina"] for r in rows)  # a sub-category only
    nope = arrahmah("dataset", "export", "--dataset", str(tmp_path / "ds"), "--category", "Nope")
    assert nope.returncode != 0 and "Timur Tengah" in nope.stderr
