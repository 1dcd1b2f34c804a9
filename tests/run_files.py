"""Run files made by hand, for the dataset's tests: articles from a fixture page's item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import expected_item

from arrahmah.items import with_defaults

CRAWLED = "2021-11-06T01:00:00+00:00"


def article(post_id: int, **changes: Any) -> dict[str, Any]:
    """A valid exported article: the seed fixture's item as post ``post_id``, with ``changes``."""
    item = expected_item("seed-putin")
    assert item is not None
    with_defaults(item)  # every field, as a run file of today holds them
    slug = changes.pop("slug", f"post-{post_id}")
    if "categories" in changes:  # the seed's paths name the seed's categories
        changes.setdefault("category_paths", [])
    return item | {
        "post_id": post_id,
        "url": f"https://arrahmahnews.com/2020/10/09/{slug}/",
        "published_at": "2020-10-09T10:47:00+07:00",
        "crawled_at": CRAWLED,
        **changes,
    }


def write_run(
    runs: Path, run_id: str, articles: list[dict[str, Any]], gone: tuple[int, ...] = ()
) -> Path:
    """A finished run file ``runs/<run_id>.jsonl`` and its report."""
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / f"{run_id}.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), "utf-8")
    (runs / f"{run_id}.report.json").write_text(json.dumps({"gone_posts": list(gone)}))
    return path
