"""Shared test helpers: the fixture pages, the schema validator, a real `scrapy crawl`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from arrahmah.items import article_schema, with_defaults

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "pages"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def manifest() -> list[dict[str, Any]]:
    """Every page fixture: name, url, page files, the case it covers."""
    return json.loads((FIXTURES / "manifest.json").read_text("utf-8"))


def fixture_pages(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """``(url, html)`` of each page of a fixture, page 1 first."""
    urls = [entry["url"]] + [f"{entry['url']}{n}/" for n in range(2, len(entry["pages"]) + 1)]
    return [
        (u, (FIXTURES / name).read_text("utf-8"))
        for u, name in zip(urls, entry["pages"], strict=True)
    ]


def expected_item(name: str) -> dict[str, Any] | None:
    """The item a fixture must give (None for a page that is not an article), without its
    `PROVENANCE`; a field the file was written without has its default."""
    item = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    return None if item is None else split_provenance(with_defaults(item))[0]


# what says when, from which archived records and by which extractor an item was read: no
# fixture can expect those
PROVENANCE = ("crawled_at", "warc", "extractor")


def split_provenance(item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An item without its `PROVENANCE`, and that."""
    kept = {k: v for k, v in item.items() if k not in PROVENANCE}
    return kept, {k: item[k] for k in PROVENANCE if k in item}


@pytest.fixture(scope="session")
def validator() -> Draft202012Validator:
    return Draft202012Validator(article_schema())


def run_crawl(
    base_url: str,
    data_dir: Path,
    *args: str,
    out: Path | None = None,
    spider: str = "arrahmah",
    settings: dict | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a real ``scrapy crawl`` against ``base_url`` with polite delays off for loopback."""
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", spider,
        "-s", f"ARRAHMAH_BASE_URL={base_url}",
        "-s", f"ARRAHMAH_DATA_DIR={data_dir}",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "DOWNLOAD_DELAY=0",
        "-s", "LOG_LEVEL=INFO",
        "-s", "STATS_DUMP=True",  # tests read some figures from Scrapy's stats
    ]  # fmt: skip
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    if out is not None:
        cmd += ["-O", str(out)]
    cmd += list(args)
    # tests/ too: a crawl may load the test-only extensions of tests/disk_full.py
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def start_crawl(base_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    """A real ``scrapy crawl arrahmah`` in the background, for a test to stop mid-run."""
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "arrahmah",
        "-s", f"ARRAHMAH_BASE_URL={base_url}", "-s", f"ARRAHMAH_DATA_DIR={data_dir}",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def wait_for_exports(data_dir: Path, count: int, timeout: float = 60) -> Path | None:
    """The running crawl's ``.part`` run file once it holds ``count`` lines; None if it never
    does within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parts = list((data_dir / "runs").glob("*.jsonl.part"))
        if parts and len(parts[0].read_bytes().splitlines()) >= count:
            return parts[0]
        time.sleep(0.05)
    return None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSONL file, parsed (a bad line fails the test)."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
