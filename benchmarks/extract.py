"""How long parsing and cleaning one article page takes, against a bare lxml parse (the floor).

    python benchmarks/extract.py [PAGES_DIR_OR_SNAPSHOT] [--rounds N] [--instructions]

With no argument it uses the article pages in ``fixtures/pages``; given a replica snapshot
directory (``index.jsonl`` + ``bodies/``) it uses every article page recorded there. For each page
it times ``Extractor.extract`` (page parser + boilerplate rules + text + validation) and
``lxml.html.fromstring`` of the same bytes, takes the best of N rounds per page, and prints the
medians and their ratio. With ``--instructions`` it counts CPU instructions instead (valgrind's
callgrind, ``PYTHONHASHSEED=0``), which a busy machine does not disturb: three child processes
load the pages, then one extracts every page once, one parses every page once with lxml, one
does nothing more; the work is each count less the third's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
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


def instructions(source: Path, work: str) -> int:
    """Instructions a child process runs to load ``source``'s pages and do ``work`` on each."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             sys.executable, __file__, str(source), "--child", work],
            env={**os.environ, "PYTHONHASHSEED": "0"}, check=True, capture_output=True,
        )  # fmt: skip
        for line in out.read_text().splitlines():
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no summary")


def child(source: Path, work: str) -> None:
    """What one counted child process does (see `instructions`)."""
    pages = load_pages(source)
    extractor = Extractor()
    extractor.extract([pages[0]])  # first-call costs (compiled queries, caches) in every child
    lxml.html.fromstring(pages[0][1])
    for url, page in pages:
        if work == "extract":
            extractor.extract([(url, page)])
        elif work == "floor":
            lxml.html.fromstring(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "fixtures" / "pages")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count instructions")
    parser.add_argument("--child", choices=["extract", "floor", "none"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.source, args.child)
        return
    if args.instructions:
        base = instructions(args.source, "none")
        work = {w: instructions(args.source, w) - base for w in ("extract", "floor")}
        pages = len(load_pages(args.source))
        print(f"pages: {pages} ({args.source}), instructions (callgrind)")
        print(f"extract (parse + clean + validate): {work['extract'] / pages / 1e6:.2f} M/page")
        print(f"lxml.html.fromstring (floor):       {work['floor'] / pages / 1e6:.2f} M/page")
        print(f"ratio: {work['extract'] / work['floor']:.2f}x the floor")
        return

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
