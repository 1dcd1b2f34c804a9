"""`arrahmah dataset`: run files of real crawls merged into the analysts' dataset."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import ROOT, expected_item, manifest, read_jsonl
from jsonschema import Draft202012Validator
from run_files import CRAWLED, article, write_run
from test_scheduled import EDITED, MOVED, NEW_IDS, TRASHED, crawl_twice

import arrahmah
from arrahmah import dataset
from arrahmah.dataset import publish
from arrahmah.dataset import rows as dataset_rows
from arrahmah.schema import arrow_schema, field_docs

FILES = dataset.OUTPUTS
ARTICLES = sum(1 for entry in manifest() if expected_item(entry["name"]) is not None)
ROWS = ARTICLES + len(NEW_IDS)  # and the posts the site publishes a day later


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """The run files of two scheduled crawls: the site, then the site a day later."""
    data = tmp_path_factory.mktemp("crawl") / "data"
    crawl_twice(data)
    return data / "runs"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "arrahmah.cli", "dataset", *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def whole(out: Path, *references: Path) -> Path:
    """The reference build ``out`` is, file for file (a mix of two builds is none of them)."""
    for reference in references:
        if all(filecmp.cmp(out / f, reference / f, shallow=False) for f in FILES):
            return reference
    raise AssertionError(f"{out} is not one whole build")


def test_latest_version_of_every_post_gone_ones_kept(runs, tmp_path):
    out = tmp_path / "dataset"
    result = dataset.build(runs, out)
    rows = read_jsonl(out / "articles.jsonl")
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
    validator = Draft202012Validator(json.loads((out / "schema.json").read_text()))
    for row in rows:
        validator.validate(row)
    versions = read_jsonl(out / "versions.jsonl")
    assert len(versions) == result.versions == ARTICLES + len(NEW_IDS) + 2
    assert sorted(v["version"] for v in versions if v["post_id"] == EDITED) == [1, 2]
    assert result.problems.total == 0


def test_parquet_loads_typed_in_pandas_polars_duckdb(runs, tmp_path):
    out = tmp_path / "dataset"
    dataset.build(runs, out)
    import duckdb
    import pandas as pd
    import polars as pl

    frame = pd.read_parquet(out / "articles.parquet")
    assert len(frame) == ROWS
    assert str(frame["published_at"].dtype) == "datetime64[ms, Asia/Jakarta]"
    assert str(frame["crawled_at"].dtype) == "datetime64[ms, UTC]"
    assert frame["published_at"].notna().all()  # the REST index gave every time
    # the site's date of each article is the date of its time in the site's zone
    local_dates = frame["published_at"].dt.strftime("%Y-%m-%d")
    assert list(local_dates) == [d.isoformat() for d in frame["published_date"]]
    assert isinstance(frame["categories"].iloc[0][0], str)
    assert set(frame["related"].explode().dropna().iloc[0]) == {"url", "title"}
    described = duckdb.sql(f"DESCRIBE SELECT * FROM '{out / 'articles.parquet'}'")
    types = {row[0]: row[1] for row in described.fetchall()}
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["published_date"] == "DATE"
    assert types["tags"] == "VARCHAR[]"
    assert types["related"] == "STRUCT(url VARCHAR, title VARCHAR)[]"
    count = duckdb.sql(f"SELECT count(*) FROM '{out / 'articles.parquet'}'").fetchall()
    assert count == [(ROWS,)]
    assert pl.read_parquet(out / "articles.parquet").height == ROWS


def test_the_cards_load_lines_run(runs, tmp_path):
    out = tmp_path / "dataset"
    dataset.build(runs, out)
    card = (out / "DATASET.md").read_text()
    cwd = Path.cwd()
    os.chdir(out)
    try:
        for name, line in dataset.LOAD_EXAMPLES.items():
            assert line in card
            scope: dict = {}
            exec(line, scope)  # the line an analyst copies
            assert len(scope["df"]) == ROWS, name
    finally:
        os.chdir(cwd)
    assert f"| articles | {ROWS} |" in card and "| gone | 1 |" in card
    assert f"```sh\n{dataset.INSTALL}\n```" in card
    assert (out / dataset.CHART).read_bytes().startswith(b"\x89PNG")


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
    result = cli("build", "--runs", str(bad), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for reason in ("not JSON", "fails the schema", "truncated line"):
        assert f"skipped: 1 x {reason}" in result.stdout
    assert len(read_jsonl(tmp_path / "out" / "articles.jsonl")) == ROWS
    assert "unfinished" not in result.stdout  # a run still going is no defect of the input
    strict = cli("build", "--runs", str(bad), "-o", str(tmp_path / "out"), "--strict")
    assert strict.returncode == 1
    (bad / last.name).write_text(good_line + "\n")
    clean = cli("build", "--runs", str(bad), "-o", str(tmp_path / "out"), "--strict")
    assert clean.returncode == 0, clean.stdout  # the .part file alone fails nothing


def test_stats_and_filtered_exports(runs, tmp_path):
    out = tmp_path / "ds"
    assert cli("build", "--runs", str(runs), "-o", str(out)).returncode == 0
    stats = cli("stats", "--dataset", str(out))
    assert stats.returncode == 0 and "articles" in stats.stdout and f" {ROWS}" in stats.stdout
    rows = read_jsonl(out / "articles.jsonl")
    since = sorted(r["published_date"] for r in rows)[10]
    wanted = [r["post_id"] for r in rows if r["published_date"] >= since]
    jsonl = cli("export", "--dataset", str(out), "--format", "jsonl", "--since", since,
                "-o", str(tmp_path / "x.jsonl"))  # fmt: skip
    assert jsonl.returncode == 0, jsonl.stderr
    assert [r["post_id"] for r in read_jsonl(tmp_path / "x.jsonl")] == wanted
    category = rows[0]["categories"][0]
    in_category = [r["post_id"] for r in rows if category in r["categories"]]
    # any case; the format from -o's suffix
    csv_out = cli("export", "--dataset", str(out), "--category", category.upper(),
                  "-o", str(tmp_path / "x.csv"))  # fmt: skip
    assert csv_out.returncode == 0, csv_out.stderr
    import pandas as pd

    frame = pd.read_csv(tmp_path / "x.csv")
    assert list(frame["post_id"]) == in_category
    assert category in json.loads(frame["categories"].iloc[0])  # lists as JSON in a CSV cell
    assert list(frame.columns) == list(dataset.ROW_FIELDS)
    parquet = cli("export", "--dataset", str(out), "--format", "parquet", "--category", category,
                  "-o", str(tmp_path / "x.parquet"))  # fmt: skip
    assert parquet.returncode == 0
    assert list(pd.read_parquet(tmp_path / "x.parquet")["post_id"]) == in_category
    assert cli("export", "--dataset", str(out), "--since", "yesterday").returncode == 2


# ---- one definition of an article ---------------------------------------------------------------
def test_the_datasets_schemas_and_card_are_the_definitions(tmp_path):
    import pyarrow.parquet as pq

    runs = tmp_path / "runs"
    write_run(runs, "20211106T000000000000Z", [article(1), article(2)])
    out = tmp_path / "dataset"
    dataset.build(runs, out)
    assert pq.read_schema(out / "articles.parquet").remove_metadata() == arrow_schema(
        dataset.DatasetRow
    )
    assert json.loads((out / "schema.json").read_text()) == dataset.row_schema()
    card = (out / "DATASET.md").read_text()
    for doc in field_docs(dataset.DatasetRow):
        assert f"| `{doc.name}` | {doc.json} | {doc.parquet} | " in card
    assert "| `published_at` | string (ISO 8601) | timestamp (Asia/Jakarta) |" in card
    assert "| `published_date` | string (YYYY-MM-DD) | date | 100.0% |" in card


def test_a_run_file_from_before_a_field_reads_with_its_default(tmp_path):
    runs = tmp_path / "runs"
    old = article(1)
    del old["category_paths"], old["former_urls"], old["version"]
    write_run(runs, "20211106T000000000000Z", [old])
    result = dataset.build(runs, tmp_path / "dataset")
    assert result.problems.total == 0
    (row,) = read_jsonl(tmp_path / "dataset" / "articles.jsonl")
    assert (row["category_paths"], row["former_urls"], row["version"]) == ([], [], 1)


def test_rows_exported_before_the_archive_existed_still_build(runs, tmp_path):
    old = tmp_path / "runs"
    shutil.copytree(runs, old)
    first = sorted(old.glob("*.jsonl"))[0]
    lines = [json.loads(line) for line in first.read_text("utf-8").splitlines()]
    assert all(line["warc"] and line["extractor"] for line in lines)
    first.write_text(  # as a run file written before rows named their records
        "".join(
            json.dumps({k: v for k, v in line.items() if k not in ("warc", "extractor")}) + "\n"
            for line in lines
        ),
        "utf-8",
    )
    result = dataset.build(old, tmp_path / "out")
    assert result.problems.total == 0
    rows = read_jsonl(tmp_path / "out" / "articles.jsonl")
    validator = Draft202012Validator(json.loads((tmp_path / "out" / "schema.json").read_text()))
    for row in rows:
        validator.validate(row)
    second = {r["post_id"] for r in read_jsonl(sorted(old.glob("*.jsonl"))[1])}
    unnamed = {r["post_id"] for r in rows if r["warc"] == [] and r["extractor"] is None}
    assert unnamed == {r["post_id"] for r in rows} - second
    import pandas as pd

    frame = pd.read_parquet(tmp_path / "out" / "articles.parquet")
    assert frame["extractor"].isna().sum() == len(rows) - len(second)
    card = (tmp_path / "out" / "DATASET.md").read_text("utf-8")
    unnamed_rows = len(rows) - len(second)
    assert (
        f"| extractor | arrahmah {arrahmah.__version__} ({len(second)} rows), not recorded"
        f" ({unnamed_rows} rows exported before rows named it) |"
    ) in card


def test_a_reextraction_run_stands_in_for_the_rows_of_its_versions(tmp_path):
    runs = tmp_path / "runs"
    first, second, redo = (f"202111{day}T000000000000Z" for day in ("05", "06", "07"))
    write_run(runs, first, [article(1), article(2)])
    write_run(runs, second, [article(2, version=2, body="edited")], gone=(1,))
    write_run(runs, redo, [article(1, body="mended 1"), article(2, version=2, body="mended 2"),
                           article(3, body="new 3")])  # fmt: skip
    report = {"mode": "reextract", "finished_at": "2021-11-07T01:00:00+00:00", "extractor": "9.9"}
    (runs / f"{redo}.report.json").write_text(json.dumps(report))
    result = dataset.build(runs, tmp_path / "dataset")
    rows = {r["post_id"]: r for r in read_jsonl(tmp_path / "dataset" / "articles.jsonl")}
    assert [(r["body"], r["version"], r["run_id"]) for r in rows.values()] == [
        ("mended 1", 1, redo), ("mended 2", 2, redo), ("new 3", 1, redo),
    ]  # fmt: skip
    assert rows[1]["status"] == "gone"  # judged by its first export, not its re-extraction
    versions = read_jsonl(tmp_path / "dataset" / "versions.jsonl")
    assert [(v["post_id"], v["version"], v["run_id"]) for v in versions] == [
        (1, 1, redo), (2, 1, first), (2, 2, redo), (3, 1, redo),
    ]  # fmt: skip  # in the order of first export; no version made
    assert [v["body"] for v in versions][::2] == ["mended 1", "mended 2"]
    assert result.versions == 4
    card = (tmp_path / "dataset" / "DATASET.md").read_text("utf-8")
    assert "## Re-extracted" in card
    assert f"| `{redo}` | 2021-11-07T01:00:00+00:00 | arrahmah 9.9 | 3 |" in card


# ---- the card, the figure, the time rule --------------------------------------------------------
def test_the_card_says_where_when_what_version_and_its_limits(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "20211105T000000000000Z", [article(1), article(2, published_at="2020-10-10")])
    later = article(3, published_at="2020-10-11T08:00:00+07:00", crawled_at="2021-11-07T02:30:00Z")
    write_run(runs, "20211107T000000000000Z", [later], gone=(2,))
    dataset.build(runs, tmp_path / "dataset")
    card = (tmp_path / "dataset" / "DATASET.md").read_text()
    assert "| source | https://arrahmahnews.com (the rows' URLs) |" in card
    assert f"| crawl period | {CRAWLED} to 2021-11-07T02:30:00Z |" in card
    assert "| as of | 2021-11-07:" in card
    assert f"| extractor | arrahmah {dataset.card.extractor_version()} |" in card
    assert "| `live` | 2 |" in card and "| `gone` | 1 |" in card
    assert "date alone where the site gave no time: 1 of 3 rows" in card
    assert "`comments_count`" in card.split("## Known limitations")[1]
    assert "pip install pandas pyarrow" in card
    assert "`published_date` is the publication date there" in card


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_figure_has_one_size_for_a_few_rows_and_for_fourteen_years(tmp_path):
    from datetime import date, timedelta

    from arrahmah.dataset.chart import chart

    def rows(n: int, days: int) -> list[dict]:
        made = []
        for i in range(n):
            day = date(2012, 1, 1) + timedelta(days=days * i // n)
            row = article(i + 1, published_at=day.isoformat(), categories=[f"C{i % 12}"])
            made.append(row | {"published_date": day.isoformat(), "status": "live", "run_id": "r"})
        return made

    for name, n, days in (("small", 300, 540), ("large", 5000, 14 * 365)):
        chart(dataset.stats_of(rows(n, days)), tmp_path / f"{name}.png")
        assert png_size(tmp_path / f"{name}.png") == (1200, 900)
    chart(dataset.stats_of([]), tmp_path / "empty.png")
    assert png_size(tmp_path / "empty.png") == (1200, 900)
    uncategorised = [row | {"categories": []} for row in rows(3, 30)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no artists with labels" on stderr
        chart(dataset.stats_of(uncategorised), tmp_path / "uncategorised.png")


def test_times_follow_one_rule_in_every_format(tmp_path):
    import pandas as pd

    runs = tmp_path / "runs"
    evening_utc = article(1, published_at="2020-10-09T20:30:00+00:00", modified_at=None)
    date_only = article(2, published_at="2020-10-11")
    jakarta = article(
        3, published_at="2020-10-12T08:00:00.5+07:00", crawled_at="2021-11-06T01:00:00Z"
    )
    write_run(runs, "20211106T000000000000Z", [evening_utc, date_only, jakarta])
    out = tmp_path / "dataset"
    dataset.build(runs, out)
    rows = {r["post_id"]: r for r in read_jsonl(out / "articles.jsonl")}
    # the site's zone, whatever offset the run file wrote; the date is the site's date
    assert rows[1]["published_at"] == "2020-10-10T03:30:00+07:00"
    assert rows[1]["published_date"] == "2020-10-10"
    assert rows[2]["published_at"] == "2020-10-11" and rows[2]["published_date"] == "2020-10-11"
    assert rows[3]["crawled_at"] == "2021-11-06T01:00:00Z"
    frame = pd.read_parquet(out / "articles.parquet").set_index("post_id")
    assert frame.loc[1, "published_at"] == pd.Timestamp("2020-10-10T03:30:00+07:00")
    assert str(frame.loc[1, "published_at"].tz) == "Asia/Jakarta"
    assert pd.isna(frame.loc[2, "published_at"])  # the site gave only the date
    assert frame.loc[2, "published_date"].isoformat() == "2020-10-11"
    assert frame.loc[3, "published_at"] == pd.Timestamp("2020-10-12T08:00:00.5+07:00")
    assert frame.loc[3, "crawled_at"] == pd.Timestamp("2021-11-06T01:00:00Z")
    csv_out = cli("export", "--dataset", str(out), "-o", str(tmp_path / "x.csv"))
    assert csv_out.returncode == 0, csv_out.stderr
    cells = pd.read_csv(tmp_path / "x.csv", dtype=str).set_index("post_id")
    for post_id, row in rows.items():
        for name in ("published_at", "published_date", "crawled_at"):
            assert cells.loc[str(post_id), name] == row[name]


# ---- reading the runs --------------------------------------------------------------------------
def test_a_build_reads_the_runs_finished_when_it_began(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    first = write_run(runs, "20211105T000000000000Z", [article(1), article(2)])
    (runs / "20211106T000000000000Z.jsonl.part").write_text(json.dumps(article(3)) + "\n")
    reference = tmp_path / "reference"
    dataset.build(runs, reference)
    read_lines = dataset_rows.read_lines

    def meanwhile(run, *args):
        # a crawl resumes and finishes its run, another run finishes, a file grows
        part = runs / "20211106T000000000000Z.jsonl.part"
        if part.exists():
            part.rename(runs / "20211106T000000000000Z.jsonl")
            write_run(runs, "20211107T000000000000Z", [article(4)])
            with first.open("a") as fh:
                fh.write(json.dumps(article(5)) + "\n")
        yield from read_lines(run, *args)

    monkeypatch.setattr(dataset_rows, "read_lines", meanwhile)
    result = dataset.build(runs, tmp_path / "dataset")
    assert result.problems.total == 0
    assert whole(tmp_path / "dataset", reference)
    monkeypatch.undo()
    dataset.build(runs, tmp_path / "dataset")  # the next build takes them all
    assert len(read_jsonl(tmp_path / "dataset" / "articles.jsonl")) == 5


def test_a_parquet_writer_that_fails_says_why_in_one_line(tmp_path):
    from arrahmah.dataset.formats import ParquetOut

    out = ParquetOut(tmp_path / "x.parquet")
    out.add(b'{"post_id": "not a number"}\n')
    with pytest.raises(dataset.ParquetFailed) as failed:
        out.close()
    message = str(failed.value)
    assert message.startswith(f"writing {tmp_path / 'x.parquet'}: ") and "\n" not in message


# ---- export filters -----------------------------------------------------------------------------
@pytest.fixture
def categorised(tmp_path) -> Path:
    """A dataset of four posts: two with category paths, two with names alone."""
    runs = tmp_path / "runs"
    posts = [
        article(1, categories=["Suriah"], category_paths=[["Timur Tengah", "Suriah"]],
                author="Ahmad Zaki", tags=["Damaskus"], published_at="2020-01-05"),
        article(2, categories=["Opini"], author="Arrahmahnews", tags=["Iran", "Damaskus"],
                published_at="2020-02-05"),
        article(3, categories=["Timur Tengah", "Opini"],
                category_paths=[["Timur Tengah"], ["Opini"]], author="ahmad zaki", tags=[],
                published_at="2020-03-05"),
        article(4, categories=["Berita Dunia"], author=None, tags=["iran"],
                published_at="2020-04-05T23:30:00+07:00"),
    ]  # fmt: skip
    write_run(runs, "20211106T000000000000Z", posts)
    out = tmp_path / "dataset"
    assert cli("build", "--runs", str(runs), "-o", str(out)).returncode == 0
    return out


def exported(out: Path, tmp_path: Path, *filters: str) -> list[int]:
    target = tmp_path / "x.jsonl"
    result = cli("export", "--dataset", str(out), "-o", str(target), *filters)
    assert result.returncode == 0, result.stderr
    return [r["post_id"] for r in read_jsonl(target)]


def test_a_category_matches_any_case_and_takes_its_sub_categories(categorised, tmp_path):
    assert exported(categorised, tmp_path, "--category", "timur TENGAH") == [1, 3]
    assert exported(categorised, tmp_path, "--category", "suriah") == [1]
    assert exported(categorised, tmp_path, "--category", "Opini") == [2, 3]  # paths or names


def test_an_unknown_name_exits_2_naming_the_known_ones(categorised, tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("an earlier extract\n")
    result = cli("export", "--dataset", str(categorised), "-o", str(target), "--category", "Asia")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr == (
        "arrahmah dataset export: no category 'Asia' in the dataset; known: Berita Dunia, Opini,"
        " Suriah, Timur Tengah\n"
    )
    assert target.read_text() == "an earlier extract\n"  # left as it was
    assert not list(tmp_path.glob("*.part"))
    tag = cli("export", "--dataset", str(categorised), "-o", str(target), "--tag", "Rusia")
    assert tag.returncode == 2 and "known: Damaskus, Iran, iran" in tag.stderr


def test_dates_authors_and_tags_filter_in_any_case(categorised, tmp_path):
    between = exported(categorised, tmp_path, "--since", "2020-02-05", "--until", "2020-03-05")
    assert between == [2, 3]
    assert exported(categorised, tmp_path, "--until", "2020-04-05") == [1, 2, 3, 4]
    assert exported(categorised, tmp_path, "--author", "AHMAD ZAKI") == [1, 3]
    assert exported(categorised, tmp_path, "--tag", "IRAN") == [2, 4]
    assert exported(categorised, tmp_path, "--tag", "iran", "--author", "arrahmahnews") == [2]
    bad = cli("export", "--dataset", str(categorised), "--until", "5 April")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


# ---- publishing whole ---------------------------------------------------------------------------
class Killed(BaseException):
    """What a kill at that instant would leave: nothing after it runs, no clean-up."""


def test_a_build_killed_at_any_step_leaves_one_whole_dataset(tmp_path, monkeypatch):
    runs_1, runs_2 = tmp_path / "runs-1", tmp_path / "runs-2"
    write_run(runs_1, "20211105T000000000000Z", [article(1), article(2)])
    shutil.copytree(runs_1, runs_2)
    write_run(runs_2, "20211106T000000000000Z", [article(3), article(1, version=2, body="Baru.")])
    before, after = tmp_path / "ref-before", tmp_path / "ref-after"
    dataset.build(runs_1, before)
    dataset.build(runs_2, after)

    steps: list[str] = []
    kill_at = [-1]

    def step(name: str, real):
        def run(*args, **kwargs):
            if len(steps) == kill_at[0]:
                raise Killed(name)
            steps.append(name)
            return real(*args, **kwargs)

        return run

    for name in ("rename", "replace", "symlink"):
        monkeypatch.setattr(os, name, step(name, getattr(os, name)))
    monkeypatch.setattr(shutil, "rmtree", step("rmtree", shutil.rmtree))
    out = tmp_path / "k" / "dataset"
    dataset.build(runs_1, out)
    first = len(steps)
    dataset.build(runs_2, out)
    total = len(steps) - first
    assert total >= 3  # the build dir's rename, the link's rename, the old build's removal
    for k in range(total):
        out = tmp_path / f"kill-{k}" / "dataset"
        kill_at[0] = -1
        dataset.build(runs_1, out)
        steps.clear()
        kill_at[0] = k
        with pytest.raises(Killed):
            dataset.build(runs_2, out)
        # the switch is the one step after which readers get the new build
        assert whole(out, before, after) == (after if "replace" in steps else before), steps
        kill_at[0] = -1
        dataset.build(runs_2, out)  # the next build mends what the killed one left
        assert whole(out, after) == after
        assert sorted(p.name for p in out.parent.iterdir()) == sorted(
            [".dataset.lock", "dataset", os.readlink(out)]
        )


def test_a_failed_build_leaves_the_previous_dataset_and_no_trace(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    write_run(runs, "20211105T000000000000Z", [article(1)])
    out = tmp_path / "data" / "dataset"
    dataset.build(runs, out)
    before = os.readlink(out)
    write_run(runs, "20211106T000000000000Z", [article(2)])

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(dataset.chart, "chart", broken)
    with pytest.raises(OSError, match="disk full"):
        dataset.build(runs, out)
    assert os.readlink(out) == before
    assert len(read_jsonl(out / "articles.jsonl")) == 1
    assert sorted(p.name for p in out.parent.iterdir()) == [".dataset.lock", "dataset", before]


def test_two_builds_at_once_one_is_refused_in_one_line(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "20211105T000000000000Z", [article(n) for n in range(1, 200)])
    out = tmp_path / "data" / "dataset"
    with publish.held(out):
        busy = cli("build", "--runs", str(runs), "-o", str(out))
    assert busy.returncode == 1
    assert busy.stderr == f"arrahmah dataset build: another build is writing {out}\n"
    assert not out.exists()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "arrahmah.cli", "dataset", "build", "--runs", str(runs)]
    command += ["-o", str(out)]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    both = [subprocess.Popen(command, env=env, **pipes) for _ in range(2)]
    errors = [p.communicate(timeout=300)[1] for p in both]
    results = [(p.returncode, err) for p, err in zip(both, errors, strict=True)]
    assert any(code == 0 for code, _ in results)
    for code, err in results:
        assert code == 0 or (
            code == 1 and err.startswith("arrahmah dataset build: another build")
        ), err
        assert "Traceback" not in err
    assert len(read_jsonl(out / "articles.jsonl")) == 199


def test_a_dataset_directory_from_before_links_is_replaced_and_others_refused(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "20211105T000000000000Z", [article(1)])
    old = tmp_path / "data" / "dataset"
    old.mkdir(parents=True)
    for name in ("articles.jsonl", "articles.parquet", "articles_per_month.png", "DATASET.md"):
        (old / name).write_text("from an earlier build\n")
    assert cli("build", "--runs", str(runs), "-o", str(old)).returncode == 0
    assert old.is_symlink() and len(read_jsonl(old / "articles.jsonl")) == 1
    assert sorted(p.name for p in old.parent.iterdir()) == [
        ".dataset.lock",
        "dataset",
        os.readlink(old),
    ]
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("mine\n")
    refused = cli("build", "--runs", str(runs), "-o", str(home))
    assert refused.returncode == 1
    assert refused.stderr.startswith("arrahmah dataset build: ") and refused.stderr.count("\n") == 1
    assert (home / "thesis.tex").read_text() == "mine\n"
