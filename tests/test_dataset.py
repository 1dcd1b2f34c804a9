"""`arrahmah dataset`: run files of real crawls merged into the analysts' dataset."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, expected_item, manifest, read_jsonl, run_crawl
from fixture_site import FixtureSite, SiteServer
from jsonschema import Draft202012Validator
from test_scheduled import EDITED, MOVED, NEW_IDS, TRASHED, change_the_site

from arrahmah import dataset

FILES = dataset.OUTPUTS
ARTICLES = sum(1 for entry in manifest() if expected_item(entry["name"]) is not None)
ROWS = ARTICLES + len(NEW_IDS)  # and the posts the site publishes a day later


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """The run files of two scheduled crawls: the site, then the site a day later."""
    data = tmp_path_factory.mktemp("crawl") / "data"
    site = FixtureSite.from_fixtures(per_page=3)
    with SiteServer(site) as server:
        assert run_crawl(server.base_url, data).returncode == 0
        change_the_site(site)
        assert run_crawl(server.base_url, data).returncode == 0
    return data / "runs"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "arrahmah.cli", "dataset", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_latest_version_of_every_post_gone_ones_kept(runs, tmp_path):
    result = dataset.build(runs, tmp_path)
    rows = read_jsonl(tmp_path / "articles.jsonl")
    by_id = {r["post_id"]: r for r in rows}
    assert len(rows) == len(by_id) == ARTICLES + len(NEW_IDS)
    assert by_id[TRASHED]["status"] == "gone"
    assert sum(r["status"] == "gone" for r in rows) == 1
    assert by_id[EDITED]["version"] == 2 and "Kabul (diperbarui)" in by_id[EDITED]["body"]
    assert by_id[MOVED]["url"].endswith("/khamenei-tolak-dialog/")
    assert by_id[MOVED]["former_urls"]
    assert [(r["published_at"], r["post_id"]) for r in rows] == sorted(
        (r["published_at"], r["post_id"]) for r in rows
    )
    validator = Draft202012Validator(json.loads((tmp_path / "schema.json").read_text()))
    for row in rows:
        validator.validate(row)
    versions = read_jsonl(tmp_path / "versions.jsonl")
    assert len(versions) == result.versions == ARTICLES + len(NEW_IDS) + 2
    assert sorted(v["version"] for v in versions if v["post_id"] == EDITED) == [1, 2]
    assert result.problems.total == 0


def test_parquet_loads_typed_in_pandas_polars_duckdb(runs, tmp_path):
    dataset.build(runs, tmp_path)
    import duckdb
    import pandas as pd
    import polars as pl

    frame = pd.read_parquet(tmp_path / "articles.parquet")
    assert len(frame) == ROWS
    assert str(frame["published_at"].dtype).endswith(", UTC]")  # a timestamp with time zone
    assert frame["published_at"].notna().all()  # the REST index gave every time
    assert isinstance(frame["categories"].iloc[0][0], str)
    assert set(frame["related"].explode().dropna().iloc[0]) == {"url", "title"}
    described = duckdb.sql(f"DESCRIBE SELECT * FROM '{tmp_path / 'articles.parquet'}'")
    types = {row[0]: row[1] for row in described.fetchall()}
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["published_date"] == "DATE"
    assert types["tags"] == "VARCHAR[]"
    assert types["related"] == "STRUCT(url VARCHAR, title VARCHAR)[]"
    count = duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'articles.parquet'}'").fetchall()
    assert count == [(ROWS,)]
    assert pl.read_parquet(tmp_path / "articles.parquet").height == ROWS


def test_the_cards_load_lines_run(runs, tmp_path):
    dataset.build(runs, tmp_path)
    card = (tmp_path / "DATASET.md").read_text()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for name, line in dataset.LOAD_EXAMPLES.items():
            assert line in card
            scope: dict = {}
            exec(line, scope)  # the line an analyst copies
            assert len(scope["df"]) == ROWS, name
    finally:
        os.chdir(cwd)
    assert f"| articles | {ROWS} |" in card and "| gone | 1 |" in card
    assert (tmp_path / dataset.CHART).read_bytes().startswith(b"\x89PNG")


def test_building_twice_is_byte_identical_and_incremental_equals_scratch(runs, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    dataset.build(runs, one)
    dataset.build(runs, two)
    assert all(filecmp.cmp(one / f, two / f, shallow=False) for f in FILES)
    # a dataset built from run 1, rebuilt after run 2 arrives == built from both at once
    partial = tmp_path / "runs"
    partial.mkdir()
    first, second = sorted(runs.glob("*.jsonl"))
    for path in runs.glob(f"{first.stem}*"):
        shutil.copy(path, partial)
    incremental = tmp_path / "incremental"
    dataset.build(partial, incremental)
    for path in runs.glob(f"{second.stem}*"):
        shutil.copy(path, partial)
    dataset.build(partial, incremental)
    assert all(filecmp.cmp(one / f, incremental / f, shallow=False) for f in FILES)


def test_bad_input_is_skipped_and_counted(runs, tmp_path):
    bad = tmp_path / "runs"
    shutil.copytree(runs, bad)
    last = sorted(bad.glob("*.jsonl"))[-1]
    good_line = last.read_text("utf-8").splitlines()[0]
    invalid = json.loads(good_line) | {"post_id": "not a number"}
    with last.open("a", encoding="utf-8") as fh:
        fh.write("this is not JSON\n")
        fh.write(json.dumps(invalid) + "\n")
        fh.write(good_line[: len(good_line) // 2])  # a torn last line
    (bad / "20990101T000000000000Z.jsonl.part").write_text(good_line + "\n")
    result = cli("build", "--runs", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for reason in ("not JSON", "fails the schema", "truncated line"):
        assert f"skipped: 1 x {reason}" in result.stdout
    assert len(read_jsonl(tmp_path / "out" / "articles.jsonl")) == ROWS
    assert "unfinished" not in result.stdout  # a run still going is no defect of the input
    strict = cli("build", "--runs", str(bad), "--out", str(tmp_path / "out"), "--strict")
    assert strict.returncode == 1
    (bad / last.name).write_text(good_line + "\n")
    clean = cli("build", "--runs", str(bad), "--out", str(tmp_path / "out"), "--strict")
    assert clean.returncode == 0, clean.stdout  # the .part file alone fails nothing


def test_stats_and_filtered_exports(runs, tmp_path):
    out = tmp_path / "ds"
    assert cli("build", "--runs", str(runs), "--out", str(out)).returncode == 0
    stats = cli("stats", "--out", str(out))
    assert stats.returncode == 0 and "articles" in stats.stdout and f" {ROWS}" in stats.stdout
    rows = read_jsonl(out / "articles.jsonl")
    since = sorted(r["published_at"][:10] for r in rows)[10]
    wanted = [r["post_id"] for r in rows if r["published_at"][:10] >= since]
    jsonl = cli("export", "--out", str(out), "--format", "jsonl", "--since", since,
                "-o", str(tmp_path / "x.jsonl"))  # fmt: skip
    assert jsonl.returncode == 0, jsonl.stderr
    assert [r["post_id"] for r in read_jsonl(tmp_path / "x.jsonl")] == wanted
    category = rows[0]["categories"][0]
    in_category = [r["post_id"] for r in rows if category in r["categories"]]
    csv_out = cli("export", "--out", str(out), "--format", "csv", "--category", category,
                  "-o", str(tmp_path / "x.csv"))  # fmt: skip
    assert csv_out.returncode == 0, csv_out.stderr
    import pandas as pd

    frame = pd.read_csv(tmp_path / "x.csv")
    assert list(frame["post_id"]) == in_category
    assert category in json.loads(frame["categories"].iloc[0])  # lists as JSON in a CSV cell
    parquet = cli("export", "--out", str(out), "--format", "parquet", "--category", category,
                  "-o", str(tmp_path / "x.parquet"))  # fmt: skip
    assert parquet.returncode == 0
    assert list(pd.read_parquet(tmp_path / "x.parquet")["post_id"]) == in_category
    assert cli("export", "--out", str(out), "--since", "yesterday").returncode == 2
