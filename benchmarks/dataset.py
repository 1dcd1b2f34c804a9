"""How long `arrahmah dataset build` takes on 100,000 articles, and how much memory it needs.

    python benchmarks/dataset.py [--articles 100000] [--runs 10] [--years 14] [--rounds 3]
                                 [--keep DIR]

Makes synthetic run files from the real fixture items (each copy a new post id, URL and date,
spread evenly over ``--years``; every run after the first re-exports 5 % of the earlier posts as
edited versions), then builds the dataset in a child process and prints its wall time and peak
memory (max RSS). The baseline, measured in the same run, is reading and JSON-decoding (stdlib
``json``) every input line once: the least any build must do. Baseline and build take turns,
``--rounds`` times; the medians are printed, and their ratio. ``--keep DIR`` keeps the built
dataset (its card and figure) in DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "pages"


def templates() -> list[dict]:
    """The fixture pages' items, every field present (as the crawler writes them)."""
    from arrahmah.items import Article, with_defaults

    items = []
    for path in sorted(FIXTURES.glob("*.expected.json")):
        item = json.loads(path.read_text("utf-8"))
        if item is not None:
            item = with_defaults(item | {"crawled_at": "2026-11-25T00:00:00+00:00"})
            items.append({f: item[f] for f in Article.__dataclass_fields__})
    return items


def make_runs(directory: Path, articles: int, runs: int, years: float = 14) -> int:
    """Write ``runs`` run files holding ``articles`` posts (+5 % edits) published over
    ``years``; returns lines written."""
    directory.mkdir(parents=True, exist_ok=True)
    base = templates()
    start = datetime(2012, 1, 1, 8, 0)
    step = timedelta(days=365.25 * years / max(articles, 1))
    per_run = -(-articles // runs)
    lines = 0
    for run in range(runs):
        name = f"2026{run + 1:02d}01T000000000000Z"
        with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            first = run * per_run
            for n in range(first, min(articles, first + per_run)):
                item = dict(base[n % len(base)])
                when = start + step * n
                item["post_id"] = n + 1
                item["url"] = f"https://arrahmahnews.com/{when:%Y/%m/%d}/post-{n + 1}/"
                item["published_at"] = f"{when:%Y-%m-%dT%H:%M:%S}+07:00"
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
                lines += 1
            if run:  # edits of earlier posts: second versions
                for n in range(0, first, 20):
                    item = dict(base[n % len(base)])
                    when = start + step * n
                    item |= {
                        "post_id": n + 1,
                        "url": f"https://arrahmahnews.com/{when:%Y/%m/%d}/post-{n + 1}/",
                        "published_at": f"{when:%Y-%m-%dT%H:%M:%S}+07:00",
                        "version": 1 + run,
                        "body": item["body"] + f" (edit {run})",
                    }
                    fh.write(json.dumps(item, ensure_ascii=False) + "\n")
                    lines += 1
        (directory / f"{name}.report.json").write_text('{"gone_posts": []}\n')
    return lines


def baseline(directory: Path) -> float:
    start = time.perf_counter()
    for path in sorted(directory.glob("*.jsonl")):
        with path.open("rb") as fh:
            for line in fh:
                json.loads(line)
    return time.perf_counter() - start


def tree_rss(pid: int) -> int:
    """Resident memory (kB) of process ``pid`` and all its descendants, now (0 once gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            total = next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                total += sum(tree_rss(int(child)) for child in fh.read().split())
    except OSError:
        pass
    return total


def build(runs: Path, out: Path) -> tuple[float, float, str]:
    """Wall time and peak memory (MB; the build and the processes it starts, together) of one
    ``arrahmah dataset build`` in a child process, and what it printed."""
    command = [sys.executable, "-m", "arrahmah.cli", "dataset", "build", "--runs", str(runs)]
    command += ["-o", str(out)]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
        peak = 0
        while child.poll() is None:  # sampled: every process of the build counts, summed
            peak = max(peak, tree_rss(child.pid))
            time.sleep(0.005)
        wall = time.perf_counter() - start
        stdout.seek(0), stderr.seek(0)
        if child.returncode != 0:
            sys.exit(f"build failed: {stderr.read()[-2000:]}")
        return wall, peak / 1024, stdout.read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--years", type=float, default=14)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the built dataset in this directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        lines = make_runs(runs, args.articles, args.runs, args.years)
        size = sum(p.stat().st_size for p in runs.glob("*.jsonl")) / 1e6
        floors, walls, peaks = [], [], []
        for _ in range(args.rounds):
            floors.append(baseline(runs))
            wall, peak, printed = build(runs, Path(tmp) / "dataset")
            walls.append(wall)
            peaks.append(peak)
        single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(Path(tmp) / "dataset", args.keep)
        floor, wall = statistics.median(floors), statistics.median(walls)
        print(f"input: {args.articles} articles, {lines} lines, {args.runs} runs, {size:.0f} MB")
        print(printed)
        print(f"build wall time:  {wall:.1f} s (median of {args.rounds})")
        print(f"build peak RSS:   {max(peaks):.0f} MB (all its processes together; the largest")
        print(f"                  single process: {single:.0f} MB)")
        print(f"baseline (read + json.loads every line once): {floor:.1f} s")
        print(f"ratio: {wall / floor:.1f}x the baseline")


if __name__ == "__main__":
    main()
