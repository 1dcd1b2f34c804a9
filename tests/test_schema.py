"""One definition of an article: every view of it made from `arrahmah.items.Article`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from arrahmah.items import Article
from arrahmah.schema import (
    arrow_schema,
    column,
    defaults,
    field_docs,
    fields_table,
    json_schema,
    may_be_empty,
    nullable,
    record,
)


def gen_docs(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_docs.py"), *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_committed_schema_and_readme_tables_are_the_definitions():
    result = gen_docs("--check")
    assert result.returncode == 0, result.stderr
    schema = json.loads((ROOT / "arrahmah" / "article.schema.json").read_text("utf-8"))
    assert list(schema["properties"]) == [f.name for f in field_docs(Article)]


def test_a_stale_copy_is_found_and_made_anew(tmp_path):
    (tmp_path / "arrahmah").mkdir()
    shutil.copy(ROOT / "arrahmah" / "article.schema.json", tmp_path / "arrahmah")
    readme = (ROOT / "README.md").read_text("utf-8")
    stale = readme.replace("| WordPress post ID |", "| the post's number |")
    assert stale != readme
    (tmp_path / "README.md").write_text(stale, "utf-8")
    check = gen_docs("--check", "--root", str(tmp_path))
    assert check.returncode == 1 and "README.md" in check.stderr
    assert "article.schema.json" not in check.stderr
    assert gen_docs("--root", str(tmp_path)).returncode == 0
    assert (tmp_path / "README.md").read_text("utf-8") == readme
    assert gen_docs("--check", "--root", str(tmp_path)).returncode == 0


def test_a_new_field_is_one_entry_in_every_view():
    @record
    class Extended(Article):
        reviewer: str | None = column(
            "who reviewed the row", nullable({"type": "string"}), default=None
        )
        sources: list[dict[str, str]] = column(
            "where the row came from",
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["file", "line"],
                    "properties": {"file": {"type": "string"}, "line": {"type": "string"}},
                },
            },
            default_factory=list,
        )

    schema = json_schema(Extended, title="x", description="y")
    assert schema["properties"]["reviewer"]["type"] == ["string", "null"]
    assert schema["required"][-2:] == ["reviewer", "sources"]
    types = {f.name: str(f.type) for f in arrow_schema(Extended)}
    assert types["reviewer"] == "string"
    assert types["sources"] == "list<item: struct<file: string, line: string>>"
    table = fields_table(Extended)
    assert "| `sources` | array of {file, line} | list<struct<file, line>> |" in table
    made = defaults(Extended)
    assert made["reviewer"]() is None and made["sources"]() == []
    assert made["sources"]() is not made["sources"]()  # a fresh list each time


def test_fields_that_may_be_empty_are_read_from_their_schema():
    assert may_be_empty(Article) == (
        "modified_at", "author", "categories", "category_paths", "tags", "dateline", "body",
        "related", "images", "former_urls", "warc", "extractor",
    )  # fmt: skip


def test_a_field_without_its_definition_is_refused():
    with pytest.raises(TypeError, match="is not declared with column"):

        @record
        class Loose:
            name: str = "x"
