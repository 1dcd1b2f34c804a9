"""What the archive costs: bytes per article, and re-extraction speed against bare extraction.

    python benchmarks/reextract.py [DATA_DIR] [--rounds N]

DATA_DIR is a crawl's data directory (``ARRAHMAH_DATA_DIR``) with its archive, e.g. of the
replica; without one, the project's test site (``tests/fixture_site.py``) is crawled into a
temporary directory first. It prints, in one run:

* archive bytes per article: all of it (listings, REST index, feeds, sitemaps, robots.txt
  included), and the article pages' records alone;
* re-extraction rate: pages per second of a whole ``arrahmah reextract`` of the archive
  (reading every record, choosing captures, parsing and cleaning);
* extraction rate: pages per second of what a crawl does with the very same responses, already
  in memory (`arrahmah.page.read_article_page`: decoding and parsing, then the pipelines of
  `Extractor`), article by article; and the ratio. Both are the best of N rounds, the two run
  in turn.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from arrahmah.archive import WARC_DIR, archive_files
from arrahmah.captures import Capture
from arrahmah.extract import Extractor
from arrahmah.items import RawArticle
from arrahmah.page import read_article_page
from arrahmah.reextract import Reextraction

ROOT = Path(__file__).resolve().parent.parent


def crawl_test_site(data_dir: Path) -> None:
    """A crawl of the project's own test site (its pages gzipped, as most sites send them)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fixture_site import FixtureSite, SiteServer

    with SiteServer(FixtureSite.from_fixtures(per_page=3), compress=True) as server:
        subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "arrahmah", "-s", "LOG_LEVEL=ERROR",
             "-s", f"ARRAHMAH_BASE_URL={server.base_url}", "-s", f"ARRAHMAH_DATA_DIR={data_dir}",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"],
            cwd=ROOT, check=True,
        )  # fmt: skip


Page = tuple[str, bytes, str | None]  # url, body as received, Content-Type


def pages_read(data_dir: Path) -> tuple[list[list[Page]], list[Capture]]:
    """The pages a re-extraction parses, as received, grouped by article; their captures."""
    sources: list[list[tuple[str, int]]] = []

    class Recording(Extractor):
        def clean(self, raw: RawArticle):  # type: ignore[no-untyped-def]
            sources.append([(s["file"], s["offset"]) for s in raw.sources])
            return super().clean(raw)

    extraction = Reextraction(data_dir)
    extraction.extractor = Recording()
    for _ in extraction.articles():
        pass
    index = extraction.index
    captures = {
        (c.path.name, c.offset): c
        for found in (*index.firsts.values(), *index.later.values())
        for c in found
    }
    articles, used = [], []
    for article in sources:
        pages = []
        for source in article:
            capture = captures[source]
            payload = extraction.payload(capture)
            assert payload is not None
            pages.append((capture.url, payload.body, payload.content_type))
            used.append(capture)
        articles.append(pages)
    return articles, used


def best_of_each(rounds: int, *fns) -> list[float]:  # type: ignore[no-untyped-def]
    """The best time of each of ``fns`` over ``rounds`` rounds, run in turn (A B A B …) so
    that a machine that slows down slows both."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for n, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[n] = min(best[n], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            crawl_test_site(data_dir)
        files = archive_files(data_dir / WARC_DIR)
        total = sum(f.stat().st_size for f in files)
        grouped, captures = pages_read(data_dir)
        articles, pages = len(grouped), sum(len(g) for g in grouped)
        page_bytes = sum(c.length for c in captures)

        def reextract() -> None:
            for _ in Reextraction(data_dir).articles():
                pass

        def extract() -> None:  # what a crawl does with the same responses, in memory
            extractor = Extractor(site_host=urlsplit(grouped[0][0][0]).hostname)
            for article in grouped:
                parsed = [read_article_page(body, url, kind) for url, body, kind in article]
                extractor.clean(extractor.raw(parsed, "2026-01-01T00:00:00+00:00"))

        re_s, ex_s = best_of_each(args.rounds, reextract, extract)

    print(f"archive: {len(files)} files, {total:,} B, {articles} articles ({data_dir})")
    print(f"archive bytes per article, all of it:         {total / articles:,.0f} B")
    print(f"archive bytes per article, article pages only: {page_bytes / articles:,.0f} B")
    print(f"pages: {pages} (best of {args.rounds} rounds)")
    print(f"re-extraction from the archive: {pages / re_s:,.1f} pages/s")
    print(f"extraction of the same pages:   {pages / ex_s:,.1f} pages/s")
    print(f"ratio: {ex_s / re_s:.0%} of the extraction rate")


if __name__ == "__main__":
    main()
