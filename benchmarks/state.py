"""How the crawl state's per-article operations scale from 10,000 to 1,000,000 known posts.

    python benchmarks/state.py [--sizes 10000,100000,1000000] [--calls 2000]

For each size, builds a state of that many synthetic posts in a temporary directory (bulk
inserted, indexes built after), then times each operation a crawl makes per article (random
posts, best of 3 rounds of ``--calls`` calls) and prints the time per call. The baseline is the
same operation on the smallest state, measured in the same run: the ratio column is the time at
the largest size over the time at the smallest (goal: at most 2); the last, the same ratio of
CPU time (a write's wall time also holds the disk's work on scattered pages). Last, in child
processes on the largest state, the peak memory growth of iterating ``live()`` over every row
against the baseline of reading those rows at once (as ``live()`` did before it streamed).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from arrahmah.state import CrawlState, Known, utc_sort_key  # noqa: E402

START = datetime(2006, 1, 1, 8, 0)
SPACING = timedelta(minutes=10)  # one post every 10 minutes: 1,000,000 posts span 19 years
RUN_SIZE = 1000  # posts each synthetic run exported
ROUNDS = 3
ROUND_SECONDS = 0.3


def post_path(post_id: int) -> str:
    return f"/{START + post_id * SPACING:%Y/%m/%d}/post-{post_id}/"


def article_rows(posts: int) -> Iterator[tuple]:
    """One row per post: one in 50 gone; modification times in the site's offset or UTC."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for post_id in range(1, posts + 1):
        published = START + post_id * SPACING
        modified = published + timedelta(hours=post_id % 48)
        modified_at = (
            f"{modified:%Y-%m-%dT%H:%M:%S}+07:00"
            if post_id % 2
            else f"{modified - timedelta(hours=7):%Y-%m-%dT%H:%M:%S}Z"
        )
        run = f"run-{post_id // RUN_SIZE:06d}"
        yield (
            post_id, post_path(post_id), "gone" if post_id % 50 == 0 else "live",
            f"{published:%Y-%m-%dT%H:%M:%S}+07:00", modified_at, utc_sort_key(modified_at),
            f"{post_id:064x}", 1, now, now, run, run,
        )  # fmt: skip


def path_rows(posts: int) -> Iterator[tuple[str, int]]:
    """Every post's path; one post in ten also has a former one."""
    for post_id in range(1, posts + 1):
        yield post_path(post_id), post_id
        if post_id % 10 == 0:
            yield f"/2005/01/01/old-{post_id}/", post_id


def build(path: Path, posts: int) -> float:
    """A state file of ``posts`` posts; returns the seconds it took."""
    started = time.perf_counter()
    CrawlState(path).close()  # the schema, as the crawl makes it
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA synchronous=OFF")
    indexes = db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql NOT NULL")
    for (name,) in indexes.fetchall():
        db.execute(f"DROP INDEX {name}")  # built again, faster, when the state opens it
    with db:
        db.executemany(
            "INSERT INTO articles (post_id, path, status, published_at, modified_at,"
            " modified_utc, content_hash, version, first_seen, last_seen, first_run, last_run)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            article_rows(posts),
        )
        db.executemany("INSERT INTO paths (path, post_id) VALUES (?, ?)", path_rows(posts))
    db.close()
    CrawlState(path).close()
    return time.perf_counter() - started


def operations(state: CrawlState, posts: int, calls: int) -> dict[str, Callable[[int], object]]:
    """Each operation, as a function of the call's number (which picks its post)."""
    rng = random.Random(posts)
    total = calls * ROUNDS
    ids = [rng.randint(1, posts) for _ in range(total)]
    live = [i for i in rng.sample(range(1, posts + 1), min(posts, total * 2)) if i % 50][:total]
    last_week = (START + (posts - 7 * 24 * 6) * SPACING).date().isoformat()
    run = f"run-{posts // RUN_SIZE // 2:06d}"

    def batch(n: int, size: int) -> list[int]:
        return [ids[(n + k) % total] for k in range(size)]

    def export(n: int) -> str:
        post_id = ids[n]
        return state.record_export(
            "bench", post_id, post_path(post_id), None, f"2030-01-01T00:{n % 60:02d}:00Z",
            f"{n:064x}", 2,
        )  # fmt: skip

    def pending(n: int) -> None:
        state.add_pending(post_path(ids[n]), "503 Service Unavailable")
        state.drop_pending(post_path(ids[n]))

    return {
        "by_id": lambda n: state.by_id(ids[n]),
        "by_path": lambda n: state.by_path(post_path(ids[n])),
        "former_paths": lambda n: state.former_paths(ids[n]),
        "known_paths (10 paths)": lambda n: state.known_paths(map(post_path, batch(n, 10))),
        "last_modified": lambda n: state.last_modified(),
        "live_count (+100 index ids)": lambda n: state.live_count(also=batch(n, 100)),
        "live() first batch (500)": lambda n: next(state.live()),
        "exported_in (1000 of a run)": lambda n: state.exported_in(run),
        "published_since (7 days)": lambda n: state.published_since(last_week),
        "record_export": export,
        "record_seen": lambda n: state.record_seen(ids[n]),
        "mark_gone": lambda n: state.mark_gone("bench", live[n], "404"),
        "add_pending + drop_pending": pending,
    }


