"""The discovery sources: each one job, none of them reading the spider.

What they find is tested by crawling the test site (`test_crawl.py`, `test_scheduled.py`);
these are the decisions and the boundary that need no crawl.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import arrahmah.discovery
from arrahmah.discovery.changes import why
from arrahmah.state import Known
from arrahmah.wpapi import PostMeta

PATH = "/2020/10/09/putin-jadi-tuan-rumah/"


def _post(modified_at: str | None = "2020-10-09T12:00:00+07:00") -> PostMeta:
    return PostMeta(
        120, f"https://arrahmahnews.com{PATH}", "2020-10-09T10:00:00+07:00", modified_at
    )


def _known(
    path: str = PATH, status: str = "live", modified_at: str | None = "2020-10-09T12:00:00+07:00"
) -> Known:
    return Known(120, path, status, "2020-10-09T10:00:00+07:00", modified_at, "h", 1, "run")


@pytest.mark.parametrize(
    ("post", "known", "reason"),
    [
        (_post(), None, "new"),
        (_post(), _known(status="gone"), "returned"),
        (_post(), _known(path="/2020/10/09/old-slug/"), "moved"),
        (_post("2020-10-10T08:00:00+07:00"), _known(), "edited"),
        (_post(), _known(), None),
        (_post("2020-10-08T08:00:00+07:00"), _known(), None),  # older: not an edit
        (_post(None), _known(), None),  # no modification time: nothing to compare
        (_post("2020-10-10T08:00:00+07:00"), _known(modified_at=None), None),
    ],
)
def test_why_an_incremental_run_fetches_a_post_the_index_lists(post, known, reason):
    assert why(post, known, PATH) == reason


def test_a_gone_post_listed_again_is_returned_even_under_another_path():
    assert why(_post(), _known(path="/elsewhere/", status="gone"), PATH) == "returned"


def test_no_discovery_source_imports_a_spider():
    """A source is given a Crawl and the spider's callbacks; it never reads the spider."""
    package = Path(arrahmah.discovery.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert {m.stem for m in modules} >= {
        "rest_index",
        "feed",
        "changes",
        "listings",
        "sitemaps",
        "gone",
    }
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("arrahmah.spiders"), f"{module.name} imports {name}"
