"""`arrahmah fetch`: one article by URL, or from a saved page."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT, expected_item, read_jsonl, split_provenance
from fixture_site import FixtureSite, SiteServer

SEED_PATH = "/2020/10/09/putin-jadi-tuan-rumah-pembicaraan-gencatan-senjata-armenia-dan-azerbaijan/"


def arrahmah(*args: str, cwd=ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "arrahmah.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def server():
    site = FixtureSite.from_fixtures()
    site.move(182, "khamenei-tolak-dialog", "2021-11-05T11:00:00+07:00")
    with SiteServer(site) as running:
        yield running


def test_fetch_prints_the_clean_article(server, tmp_path):
    site = f"ARRAHMAH_BASE_URL={server.base_url}"
    data = f"ARRAHMAH_DATA_DIR={tmp_path}"
    result = arrahmah("fetch", server.base_url + SEED_PATH, "-s", site, "-s", data, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    expected = expected_item("seed-putin")
    assert item["body"] == expected["body"]
    assert item["post_id"] == 120
    assert item["url"] == server.base_url + SEED_PATH
    assert item["published_at"] == "2020-10-09T10:47:00+07:00"  # from the post's REST record
    assert result.stdout.startswith("{\n  ")  # pretty
    assert not (tmp_path / "state.sqlite3").exists()  # the crawl state is left alone
    assert not (tmp_path / "warc").exists() and item["warc"] == []  # no run, no archive


def test_fetch_follows_old_slug_and_writes_jsonl(server, tmp_path):
    old = (
        "/2020/12/14/khamenei-jangan-percaya-janji-washington-iran-tolak-dialog-pura-pura-benarkah/"
    )
    out = tmp_path / "one.jsonl"
    result = arrahmah("fetch", server.base_url + old, "-o", str(out),
                      "-s", f"ARRAHMAH_BASE_URL={server.base_url}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (item,) = read_jsonl(out)
    assert item["post_id"] == 182
    assert item["url"].endswith("/khamenei-tolak-dialog/")


def test_fetch_gets_every_page_of_a_multipage_article(server):
    path = "/2020/11/01/membaca-arah-moderasi-beragama-pasca-penangkapan-terduga-teroris/"
    result = arrahmah("fetch", server.base_url + path, "-s", f"ARRAHMAH_BASE_URL={server.base_url}")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["pages"] == 2
    assert item["body"] == expected_item("multipage-comments")["body"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/", "not an article"),
        ("/tentang-kami/", "not an article"),
        ("/2021/03/15/berita-yang-sudah-tidak-tersedia/", "HTTP 404"),
        ("https://example.com/2020/10/09/x/", "not a URL of"),
    ],
)
def test_fetch_refuses_what_is_not_an_article(server, path, reason):
    url = path if path.startswith("http") else server.base_url + path
    result = arrahmah("fetch", url, "-s", f"ARRAHMAH_BASE_URL={server.base_url}")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr


def test_fetch_record_writes_the_state(server, tmp_path):
    data = tmp_path / "data"
    args = ["fetch", server.base_url + SEED_PATH, "--record", "-s",
            f"ARRAHMAH_BASE_URL={server.base_url}", "-s", f"ARRAHMAH_DATA_DIR={data}"]  # fmt: skip
    first = arrahmah(*args)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["version"] == 1
    (run_file,) = (data / "runs").glob("*.jsonl")
    assert [i["post_id"] for i in read_jsonl(run_file)] == [120]
    assert [p.name for p in (data / "warc").iterdir()] == [f"{run_file.stem}.warc.gz"]
    assert [s["file"] for s in json.loads(first.stdout)["warc"]] == [f"{run_file.stem}.warc.gz"]
    again = arrahmah(*args)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stderr
    assert json.loads(again.stdout)["post_id"] == 120


def test_fetch_html_extracts_a_saved_page(tmp_path):
    page = FIXTURES / "seed-putin.html"
    result = arrahmah("fetch", "--html", str(page), "--url", "https://arrahmahnews.com" + SEED_PATH)
    assert result.returncode == 0, result.stderr
    item, provenance = split_provenance(json.loads(result.stdout))
    assert provenance["warc"] == []
    assert item == expected_item("seed-putin")
    listing = arrahmah(
        "fetch", "--html", str(FIXTURES / "listing-home.html"), "--url", "https://arrahmahnews.com/"
    )
    assert listing.returncode == 1 and "not an article" in listing.stderr
    missing = arrahmah(
        "fetch", "--html", str(tmp_path / "nope.html"), "--url", "https://arrahmahnews.com/"
    )
    assert missing.returncode == 1 and "nope.html" in missing.stderr


def test_usage_errors_exit_2(tmp_path):
    assert arrahmah("fetch", "https://arrahmahnews.com/x/", "-s", "NOVALUE").returncode == 2
    assert arrahmah("fetch").returncode == 2
    assert arrahmah("fetch", "--html", str(FIXTURES / "seed-putin.html")).returncode == 2


def test_crawl_refuses_a_data_dir_another_crawl_holds(tmp_path):
    from arrahmah.runs import lock_data_dir

    held = lock_data_dir(tmp_path)
    try:
        busy = arrahmah("crawl", "-s", f"ARRAHMAH_DATA_DIR={tmp_path}")
    finally:
        held.close()
    assert busy.returncode == 75
    assert busy.stderr.strip() == (
        f"arrahmah crawl: another crawl is using {tmp_path}; try again when it has finished"
    )


def test_o_is_the_output_and_dataset_the_dataset_read_everywhere(tmp_path):
    from run_files import article, write_run

    runs = tmp_path / "runs"
    write_run(runs, "20211106T000000000000Z", [article(1), article(2)])
    built = arrahmah("dataset", "build", "--runs", str(runs), "-o", str(tmp_path / "ds"))
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "ds" / "articles.jsonl").exists()
    stats = arrahmah("dataset", "stats", "--dataset", str(tmp_path / "ds"))
    assert stats.returncode == 0 and stats.stderr == ""
    export = arrahmah("dataset", "export", "--dataset", str(tmp_path / "ds"), "-o", "x.parquet",
                      cwd=tmp_path)  # fmt: skip
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "x.parquet").read_bytes().startswith(b"PAR1")  # format from the suffix
    default = arrahmah("dataset", "export", "--dataset", str(tmp_path / "ds"), "--format", "csv",
                       cwd=tmp_path)  # fmt: skip
    assert default.returncode == 0 and (tmp_path / "export.csv").exists()
    # the old spellings: build's --out was its output and stays; elsewhere it read the dataset
    old_build = arrahmah("dataset", "build", "--runs", str(runs), "--out", str(tmp_path / "ds"))
    assert old_build.returncode == 0 and old_build.stderr == ""
    old = arrahmah("dataset", "export", "--out", str(tmp_path / "ds"), "-o", str(tmp_path / "y"))
    assert old.returncode == 0, old.stderr
    assert old.stderr == "arrahmah dataset export: --out is now --dataset; the old name will go\n"
    assert len(read_jsonl(tmp_path / "y")) == 2
    missing = arrahmah("dataset", "stats", "--dataset", str(tmp_path / "nothing"))
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
