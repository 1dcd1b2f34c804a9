"""A full crawl's speed and memory against a bare Scrapy spider, measured in one run.

    python benchmarks/crawl.py REPLICA_DIR [--sizes 3000,10000] [--pairs 3]

``REPLICA_DIR`` holds the site's replica (``serve.py`` and a snapshot): for each size N it
serves a synthetic site of N articles on loopback (``serve.py --scale N``), then runs, in
turn, the project's crawl (``scrapy crawl arrahmah``: a full run into a fresh data directory,
polite delays off, as against any local mirror) and the bare spider of
``benchmarks/bare_spider.py`` (the same pagination, every article fetched and not parsed, the
same concurrency), ``--pairs`` times each, alternating. Per run it prints the articles per
second (articles exported, or fetched by the bare spider, over the process's wall time), the
CPU time, the peak RSS of the crawl's process and the requests it made; per pair the ratio
project/bare of the articles per second and of the peak RSS; last, the medians. A crawl that
fails, or exports fewer articles than the site has, stops the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = Path(__file__).resolve().parent / "bare_spider.py"
LOOPBACK = [
    "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=INFO",
]  # fmt: skip


@dataclass
class Result:
    """One crawl: how many articles, in how long, with how much memory."""

    articles: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    requests: int

    @property
    def rate(self) -> float:
        return self.articles / self.wall_s


def timed(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, float, int]:
    """Run ``cmd``; its wall time, CPU time (user + system), peak RSS (MB) and exit status."""
    started = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def scrapy_stats(log: Path) -> dict[str, int]:
    """The integer figures of the stats Scrapy dumps at the end of a crawl's log."""
    text = log.read_text("utf-8", errors="replace")
    found = {}
    for key in ("item_scraped_count", "downloader/request_count", "bare/articles"):
        marker = f"'{key}': "
        at = text.rfind(marker)
        if at >= 0:
            found[key] = int(text[at + len(marker) :].split(",", 1)[0].split("}", 1)[0])
    return found


def crawl(who: str, cmd: list[str], cwd: Path, log: Path, counter: str, n: int) -> Result:
    """Run one crawl; its figures, the articles counted by the stat ``counter``."""
    wall, cpu, rss, status = timed(cmd, cwd, log)
    stats = scrapy_stats(log)
    articles = stats.get(counter, 0)
    if status != 0 or articles < n:
        sys.exit(f"{who} failed (exit {status}, {articles}/{n} articles): see {log}")
    return Result(articles, wall, cpu, rss, stats.get("downloader/request_count", 0))


def project_crawl(base_url: str, work: Path, n: int) -> Result:
    data = work / f"data-{time.monotonic_ns()}"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "arrahmah",
           "-s", f"ARRAHMAH_BASE_URL={base_url}", "-s", f"ARRAHMAH_DATA_DIR={data}",
           "-s", "STATS_DUMP=True",  # the figures are read from the stats dump (off by default)
           *LOOPBACK]  # fmt: skip
    result = crawl("the project's crawl", cmd, ROOT, work / "project.log", "item_scraped_count", n)
    shutil.rmtree(data, ignore_errors=True)
    return result


def bare_crawl(base_url: str, work: Path, n: int) -> Result:
    # from the work directory: Scrapy would load the project's settings in the project's
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BARE), "-a", f"base_url={base_url}"]
    return crawl("the bare spider", cmd, work, work / "bare.log", "bare/articles", n)


def serve(replica: Path, n: int, work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``serve.py --scale n`` on a free loopback port; the process and its base URL."""
    ready = work / f"ready-{n}"
    server = subprocess.Popen(
        [sys.executable, str(replica / "serve.py"), str(replica / "site-a" / "snapshot-1"),
         "--scale", str(n), "--port", "0", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):
        if ready.exists() and ready.read_text().strip():
            return server, f"http://{ready.read_text().strip()}"
        time.sleep(0.1)
    server.kill()
    sys.exit(f"serve.py --scale {n} did not start")


def line(who: str, r: Result) -> str:
    return (
        f"  {who:<8} {r.rate:7.1f} articles/s  {r.wall_s:7.2f} s wall  {r.cpu_s:7.2f} s CPU"
        f"  {r.peak_rss_mb:6.1f} MB peak RSS  {r.requests:7d} requests"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replica", type=Path, help="the replica's directory (serve.py, site-a/)")
    parser.add_argument("--sizes", default="3000,10000", help="articles of each synthetic site")
    parser.add_argument("--pairs", type=int, default=3, help="project/bare pairs per size")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()

    figures: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="arrahmah-bench-") as tmp:
        work = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            server, base_url = serve(args.replica, n, work)
            try:
                print(f"{n} articles ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f})")
                rows = []
                for pair in range(1, args.pairs + 1):
                    project = project_crawl(base_url, work, n)
                    bare = bare_crawl(base_url, work, n)
                    speed, memory = project.rate / bare.rate, project.peak_rss_mb / bare.peak_rss_mb
                    print(f" pair {pair}: speed ratio {speed:.2f}, peak RSS ratio {memory:.2f}")
                    print(line("project", project))
                    print(line("bare", bare))
                    rows.append({"speed_ratio": speed, "rss_ratio": memory,
                                 "project_rate": project.rate, "bare_rate": bare.rate,
                                 "project_rss_mb": project.peak_rss_mb,
                                 "bare_rss_mb": bare.peak_rss_mb})  # fmt: skip
                figures[str(n)] = rows
                print(
                    f" median of {len(rows)} pairs: speed ratio "
                    f"{statistics.median(r['speed_ratio'] for r in rows):.2f} (project/bare "
                    f"articles/s), peak RSS ratio "
                    f"{statistics.median(r['rss_ratio'] for r in rows):.2f}"
                )
            finally:
                server.terminate()
                server.wait()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
