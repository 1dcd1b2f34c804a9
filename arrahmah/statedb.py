"""The state database's file format: its tables, the migrations of older files, its indexes.

`arrahmah.state.CrawlState` asks the questions; this module says how the answers are stored.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    post_id        INTEGER PRIMARY KEY,
    path           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'live',   -- live | gone | moved (live at a new path)
    published_at   TEXT,
    modified_at    TEXT,                           -- as last exported
    content_hash   TEXT,                           -- as last exported
    version        INTEGER NOT NULL DEFAULT 0,     -- last exported version (0: never)
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    first_run      TEXT,                           -- the run that exported version 1
    last_run       TEXT                            -- the run that exported the last version
);
CREATE TABLE IF NOT EXISTS paths (
    path           TEXT PRIMARY KEY,
    post_id        INTEGER NOT NULL REFERENCES articles(post_id)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id         TEXT PRIMARY KEY,
    mode           TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    status         TEXT NOT NULL,                  -- running | finished | failed
    report         TEXT
);
CREATE TABLE IF NOT EXISTS facts (
    key            TEXT PRIMARY KEY,               -- what crawls learnt of the site
    value          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    path           TEXT PRIMARY KEY,               -- an article a run failed to fetch
    reason         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS given_up (
    path           TEXT PRIMARY KEY,               -- failed too many runs: not retried
    reason         TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    run_id         TEXT NOT NULL,
    post_id        INTEGER NOT NULL,
    kind           TEXT NOT NULL,                  -- new | changed | moved | gone
    detail         TEXT,
    PRIMARY KEY (run_id, post_id, kind)
);
"""

# Schema changes since SCHEMA above, in order; ``PRAGMA user_version`` counts those applied.
# Each runs in one transaction with the version bump: a state file is at one version or the next.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # modified_at as a fixed-width UTC time, so that the latest sorts last whatever the offset
        "ALTER TABLE articles ADD COLUMN modified_utc TEXT",
        "UPDATE articles SET modified_utc = utc_sort_key(modified_at)",
        # the live count, kept by triggers, so that no run counts every row
        "CREATE TABLE tallies (name TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        "INSERT INTO tallies (name, n)"
        " SELECT 'live', COUNT(*) FROM articles WHERE status != 'gone'",
        "CREATE TRIGGER articles_live_insert AFTER INSERT ON articles WHEN NEW.status != 'gone'"
        " BEGIN UPDATE tallies SET n = n + 1 WHERE name = 'live'; END",
        "CREATE TRIGGER articles_live_delete AFTER DELETE ON articles WHEN OLD.status != 'gone'"
        " BEGIN UPDATE tallies SET n = n - 1 WHERE name = 'live'; END",
        "CREATE TRIGGER articles_live_update AFTER UPDATE OF status ON articles"
        " WHEN (OLD.status != 'gone') != (NEW.status != 'gone')"
        " BEGIN UPDATE tallies SET n = n + (NEW.status != 'gone') - (OLD.status != 'gone')"
        " WHERE name = 'live'; END",
    ),
)

INDEXES = """
CREATE INDEX IF NOT EXISTS paths_post ON paths (post_id);
CREATE INDEX IF NOT EXISTS articles_modified ON articles (modified_utc);
CREATE INDEX IF NOT EXISTS articles_last_run ON articles (last_run);
CREATE INDEX IF NOT EXISTS articles_published ON articles (substr(published_at, 1, 10));
CREATE INDEX IF NOT EXISTS articles_inexact ON articles (post_id)
    WHERE length(published_at) = 10 OR modified_at IS NULL;
"""


def utc_sort_key(modified_at: str | None) -> str | None:
    """``modified_at`` (ISO 8601, any offset) as a fixed-width UTC time that sorts as time:
    ``2020-10-09T03:47:00.000000``. None for a date alone or no time; a time without an
    offset counts as UTC."""
    if not modified_at or len(modified_at) < 11 or modified_at[10] != "T":
        return None
    try:
        moment = datetime.fromisoformat(modified_at)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def migrate(db: sqlite3.Connection) -> None:
    """Bring a state file of an earlier version (or a new one) to the current schema."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= len(MIGRATIONS):
        return
    db.create_function("utc_sort_key", 1, utc_sort_key, deterministic=True)
    db.execute("BEGIN IMMEDIATE")  # one writer migrates; another waits, then skips
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for steps in MIGRATIONS[version:]:
            for statement in steps:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    except BaseException:
        db.rollback()
        raise
    db.commit()


def connect(path: Path) -> sqlite3.Connection:
    """The state database at ``path``, created or migrated to the current schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # `with db:` is one transaction: committed whole, or rolled back on an error
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    migrate(db)
    db.executescript(INDEXES)
    return db
