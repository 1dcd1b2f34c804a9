"""How long `arrahmah dataset build` takes on 100,000 articles, and how much memory it needs.

    python benchmarks/dataset.py [--articles 100000] [--runs 10]

Makes synthetic run files from the real fixture items (each copy a new post id, URL and date;
one run in ten re-exports 5 % of the posts as edited second versions), then builds the dataset
in a child process and prints its wall time and peak memory (max RSS). The baseline, measured in
the same run, is reading and JSON-decoding every input line once: the least any build must do.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "pages"


def templates() -> list[dict]:
    items = []
    for path in sorted(FIXTURES.glob("*.expected.json")):
        item = json.loads(path.read_text("utf-8"))
        if item is not None:
            items.append(item | {"crawled_at": "2026-11-25T00:00:00+00:00"})
    return items


def make_runs(directory: Path, articles: int, runs: int) -> int:
    """Write ``runs`` run files holding ``articles`` posts (+5 % edits); returns lines written."""
    directory.mkdir(parents=True, exist_ok=True)
    base = templates()
    start = datetime(2015, 1, 1, 8, 0)
    per_run = -(-articles // runs)
    lines = 0
    for run in range(runs):
        name = f"2026{run + 1:02d}01T000000000000Z"
        with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            first = run * per_run
            for n in range(first, min(articles, first + per_run)):
                item = dict(base[n % len(base)])
                when = start + timedelta(hours=n)
                item["post_id"] = n + 1
                item["url"] = f"https://arrahmahnews.com/{when:%Y/%m/%d}/post-{n + 1}/"
                item["published_at"] = when.isoformat() + "+07:00"
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
                lines += 1
            if run:  # edits of earlier posts: second versions
                for n in range(0, first, 20):
                    item = dict(base[n % len(base)])
                    when = start + timedelta(hours=n)
                    item |= {
                        "post_id": n + 1,
                        "url": f"https://arrahmahnews.com/{when:%Y/%m/%d}/post-{n + 1}/",
                        "published_at": when.isoformat() + "+07:00",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        lines = make_runs(runs, args.articles, args.runs)
        size = sum(p.stat().st_size for p in runs.glob("*.jsonl")) / 1e6
        floor = baseline(runs)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "arrahmah.cli", "dataset", "build",
             "--runs", str(runs), "--out", str(Path(tmp) / "dataset")],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if result.returncode != 0:
            sys.exit(f"build failed: {result.stderr[-2000:]}")
        print(f"input: {args.articles} articles, {lines} lines, {args.runs} runs, {size:.0f} MB")
        print(result.stdout.strip())
        print(f"build wall time:  {wall:.1f} s")
        print(f"build peak RSS:   {peak_mb:.0f} MB")
        print(f"baseline (read + json.loads every line once): {floor:.1f} s")
        print(f"ratio: {wall / floor:.1f}x the baseline")


if __name__ == "__main__":
    main()
