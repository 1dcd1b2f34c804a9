"""The crawl state: indexed lookups, streaming reads, and state files of earlier versions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from arrahmah import state as state_module
from arrahmah import statedb
from arrahmah.state import CrawlState, utc_sort_key

RUN = "20260101T000000000000Z"

# the schema of state files written before the state had indexes (as of commit 76883fa)
OLD_SCHEMA = """
CREATE TABLE articles (
    post_id INTEGER PRIMARY KEY, path TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'live',
    published_at TEXT, modified_at TEXT, content_hash TEXT, version INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, first_run TEXT, last_run TEXT
);
CREATE TABLE paths (path TEXT PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES articles(post_id));
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY, mode TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL, report TEXT
);
CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pending (
    path TEXT PRIMARY KEY, reason TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE events (
    run_id TEXT NOT NULL, post_id INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT,
    PRIMARY KEY (run_id, post_id, kind)
);
"""


@pytest.fixture
def state(tmp_path: Path) -> Iterator[CrawlState]:
    opened = CrawlState(tmp_path / "state.sqlite3")
    yield opened
    opened.close()


def export(state: CrawlState, post_id: int, modified_at: str | None = None, **kw: str) -> str:
    """Record an export of post ``post_id`` at its usual path (or ``path=``)."""
    return state.record_export(
        kw.get("run_id", RUN),
        post_id,
        kw.get("path", f"/2021/01/01/post-{post_id}/"),
        kw.get("published_at", "2021-01-01T08:00:00+07:00"),
        modified_at,
        f"hash-{post_id}-{modified_at}",
        1,
    )


@contextmanager
def statements(state: CrawlState) -> Iterator[list[str]]:
    """The SQL statements ``state`` runs inside the block, with their values."""
    ran: list[str] = []
    state.db.set_trace_callback(ran.append)
    try:
        yield ran
    finally:
        state.db.set_trace_callback(None)


# ---- live(): streamed in batches --------------------------------------------------------------
def test_live_reads_a_batch_at_a_time_and_sees_writes_made_while_it_iterates(state, monkeypatch):
    monkeypatch.setattr(state_module, "BATCH", 3)
    for post_id in range(1, 11):
        export(state, post_id)
    state.mark_gone(RUN, 2, "404")
    seen = []
    with statements(state) as ran:
        for known in state.live():
            seen.append(known.post_id)
            if known.post_id == 1:
                state.mark_gone(RUN, 9, "404")  # ahead of the walk: no longer live
                state.mark_gone(RUN, 1, "404")  # already read: the walk goes on
                export(state, 42)  # new, after the walk's place: read in its turn
                export(state, 5, path="/2021/01/02/moved/")  # moved: still live
            if known.post_id == 5:
                assert known.path == "/2021/01/02/moved/"
    assert seen == [1, 3, 4, 5, 6, 7, 8, 10, 42]
    reads = [s for s in ran if s.startswith("SELECT") and "FROM articles WHERE status" in s]
    assert len(reads) == 4  # 9 rows, 3 a batch, and the empty read that ends the walk
    assert all("LIMIT 3" in s for s in reads)


def test_live_of_an_empty_state(state):
    assert list(state.live()) == []


# ---- the live count: "did some post go?" without a set of every id ---------------------------
def test_live_count_counts_known_live_posts_and_the_index_posts_the_state_does_not_know(state):
    for post_id in range(1, 7):
        export(state, post_id)
    state.mark_gone(RUN, 5, "404")
    state.mark_gone(RUN, 6, "410")
    export(state, 3, path="/2021/01/02/moved/")  # moved is live

    def reference(index: set[int]) -> int:  # what the spider computed before: a set union
        live = {k.post_id for k in state.live()}
        return len(live | index)

    for index in [set(), {1, 2}, {1, 5}, {7, 8, 9}, {3, 6, 10}, set(range(1, 2000))]:
        assert state.live_count(also=index) == reference(index), index
    assert state.live_count() == 4
    export(state, 5)  # a gone post came back
    assert state.live_count() == 5
    assert state.mark_gone(RUN, 5, "404") and not state.mark_gone(RUN, 5, "404")
    assert state.live_count() == 4
    state.db.execute("DELETE FROM articles WHERE post_id = 1")
    assert state.live_count() == 3


def test_the_live_count_survives_reopening(tmp_path):
    first = CrawlState(tmp_path / "state.sqlite3")
    for post_id in range(1, 4):
        export(first, post_id)
    first.mark_gone(RUN, 2, "404")
    first.close()
    again = CrawlState(tmp_path / "state.sqlite3")
    assert again.live_count() == 2
    assert again.live_count(also=[2, 4]) == 4
    again.close()


# ---- last_modified(): the latest instant, whatever the offset --------------------------------
def test_last_modified_compares_instants_not_strings(state):
    export(state, 1, "2021-11-05T10:00:00+07:00")  # 03:00 UTC, the greatest string
    export(state, 2, "2021-11-05T05:00:00Z")  # the latest instant
    export(state, 3, "2021-11-05T04:30:00+00:00")
    export(state, 4, "2021-11-06")  # a date alone says no time
    export(state, 5, None)
    assert state.last_modified() == "2021-11-05T05:00:00Z"
    export(state, 2, "2021-11-04T12:00:00Z")  # re-exported with an earlier time
    assert state.last_modified() == "2021-11-05T04:30:00+00:00"
    export(state, 6, "2021-11-05T12:30:00+07:00")  # 05:30 UTC
    assert state.last_modified() == "2021-11-05T12:30:00+07:00"


def test_last_modified_of_a_state_without_times(state):
    assert state.last_modified() is None
    export(state, 1, None)
    export(state, 2, "2021-11-06")
    assert state.last_modified() is None


def test_utc_sort_keys_sort_as_time():
    times = [
        "2021-11-05T10:00:00+07:00",
        "2021-11-05T03:00:00.5Z",
        "2021-11-05T04:30:00+00:00",
        "2021-11-04T23:59:59-05:00",
        "2021-11-05T05:00:00",
    ]
    keys = [utc_sort_key(t) for t in times]
    assert len({len(k or "") for k in keys}) == 1  # fixed width
    assert sorted(keys) == [utc_sort_key(t) for t in sorted(times, key=_as_utc)]
    assert utc_sort_key("2021-11-05T10:00:00+07:00") == "2021-11-05T03:00:00.000000"
    for no_time in (None, "", "2021-11-05", "2021-11-05Tnoon"):
        assert utc_sort_key(no_time) is None


def _as_utc(text: str) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


# ---- a state file of the earlier schema ----------------------------------------------------------
def old_state_file(path: Path) -> None:
    """A state file as the state wrote it before its indexes: two runs' worth of posts."""
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    rows = [
        (1, "/a/", "live", "2021-11-05T10:00:00+07:00"),
        (2, "/b/", "live", "2021-11-05T05:00:00Z"),
        (3, "/c/", "gone", "2021-11-05T04:00:00+00:00"),
        (4, "/d/", "moved", "2021-11-05"),
        (5, "/e/", "live", None),
    ]
    for post_id, path, status, modified in rows:
        db.execute(
            "INSERT INTO articles (post_id, path, status, published_at, modified_at, content_hash,"
            " version, first_seen, last_seen, first_run, last_run)"
            " VALUES (?, ?, ?, '2021-11-01', ?, 'h', 1, 'x', 'x', ?, ?)",
            (post_id, path, status, modified, RUN, RUN if post_id < 4 else "r2"),
        )
        db.execute("INSERT INTO paths (path, post_id) VALUES (?, ?)", (path, post_id))
    db.execute("INSERT INTO paths (path, post_id) VALUES ('/d-old/', 4)")
    db.execute("INSERT INTO facts (key, value) VALUES ('rest_query', 'recent')")
    db.commit()
    db.close()


def test_an_old_state_file_is_migrated_and_keeps_what_it_knew(tmp_path):
    path = tmp_path / "state.sqlite3"
    old_state_file(path)
    state = CrawlState(path)
    assert state.db.execute("PRAGMA user_version").fetchone()[0] == len(statedb.MIGRATIONS)
    assert state.last_modified() == "2021-11-05T05:00:00Z"
    assert state.live_count() == 4
    assert [k.post_id for k in state.live()] == [1, 2, 4, 5]
    assert state.former_paths(4) == ["/d-old/"]
    assert state.exported_in("r2") == {4, 5}
    assert state.fact("rest_query") == "recent"
    assert export(state, 6, "2021-11-05T13:00:00+07:00") == "new"  # 06:00 UTC
    assert state.last_modified() == "2021-11-05T13:00:00+07:00"
    state.close()

    again = CrawlState(path)  # opening a migrated file changes nothing
    assert again.live_count() == 5
    assert again.last_modified() == "2021-11-05T13:00:00+07:00"
    again.close()


def test_a_migration_that_fails_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "state.sqlite3"
    old_state_file(path)
    broken = ((*statedb.MIGRATIONS[0][:-1], "CREATE TRIGGER nonsense"),)
    monkeypatch.setattr(statedb, "MIGRATIONS", broken)
    with pytest.raises(sqlite3.OperationalError):
        CrawlState(path)
    db = sqlite3.connect(path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(articles)")]
    assert "modified_utc" not in columns
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()
    monkeypatch.undo()
    state = CrawlState(path)  # and the real migration still applies
    assert state.last_modified() == "2021-11-05T05:00:00Z"
    state.close()


# ---- every per-article operation is an indexed lookup ------------------------------------------
OPERATIONS: dict[str, Callable[[CrawlState], object]] = {
    "by_id": lambda s: s.by_id(7),
    "by_path": lambda s: s.by_path("/2021/01/01/post-7/"),
    "former_paths": lambda s: s.former_paths(7),
    "known_paths": lambda s: s.known_paths(["/2021/01/01/post-7/", "/nope/"]),
    "record_export": lambda s: export(s, 7, "2021-12-01T00:00:00Z", path="/2021/01/01/new-7/"),
    "record_seen": lambda s: s.record_seen(8),
    "mark_gone": lambda s: s.mark_gone(RUN, 9, "404"),
    "add_pending": lambda s: s.add_pending("/x/", "503"),
    "drop_pending": lambda s: s.drop_pending("/x/"),
    "last_modified": lambda s: s.last_modified(),
    "exported_in": lambda s: s.exported_in("r2"),
    "published_since": lambda s: s.published_since("2021-06-01"),
    "revisits_due": lambda s: s.revisits_due("2021-06-01", datetime.now(UTC)),
    "live_count": lambda s: s.live_count(also=[1, 2, 99]),
    "live (one batch)": lambda s: next(s.live()),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_per_article_operation_reads_by_index(state, name):
    for post_id in range(1, 20):
        export(state, post_id, f"2021-11-{post_id:02d}T00:00:00Z", run_id=f"r{post_id % 3}")
    with statements(state) as ran:
        OPERATIONS[name](state)
    queries = [s for s in ran if s.split(" ", 1)[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]
    assert queries
    for query in queries:
        plan = [row[3] for row in state.db.execute(f"EXPLAIN QUERY PLAN {query}")]
        scans = [step for step in plan if step.startswith("SCAN") and "CONSTANT ROW" not in step]
        assert not scans, (query, plan)


def test_batched_per_article_writes_are_committed_a_batch_at_a_time_and_on_close(tmp_path):
    path = tmp_path / "state.sqlite3"
    state = CrawlState(path)
    state.batch_writes(size=3, seconds=3600)
    other = sqlite3.connect(path)  # another reader sees only what was committed
    count = "SELECT COUNT(*) FROM articles"
    export(state, 1)
    export(state, 2)
    assert state.by_id(2) is not None  # the crawl itself reads its own writes at once
    assert other.execute(count).fetchone()[0] == 0
    export(state, 3)  # the third: the batch is committed
    assert other.execute(count).fetchone()[0] == 3
    export(state, 4)
    state.close()
    assert other.execute(count).fetchone()[0] == 4


def test_a_batch_that_fails_is_rolled_back_whole_as_a_kill_would_lose_it(tmp_path):
    state = CrawlState(tmp_path / "state.sqlite3")
    state.batch_writes(size=100, seconds=3600)
    export(state, 1)
    state.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.post_id = 2"
                     " BEGIN SELECT RAISE(ABORT, 'disk full'); END")  # fmt: skip
    with pytest.raises(sqlite3.IntegrityError):
        export(state, 2)
    assert state.by_id(1) is None and state.by_id(2) is None
    state.close()


def test_a_revisit_is_due_when_the_time_since_the_last_fetch_reaches_the_age_then(state):
    published = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    export(state, 1, published_at=published.isoformat())
    export(state, 2, published_at=published.isoformat())
    export(state, 3, published_at="2026-01-10")  # a date alone: counted from its start
    for post_id, seen in ((1, "2026-01-10T09:00:00+00:00"), (2, "2026-01-12T08:00:00+00:00"),
                          (3, "2026-01-10T12:00:00+00:00")):  # fmt: skip
        state.db.execute("UPDATE articles SET last_seen = ? WHERE post_id = ?", (seen, post_id))

    def due(after: timedelta, factor: float = 1.0) -> list[int]:
        found = state.revisits_due("2026-01-03", published + after, factor)
        return [k.post_id for k in found]

    assert due(timedelta(hours=1, minutes=59)) == []
    assert due(timedelta(hours=2)) == [1]  # fetched at 1 h of age: due 1 h later
    assert due(timedelta(hours=16)) == [1, 3]  # fetched at 12 h of age: due 12 h later
    assert due(timedelta(days=3, hours=23)) == [1, 3]
    assert due(timedelta(days=4)) == [1, 2, 3]  # fetched at 2 days of age: due 2 days later
    assert due(timedelta(minutes=5), factor=0) == [1, 2, 3]
    assert state.revisits_due("2026-01-11", published + timedelta(days=9)) == []
