"""Run files: written as .part, renamed when complete, resumed after a kill."""

from __future__ import annotations

from conftest import expected_item

from arrahmah.runs import RunFile


def item(post_id: int) -> dict:
    return {**expected_item("seed-putin"), "post_id": post_id, "crawled_at": "2026-11-25T00:00:00Z"}


def test_a_torn_last_line_is_cut_off_on_resume(tmp_path):
    run = RunFile(tmp_path / "r1.jsonl")
    run.open()
    run.write(item(1))
    run.write(item(2))
    run.close()
    with run.part.open("ab") as fh:
        fh.write(b'{"post_id": 3, "tit')  # killed mid-line
    again = RunFile(tmp_path / "r1.jsonl")
    assert [line["post_id"] for line in again.open()] == [1, 2]
    again.write(item(3))
    again.close()
    assert again.publish() == tmp_path / "r1.jsonl"
    assert not again.part.exists()
    assert len((tmp_path / "r1.jsonl").read_text("utf-8").splitlines()) == 3


def test_a_run_renamed_but_not_yet_recorded_finished_is_resumed_not_overwritten(tmp_path):
    run = RunFile(tmp_path / "r1.jsonl")
    run.open()
    run.write(item(1))
    run.close()
    run.publish()  # ... and killed before the state marked the run finished
    again = RunFile(tmp_path / "r1.jsonl")
    assert [line["post_id"] for line in again.open()] == [1]
    again.write(item(2))
    again.close()
    again.publish()
    assert len((tmp_path / "r1.jsonl").read_text("utf-8").splitlines()) == 2


def test_an_article_is_written_as_scrapys_exporter_writes_it(tmp_path):
    """The run file's own line for an `Article` and Scrapy's JSON lines exporter's: the same
    bytes (non-ASCII text kept, fields in their order)."""
    from io import BytesIO

    from scrapy.exporters import JsonLinesItemExporter

    from arrahmah.items import ARTICLE_FIELDS, Article

    article = Article(**{**item(7), "title": "Putin “Gencatan” — Armenia"})
    run = RunFile(tmp_path / "r1.jsonl")
    run.open()
    run.write(article)
    run.close()
    scrapys = BytesIO()
    exporter = JsonLinesItemExporter(
        scrapys, encoding="utf-8", ensure_ascii=False, fields_to_export=list(ARTICLE_FIELDS)
    )
    exporter.export_item(article)
    assert run.part.read_bytes() == scrapys.getvalue()
