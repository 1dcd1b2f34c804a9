"""How long parsing and cleaning one article page takes, against a bare lxml parse (the floor).

    python benchmarks/extract.py [PAGES_DIR_OR_SNAPSHOT] [--rounds N]

With no argument it uses the article pages in ``fixtures/pages``; given a replica snapshot
directory (``index.jsonl`` + ``bodies/``) it uses every article page recorded there. For each page
it times ``Extractor.extract`` (page parser + boilerplate rules + text + validation) and
``lxml.html.fromstring`` of the same bytes, takes the best of N rounds per page, and prints the
medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import lxml.html

from arrahmah.extract import Extractor

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/$")


def load_pages(source: Path) -> list[tuple[str, str]]:
    """``(url, html)`` of every single article page (first pages) in ``source``."""
    if (source / "index.jsonl").exists():
        pages = []
        for line in (source / "index.jsonl").read_text("utf-8").splitlines():
            entry = json.loads(line)
            if entry["status"] == 200 and entry["body"] and ARTICLE.search(entry["url"]):
                pages.append((entry["url"], (source / entry["body"]).read_text("utf-8")))
        return pages
    manifest = json.loads((source / "manifest.json").read_text("utf-8"))
    return [
        (e["url"], (source / e["pages"][0]).read_text("utf-8"))
        for e in manifest
        if json.loads((source / f"{e['name']}.expected.json").read_text("utf-8")) is not None
    ]


def best_of(rounds: int, fn, *args) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "fixtures" / "pages")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    pages = load_pages(args.source)
    extractor = Extractor()
    extract_times, floor_times = [], []
    for url, page in pages:
        extract_times.append(best_of(args.rounds, extractor.extract, [(url, page)]))
        floor_times.append(best_of(args.rounds, lxml.html.fromstring, page))
    extract_ms = statistics.median(extract_times) * 1000
    floor_ms = statistics.median(floor_times) * 1000
    print(f"pages: {len(pages)} ({args.source})")
    print(f"extract (parse + clean + validate), median: {extract_ms:.2f} ms/page")
    print(f"lxml.html.fromstring (floor), median:       {floor_ms:.2f} ms/page")
    print(f"ratio: {extract_ms / floor_ms:.2f}x the floor")


if __name__ == "__main__":
    main()
