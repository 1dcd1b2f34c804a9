"""What scheduled crawls remember between runs: one SQLite file in the data directory.

Per article: its post id, current path and former paths, first/last seen, the REST API's
modification time, the content hash and version last exported, and its status (live, gone,
moved). Per run: its id, mode, times and status, so an unfinished run can be resumed.
Paths are stored relative to the site's base URL, so the state survives a change of mirror.

Every write is one transaction, except that a crawl commits its per-article writes a batch at a
time (`CrawlState.batch_writes`); a killed run leaves the file consistent (SQLite's journal),
and what a lost batch held is recorded again from the run file when the run resumes.
Every per-article operation is an indexed lookup, and nothing reads all rows into memory: a
state of a million posts answers about as fast as one of ten thousand (``benchmarks/state.py``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from arrahmah import statedb
from arrahmah.statedb import utc_sort_key

BATCH = 500  # rows (or ids) per query where an operation reads many


def _revisit_due(published_at: str | None, last_seen: str, now: datetime, factor: float) -> bool:
    """See `CrawlState.revisits_due` (a date without a time counts from its start, UTC)."""
    try:
        published = datetime.fromisoformat(published_at or "")
        seen = datetime.fromisoformat(last_seen)
    except ValueError:
        return True
    published = published if published.tzinfo else published.replace(tzinfo=UTC)
    seen = seen if seen.tzinfo else seen.replace(tzinfo=UTC)
    return now - seen >= factor * max(seen - published, timedelta(0))


def _chunks(values: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Known:
    """What the state knows of one article."""

    post_id: int
    path: str
    status: str
    published_at: str | None
    modified_at: str | None
    content_hash: str | None
    version: int
    last_run: str | None


@dataclass(frozen=True)
class Run:
    """One crawl run: a new one, or an unfinished one being resumed."""

    run_id: str
    mode: str
    started_at: str
    resumed: bool


class CrawlState:
    """The state database of one data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = statedb.connect(path)  # `with self.db:` is one transaction
        self._batch_size = 0  # > 0: per-article writes are committed that many at a time
        self._batch_seconds = 0.0
        self._batched = 0
        self._batch_deadline = 0.0

    def batch_writes(self, size: int = 200, seconds: float = 2.0) -> None:
        """Commit the per-article writes (`record_export`, `record_seen`, `drop_pending`)
        ``size`` at a time, or ``seconds`` after the first of a batch: a commit per article
        writes every page it touched to the journal again. A process killed before a batch's
        commit loses the batch as if killed before those writes: the crawl writes its run file
        first and records what the file holds and the state does not when the run resumes."""
        self._batch_size, self._batch_seconds = size, seconds

    @contextmanager
    def _per_article(self) -> Iterator[None]:
        """One per-article write: a transaction of its own, or part of the current batch."""
        if self._batch_size <= 0:
            with self.db:
                yield
            return
        try:
            yield
        except BaseException:
            self.db.rollback()  # the whole batch, as a kill would
            self._batched = 0
            raise
        if self._batched == 0:
            self._batch_deadline = time.monotonic() + self._batch_seconds
        self._batched += 1
        if self._batched >= self._batch_size or time.monotonic() >= self._batch_deadline:
            self.commit()

    def commit(self) -> None:
        """Commit the writes of the current batch, if any."""
        self.db.commit()
        self._batched = 0

    def close(self) -> None:
        """Commit the current batch and close the database file (a batch that cannot be
        committed is lost as by a kill)."""
        try:
            self.commit()
        except sqlite3.Error:
            self.db.rollback()
        finally:
            self.db.close()

    # ---- runs -------------------------------------------------------------------------------
    def unfinished_run(self, modes: tuple[str, ...] = ("full", "incremental")) -> Run | None:
        """The last crawl run (of ``modes``) if it never finished (killed, interrupted)."""
        marks = ",".join("?" * len(modes))
        row = self.db.execute(
            "SELECT run_id, mode, started_at FROM runs WHERE status = 'running'"
            f" AND mode IN ({marks}) ORDER BY started_at DESC LIMIT 1",
            modes,
        ).fetchone()
        return Run(row[0], row[1], row[2], resumed=True) if row else None

    def has_finished(self, mode: str) -> bool:
        """True once a run of ``mode`` finished cleanly."""
        row = self.db.execute(
            "SELECT 1 FROM runs WHERE status = 'finished' AND mode = ? LIMIT 1", (mode,)
        ).fetchone()
        return row is not None

    def begin_run(self, mode: str) -> Run:
        """Start a new run in ``mode`` (its id is its UTC start time)."""
        started = datetime.now(UTC)
        run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
        with self.db:
            self.db.execute(
                "INSERT INTO runs (run_id, mode, started_at, status) VALUES (?, ?, ?, 'running')",
                (run_id, mode, started.isoformat(timespec="seconds")),
            )
        return Run(run_id, mode, started.isoformat(timespec="seconds"), resumed=False)

    def finish_run(self, run_id: str, status: str, report: dict[str, Any]) -> None:
        """Close a run with ``status`` (finished/failed) and its report."""
        with self.db:
            self.db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, report = ? WHERE run_id = ?",
                (status, _now(), json.dumps(report, ensure_ascii=False), run_id),
            )

    # ---- facts about the site ---------------------------------------------------------------
    def fact(self, key: str) -> str | None:
        """What an earlier run learnt about the site (e.g. which REST query it answers)."""
        row = self.db.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def learn(self, key: str, value: str) -> None:
        """Remember a fact about the site for later runs."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO facts (key, value) VALUES (?, ?)", (key, value))

    # ---- articles --------------------------------------------------------------------------
    def _known(self, row: tuple | None) -> Known | None:
        return Known(*row) if row else None

    _COLUMNS = "post_id, path, status, published_at, modified_at, content_hash, version, last_run"

    def by_id(self, post_id: int) -> Known | None:
        """The article with ``post_id``, if known."""
        row = self.db.execute(
            f"SELECT {self._COLUMNS} FROM articles WHERE post_id = ?", (post_id,)
        ).fetchone()
        return self._known(row)

    def by_path(self, path: str) -> Known | None:
        """The article at ``path`` now or formerly, if known."""
        row = self.db.execute(
            f"SELECT {self._COLUMNS} FROM articles WHERE post_id ="
            " (SELECT post_id FROM paths WHERE path = ?)",
            (path,),
        ).fetchone()
        return self._known(row)

    def last_modified(self) -> str | None:
        """The latest modification time any exported article carried (ISO 8601, as the site
        gave it: its own offset)."""
        row = self.db.execute(
            "SELECT modified_at FROM articles WHERE modified_utc ="
            " (SELECT max(modified_utc) FROM articles) LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def add_pending(self, path: str, reason: str) -> None:
        """An article a run could not fetch (server errors, timeouts): later runs try again."""
        with self.db:
            self.db.execute(
                "INSERT INTO pending (path, reason)"
                " SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM given_up WHERE path = ?)"
                " ON CONFLICT(path) DO UPDATE SET reason = excluded.reason,"
                " attempts = attempts + 1",
                (path, reason, path),
            )

    def pending(self) -> list[str]:
        """Paths of articles earlier runs failed to fetch."""
        return [row[0] for row in self.db.execute("SELECT path FROM pending ORDER BY path")]

    _INEXACT = "(length(published_at) = 10 OR modified_at IS NULL)"

    def inexact_count(self) -> int:
        """How many live articles carry a date-only publication or no modification time."""
        return int(
            self.db.execute(
                f"SELECT COUNT(*) FROM articles WHERE {self._INEXACT} AND status != 'gone'"
            ).fetchone()[0]
        )

    def inexact(self) -> Iterator[Known]:
        """The live articles `inexact_count` counts, streamed in batches by post id."""
        return self._live_where(self._INEXACT)

    def correct_times(self, post_id: int, published_at: str, modified_at: str | None) -> None:
        """The exact times of a post exported with date-only ones (not a new version)."""
        with self.db:
            self.db.execute(
                "UPDATE articles SET published_at = ?, modified_at = ?, modified_utc = ?"
                " WHERE post_id = ?",
                (published_at, modified_at, utc_sort_key(modified_at), post_id),
            )

    def give_up(self, runs: int) -> list[tuple[str, str]]:
        """Give up the articles ``runs`` runs failed to fetch: ``(path, last reason)`` of each.
        Incremental runs no longer ask for them; a full walk that reaches one tries again."""
        with self.db:
            rows = self.db.execute(
                "SELECT path, reason FROM pending WHERE attempts >= ? ORDER BY path", (runs,)
            ).fetchall()
            self.db.executemany(
                "INSERT OR REPLACE INTO given_up (path, reason, at) VALUES (?, ?, ?)",
                [(path, reason, _now()) for path, reason in rows],
            )
            self.db.execute("DELETE FROM pending WHERE attempts >= ?", (runs,))
        return [(path, reason) for path, reason in rows]

    def given_up_paths(self) -> set[str]:
        """Paths of the articles given up (see `give_up`)."""
        return {row[0] for row in self.db.execute("SELECT path FROM given_up")}

    def drop_pending(self, path: str) -> None:
        """The article at ``path`` needs no retry (fetched, or gone for good). Batched as a
        per-article write: lost to a kill, it costs one more attempt later, nothing else."""
        with self._per_article():
            self.db.execute("DELETE FROM pending WHERE path = ?", (path,))

    def live_count(self, also: Iterable[int] = ()) -> int:
        """How many posts are live: those the state knows not gone, plus those of ``also``
        it does not (new to it, or gone). One indexed lookup per id of ``also``."""
        count = self.db.execute("SELECT n FROM tallies WHERE name = 'live'").fetchone()[0]
        others = list(set(also))
        count += len(others)
        for chunk in _chunks(others):
            marks = ",".join("?" * len(chunk))
            count -= self.db.execute(
                f"SELECT COUNT(*) FROM articles WHERE post_id IN ({marks}) AND status != 'gone'",
                chunk,
            ).fetchone()[0]
        return count

    def live(self) -> Iterator[Known]:
        """Every article not marked gone, by post id (see `_live_where`)."""
        return self._live_where()

    def _live_where(self, condition: str | None = None) -> Iterator[Known]:
        """The articles not marked gone that meet the SQL ``condition``, by post id, read
        ``BATCH`` at a time: no query stays open between batches, so the caller may write to
        the state while it iterates (each article is as its batch found it)."""
        where = "status != 'gone'" + (f" AND ({condition})" if condition else "")
        after = -(2**63)
        while True:
            rows = self.db.execute(
                f"SELECT {self._COLUMNS} FROM articles WHERE {where}"
                " AND post_id > ? ORDER BY post_id LIMIT ?",
                (after, BATCH),
            ).fetchall()
            for row in rows:
                yield Known(*row)
            if len(rows) < BATCH:
                return
            after = rows[-1][0]

    def published_since(self, since: str) -> list[Known]:
        """Live articles published on or after ``since`` (ISO date or time)."""
        return [known for known, _ in self._published_since(since)]

    def _published_since(self, since: str) -> list[tuple[Known, str]]:
        # "+post_id": sort what the date index finds, rather than walk every row in id order
        rows = self.db.execute(
            f"SELECT {self._COLUMNS}, last_seen FROM articles WHERE status != 'gone'"
            " AND substr(published_at, 1, 10) >= substr(?, 1, 10) ORDER BY +post_id",
            (since,),
        ).fetchall()
        return [(Known(*row[:-1]), row[-1]) for row in rows]

    def revisits_due(self, since: str, now: datetime, factor: float = 1.0) -> list[Known]:
        """The articles `published_since` ``since`` that are due to be fetched again: the time
        since a crawl last fetched one is at least ``factor`` times the article's age then.
        With 1, an article fetched an hour after it was published is fetched again an hour
        later, then at about 4, 8, 16 hours… of age: editors correct a new article soon, an
        old one seldom. ``factor`` 0: all of them, every time."""
        return [
            known
            for known, last_seen in self._published_since(since)
            if factor <= 0 or _revisit_due(known.published_at, last_seen, now, factor)
        ]

    def record_export(
        self,
        run_id: str,
        post_id: int,
        path: str,
        published_at: str | None,
        modified_at: str | None,
        content_hash: str,
        version: int,
    ) -> str:
        """Record that ``run_id`` exported ``version`` of a post: returns new, changed or moved."""
        now = _now()
        with self._per_article():
            old = self.by_id(post_id)
            kind = "new" if old is None else ("moved" if old.path != path else "changed")
            if old is None:
                self.db.execute(
                    "INSERT INTO articles (post_id, path, status, published_at, modified_at,"
                    " modified_utc, content_hash, version, first_seen, last_seen, first_run,"
                    " last_run) VALUES (?, ?, 'live', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (post_id, path, published_at, modified_at, utc_sort_key(modified_at),
                     content_hash, version, now, now, run_id, run_id),
                )  # fmt: skip
            else:
                self.db.execute(
                    "UPDATE articles SET path = ?, status = ?, published_at = ?, modified_at = ?,"
                    " modified_utc = ?, content_hash = ?, version = ?, last_seen = ?,"
                    " last_run = ? WHERE post_id = ?",
                    (path, "moved" if kind == "moved" else "live", published_at, modified_at,
                     utc_sort_key(modified_at), content_hash, version, now, run_id, post_id),
                )  # fmt: skip
            # an upsert, not a replace: a path already the post's is not written again
            self.db.execute(
                "INSERT INTO paths (path, post_id) VALUES (?, ?) ON CONFLICT (path)"
                " DO UPDATE SET post_id = excluded.post_id WHERE post_id != excluded.post_id",
                (path, post_id),
            )
            self.db.execute("DELETE FROM pending WHERE path = ?", (path,))
            self.db.execute("DELETE FROM given_up WHERE path = ?", (path,))
            moved_from = old.path if old is not None and kind == "moved" else None
            detail = json.dumps({"from": moved_from, "to": path}) if moved_from else None
            self.db.execute(
                "INSERT OR REPLACE INTO events (run_id, post_id, kind, detail) VALUES (?, ?, ?, ?)",
                (run_id, post_id, kind, detail),
            )
        return kind

    def record_reextract(self, rows: Iterable[tuple[int, int, str]]) -> int:
        """A re-extraction gave these ``(post_id, version, content_hash)``: where ``version`` is
        the post's current one, later crawls compare against the new hash (a rule change is no
        change of the site's). Returns how many posts took it; one transaction."""
        with self.db:
            cur = self.db.executemany(
                "UPDATE articles SET content_hash = ? WHERE post_id = ? AND version = ?",
                [(content_hash, post_id, version) for post_id, version, content_hash in rows],
            )
        return cur.rowcount

    def record_seen(self, post_id: int) -> None:
        """The article was seen unchanged."""
        with self._per_article():
            self.db.execute(
                "UPDATE articles SET last_seen = ? WHERE post_id = ?", (_now(), post_id)
            )

    def mark_gone(self, run_id: str, post_id: int, detail: str) -> bool:
        """Mark a post gone (its URL answers 404/410); False if it already was."""
        with self.db:
            cur = self.db.execute(
                "UPDATE articles SET status = 'gone', last_seen = ? WHERE post_id = ?"
                " AND status != 'gone'",
                (_now(), post_id),
            )
            if cur.rowcount:
                self.db.execute(
                    "INSERT OR REPLACE INTO events (run_id, post_id, kind, detail)"
                    " VALUES (?, ?, 'gone', ?)",
                    (run_id, post_id, detail),
                )
        return bool(cur.rowcount)

    def events(self, run_id: str, kinds: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """What a run found: new, changed, moved and gone posts (those of ``kinds`` only)."""
        marks = ",".join("?" * len(kinds)) if kinds is not None else ""
        where = f" AND kind IN ({marks})" if kinds is not None else ""
        rows = self.db.execute(
            f"SELECT post_id, kind, detail FROM events WHERE run_id = ?{where}"
            " ORDER BY kind, post_id",
            (run_id, *(kinds or ())),
        ).fetchall()
        return [{"post_id": p, "kind": k, "detail": d} for p, k, d in rows]

    def event_counts(self, run_id: str) -> dict[str, int]:
        """How many posts of each kind of event a run found (a full run: one per article)."""
        rows = self.db.execute(
            "SELECT kind, COUNT(*) FROM events WHERE run_id = ? GROUP BY kind", (run_id,)
        )
        return {kind: count for kind, count in rows}

    def exported_in(self, run_id: str) -> set[int]:
        """Posts whose current version was exported by ``run_id``."""
        rows = self.db.execute("SELECT post_id FROM articles WHERE last_run = ?", (run_id,))
        return {row[0] for row in rows.fetchall()}

    def former_paths(self, post_id: int) -> list[str]:
        """Paths the post was known at before its current one."""
        rows = self.db.execute(
            "SELECT p.path FROM paths p JOIN articles a USING (post_id)"
            " WHERE p.post_id = ? AND p.path != a.path ORDER BY p.path",
            (post_id,),
        ).fetchall()
        return [row[0] for row in rows]

    def known_paths(self, paths: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """Which of ``paths`` belong to a known article (current or former path), each with
        the runs that exported its first and its last version."""
        found: dict[str, tuple[str | None, str | None]] = {}
        for chunk in _chunks(list(paths)):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT p.path, a.first_run, a.last_run FROM paths p JOIN articles a"
                f" USING (post_id) WHERE p.path IN ({marks})",
                chunk,
            )
            found.update((path, (first, last)) for path, first, last in rows)
        return found
