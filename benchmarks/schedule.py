"""What an hourly schedule costs the site, in requests a day, with and without the REST API.

    python benchmarks/schedule.py [--per-day 30] [--edits-per-day 5] [--days 7]

A model of a site publishing ``--per-day`` articles a day between 06:00 and 22:00 (site time),
``--edits-per-day`` of them edited 3 hours to 3 days after publication, crawled every hour for
``--days`` days after two weeks of history. What each run asks for is the crawl's pattern
(tests/test_scheduled.py bounds it): robots.txt, the index (one page of the REST index's
most recent modifications; or the RSS feed), page 1 of the home listing, each new article;
with the REST API each edited one; without it, the revisits of the articles of the last
``ARRAHMAH_REVISIT_DAYS``, chosen by the crawl state's own `CrawlState.revisits_due` on a
real state file. Printed: requests a day with the REST API, and without it for the old rule
(every article of the window, every run: factor 0) and the new one (ARRAHMAH_REVISIT_FACTOR,
and no revisits while the feed is unchanged), with their ratios; and how late an edit is seen.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from arrahmah import settings  # noqa: E402
from arrahmah.state import CrawlState  # noqa: E402

SITE_TIME = timedelta(hours=7)
START = datetime(2026, 1, 1, tzinfo=UTC)  # the history starts here
HISTORY_DAYS = 14
FIXED_PER_RUN = 3  # robots.txt, the index page or the feed, page 1 of the home listing
EDIT_AGES = (3, 12, 30, 72)  # hours after publication an edit comes


def publications(per_day: int, days: int) -> list[datetime]:
    """Publication times: ``per_day`` a day, evenly between 06:00 and 22:00 site time."""
    out = []
    for day in range(days):
        morning = START + timedelta(days=day, hours=6) - SITE_TIME
        out += [morning + timedelta(hours=16) * n / per_day for n in range(per_day)]
    return out


def simulate(factor: float | None, per_day: int, edits_per_day: int, days: int) -> dict:
    """Requests per run over ``days`` days of hourly runs. ``factor`` None: the REST API
    (edits are known from the index); else revisits with that factor, and (for a factor
    above 0) none in a run whose feed is unchanged."""
    published = publications(per_day, HISTORY_DAYS + days)
    stride = max(1, per_day // max(1, edits_per_day))
    first_run = START + timedelta(days=HISTORY_DAYS)
    edits = {  # 3 hours, 12 hours, 30 hours or 3 days after publication, in turn
        n: published[n] + timedelta(hours=EDIT_AGES[i % len(EDIT_AGES)])
        for i, n in enumerate(range(0, len(published), stride))
    }
    edits = {n: at for n, at in edits.items() if at > first_run}  # while the schedule runs
    window = settings.ARRAHMAH_REVISIT_DAYS
    with tempfile.TemporaryDirectory() as tmp:
        state = CrawlState(Path(tmp) / "state.sqlite3")
        seen_at: dict[int, datetime] = {}  # when a run last fetched each article
        exported_edit: set[int] = set()
        requests, late = [], []
        last_run = first_run - timedelta(hours=1)
        for hour in range(24 * days):
            now = first_run + timedelta(hours=hour)
            fetched: list[int] = []
            new = [n for n, at in enumerate(published) if last_run < at <= now or (
                hour == 0 and at <= now)]  # fmt: skip
            changed = any(last_run < at <= now for at in [*published, *edits.values()])
            fetched += new
            if factor is None:
                fetched += [n for n, at in edits.items() if last_run < at <= now]
            elif factor <= 0 or changed:  # the feed answers 304 when nothing changed
                since = (now - timedelta(days=window)).date().isoformat()
                fetched += [k.post_id - 1 for k in state.revisits_due(since, now, factor)]
            for n in dict.fromkeys(fetched):
                if n not in seen_at:
                    state.record_export("run", n + 1, f"/p/{n}/", published[n].isoformat(),
                                        None, "h", 1)  # fmt: skip
                seen_at[n] = now
                state.db.execute("UPDATE articles SET last_seen = ? WHERE post_id = ?",
                                 (now.isoformat(), n + 1))  # fmt: skip
                if n in edits and edits[n] <= now and n not in exported_edit:
                    exported_edit.add(n)
                    late.append((now - edits[n]).total_seconds() / 3600)
            if hour >= 24:  # the first day fills the state: counted from the second
                requests.append(FIXED_PER_RUN + len(dict.fromkeys(fetched)))
            last_run = now
        state.close()
    missed = sum(1 for n, at in edits.items() if at < last_run and n not in exported_edit)
    return {"per_day": sum(requests) / (len(requests) / 24), "late": late, "missed": missed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=30, help="articles published a day")
    parser.add_argument("--edits-per-day", type=int, default=5)
    parser.add_argument("--days", type=int, default=7, help="days of hourly runs simulated")
    args = parser.parse_args()
    factor = settings.ARRAHMAH_REVISIT_FACTOR
    rows = {
        "REST API": simulate(None, args.per_day, args.edits_per_day, args.days),
        "no REST API, before (every article of the window, every run)": simulate(
            0, args.per_day, args.edits_per_day, args.days
        ),
        f"no REST API, now (factor {factor:g}, the feed's 304)": simulate(
            factor, args.per_day, args.edits_per_day, args.days
        ),
    }
    before = rows["no REST API, before (every article of the window, every run)"]["per_day"]
    print(
        f"hourly runs, {args.per_day} articles a day (06:00-22:00), {args.edits_per_day} edits"
        f" a day, revisit window {settings.ARRAHMAH_REVISIT_DAYS} days"
    )
    for name, row in rows.items():
        late = row["late"]
        seen = (
            f"edits seen after {statistics.median(late):.1f} h (median), {max(late):.1f} h (max)"
            if late
            else "no edit seen"
        )
        print(
            f"  {name}: {row['per_day']:,.0f} requests/day ({row['per_day'] / before:.3f} of"
            f" before); {seen}; {row['missed']} edits not seen yet at the end"
        )


if __name__ == "__main__":
    main()