def time_operations(path: Path, posts: int, calls: int) -> dict[str, tuple[float, float]]:
    """Seconds per call of each operation: the best of ``ROUNDS`` rounds of ``calls`` calls
    (or of as many as ``ROUND_SECONDS`` allow, for the operations that read many rows). A write
    is timed as the crawl meets it: in SQLite's WAL and the page cache; the kernel puts it on
    disk later, and each round starts with the disk synced. Returns wall and CPU seconds."""
    state = CrawlState(path)
    timings = {}
    for name, operation in operations(state, posts, calls).items():
        best = (float("inf"), float("inf"))
        for round_ in range(ROUNDS):
            os.sync()  # the writeback of the last round's writes must not land on this one
            n = first = round_ * calls
            cpu = time.process_time()
            started = now = time.perf_counter()
            while n < first + calls and (n - first < 20 or now - started < ROUND_SECONDS):
                operation(n)
                n += 1
                now = time.perf_counter()
            cpu = time.process_time() - cpu
            best = min(best, ((now - started) / (n - first), cpu / (n - first)))
        timings[name] = best
    state.close()
    return timings


def resident_kib() -> int:
    """This process's resident memory now (Linux), else its peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def read_every_live_row(path: Path, how: str) -> None:
    """Child process: read every live row ``how`` (streamed, or all at once); print how far
    its peak RSS rose above its RSS before (KiB), the rows and the seconds."""
    state = CrawlState(path)
    state.by_id(1)
    before = resident_kib()
    started = time.perf_counter()
    if how == "streamed":
        rows = sum(1 for _ in state.live())
    else:
        every = state.db.execute(
            f"SELECT {state._COLUMNS} FROM articles WHERE status != 'gone' ORDER BY post_id"
        ).fetchall()
        rows = len([Known(*row) for row in every])
    seconds = time.perf_counter() - started
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(grown, rows, seconds)


def live_memory(path: Path, how: str) -> tuple[float, int, float]:
    """Peak RSS growth (MB), rows and seconds of reading every live row ``how``."""
    child = subprocess.run(
        [sys.executable, __file__, "--child", how, str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    grown, rows, seconds = child.stdout.split()
    return int(grown) / 1024, int(rows), float(seconds)


def short(posts: int) -> str:
    """1000000 as "1M", 10000 as "10k"."""
    for unit, size in (("M", 1_000_000), ("k", 1000)):
        if posts >= size and posts % size == 0:
            return f"{posts // size}{unit}"
    return str(posts)


def per_call(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--child", nargs=2, metavar=("HOW", "STATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        read_every_live_row(Path(args.child[1]), args.child[0])
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"state-{size}.sqlite3"
            built = build(path, size)
            mb = path.stat().st_size / 1e6
            print(f"state of {size:,} posts: built in {built:.1f} s, {mb:.0f} MB", flush=True)
            results[size] = time_operations(path, size, args.calls)
            if size != sizes[-1]:
                path.unlink()
        streamed = live_memory(path, "streamed")
        at_once = live_memory(path, "at_once")

    smallest, largest = sizes[0], sizes[-1]
    heads = [f"{size:,} posts" for size in sizes]
    ratio = f"{short(largest)}/{short(smallest)}"
    print(f"\n{'operation (time per call)':<30}" + "".join(f"{h:>16}" for h in heads), end="")
    print(f"{ratio:>12}{'CPU ' + ratio:>16}")
    for name in results[smallest]:
        cells = "".join(f"{per_call(results[size][name][0]):>16}" for size in sizes)
        wall, cpu = (results[largest][name][k] / results[smallest][name][k] for k in (0, 1))
        print(f"{name:<30}{cells}{wall:>11.2f}x{cpu:>15.2f}x")
    print(f"\nevery live row of {largest:,} posts ({streamed[1]:,} rows):")
    print(f"  live(), streamed:        +{streamed[0]:6.1f} MB peak RSS, {streamed[2]:.1f} s")
    print(f"  baseline, all at once:   +{at_once[0]:6.1f} MB peak RSS, {at_once[2]:.1f} s")
    print(f"  ratio: {streamed[0] / at_once[0]:.3f}x the baseline's memory")


if __name__ == "__main__":
    main()
