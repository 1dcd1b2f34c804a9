"""A full crawl's speed and memory against a bare Scrapy spider, measured in one run.

    python benchmarks/crawl.py REPLICA_DIR [--sizes 3000,10000] [--pairs 3]

``REPLICA_DIR`` holds the site's replica (``serve.py`` and a snapshot): for each size N it
serves a synthetic site of N articles on loopback (``serve.py --scale N``), then runs, in
turn, the project's crawl (``scrapy crawl arrahmah``: a full run into a fresh data directory,
polite delays off, as against any local mirror; with ``--variant`` also the same crawl with
other settings, e.g. the archive or the page worker off) and the bare spider of
``benchmarks/bare_spider.py`` (the same pagination, every article fetched and not parsed, the
same concurrency), ``--pairs`` times each, alternating. Per run it prints the articles per
second (articles exported, or fetched by the bare spider, over the process's wall time), the
CPU time, the peak RSS (the crawl's process and its page worker together) and the requests
it made; per pair the ratio
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


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` and its children (the crawl and its page worker)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            kids = [int(k) for k in children.read().split()]
    except OSError:
        kids = []
    return _rss_mb(pid) + sum(_rss_mb(k) for k in kids)


def timed(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, float, int]:
    """Run ``cmd``; its wall time, CPU time (user + system, its children's included), peak
    RSS (MB: of the process and its children together, sampled every 20 ms, and at least the
    largest one's own peak) and exit status."""
    started = time.perf_counter()
    peak = 0.0
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        while True:
            peak = max(peak, _tree_rss_mb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    # wait4: the process's own usage and its reaped children's (the page worker's)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, max(peak, usage.ru_maxrss / 1024), proc.returncode


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


def project_crawl(base_url: str, work: Path, n: int, *settings: str) -> Result:
    data = work / f"data-{time.monotonic_ns()}"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "arrahmah",
           "-s", f"ARRAHMAH_BASE_URL={base_url}", "-s", f"ARRAHMAH_DATA_DIR={data}",
           "-s", "STATS_DUMP=True",  # the figures are read from Scrapy's stats
           *LOOPBACK, *settings]  # fmt: skip
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
        [
            sys.executable,
            str(replica / "serve.py"),
            str(replica / "site-a" / "snapshot-1"),
            "--scale",
            str(n),
            "--port",
            "0",
            "--ready-file",
            str(ready),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL:SETTING=VALUE[,...]",
        help="also run the project's crawl with these settings, in the same alternation "
        "(e.g. no-warc:ARRAHMAH_WARC_ENABLED=False); repeatable",
    )
    args = parser.parse_args()
    variants = [(label, [x for kv in kvs.split(",") for x in ("-s", kv)])
                for label, _, kvs in (v.partition(":") for v in args.variant)]  # fmt: skip

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
                    others = [(label, project_crawl(base_url, work, n, *settings))
                              for label, settings in variants]  # fmt: skip
                    bare = bare_crawl(base_url, work, n)
                    row = {"speed_ratio": project.rate / bare.rate,
                           "rss_ratio": project.peak_rss_mb / bare.peak_rss_mb,
                           "project_rate": project.rate, "bare_rate": bare.rate,
                           "project_rss_mb": project.peak_rss_mb,
                           "bare_rss_mb": bare.peak_rss_mb}  # fmt: skip
                    for label, other in others:
                        row[f"{label}_speed_ratio"] = other.rate / bare.rate
                        row[f"{label}_rss_ratio"] = other.peak_rss_mb / bare.peak_rss_mb
                    print(
                        f" pair {pair}: speed ratio {row['speed_ratio']:.2f}, peak RSS ratio "
                        f"{row['rss_ratio']:.2f}"
                        + "".join(
                            f"; {label} {row[f'{label}_speed_ratio']:.2f}" for label, _ in others
                        )
                    )
                    print(line("project", project))
                    for label, other in others:
                        print(line(label, other))
                    print(line("bare", bare))
                    rows.append(row)
                figures[str(n)] = rows
                medians = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
                print(
                    f" median of {len(rows)} pairs: speed ratio {medians['speed_ratio']:.2f}"
                    f" (project/bare articles/s), peak RSS ratio {medians['rss_ratio']:.2f}"
                    + "".join(
                        f"; {label}: speed ratio {medians[f'{label}_speed_ratio']:.2f},"
                        f" peak RSS ratio {medians[f'{label}_rss_ratio']:.2f}"
                        for label, _ in variants
                    )
                )
            finally:
                server.terminate()
                server.wait()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
