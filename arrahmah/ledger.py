"""What one crawl process has seen so far, kept on disk so that its memory does not grow with
the site: the REST index's posts, the paths each discovery path found, the posts whose first
page it read, the articles it emitted.

A private temporary SQLite database (SQLite deletes it when it is closed; its page cache, 2 MB,
is all it holds in memory), without a journal: nothing in it outlives the process, and a
resumed run reads the index and walks the site again. Each operation is one indexed statement.
At 100,000 articles the dict and sets this replaces held about 1 KB per article.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, MutableMapping

from arrahmah.wpapi import PostMeta

_SCHEMA = """
CREATE TABLE posts (post_id INTEGER PRIMARY KEY, link TEXT NOT NULL, published_at TEXT NOT NULL,
                    modified_at TEXT);
CREATE TABLE found (path TEXT PRIMARY KEY, how INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE fetched (post_id INTEGER PRIMARY KEY);
CREATE TABLE emitted (key TEXT PRIMARY KEY) WITHOUT ROWID;
"""
_BATCH = 500

# How a path was found (bits of ``found.how``).
DISCOVERY = {"listings": 1, "sitemaps": 2}


class RunLedger:
    """The process's scratch database."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)  # "": temporary, on disk
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(_SCHEMA)
        self.posts = PostIndex(self.db)
        self.fetched = IdSet(self.db, "fetched")

    def close(self) -> None:
        """Drop the database (SQLite removes its file)."""
        self.db.close()

    # ---- discovery paths ------------------------------------------------------------------
    def find(self, how: str, path: str) -> bool:
        """``path`` was found by the discovery path ``how`` (listings, sitemaps): True when
        no discovery path had found it before (the walk then decides whether to fetch it;
        a second sighting would decide the same)."""
        row = self.db.execute("SELECT how FROM found WHERE path = ?", (path,)).fetchone()
        bit = DISCOVERY[how]
        if row is None:
            self.db.execute("INSERT INTO found (path, how) VALUES (?, ?)", (path, bit))
        elif not row[0] & bit:
            self.db.execute("UPDATE found SET how = ? WHERE path = ?", (row[0] | bit, path))
        return row is None

    def found_count(self, how: str) -> int:
        """How many paths ``how`` found."""
        query = "SELECT COUNT(*) FROM found WHERE how & ?"
        return int(self.db.execute(query, (DISCOVERY[how],)).fetchone()[0])

    def found_only(self, how: str) -> list[str]:
        """The paths ``how`` found and no other discovery path did, sorted."""
        bit = DISCOVERY[how]
        rows = self.db.execute("SELECT path FROM found WHERE how = ? ORDER BY path", (bit,))
        return [row[0] for row in rows]

    # ---- articles emitted -------------------------------------------------------------------
    def first_emit(self, key: str) -> bool:
        """True the first time ``key`` (an article's canonical path) is emitted, else False."""
        cur = self.db.execute("INSERT OR IGNORE INTO emitted (key) VALUES (?)", (key,))
        return cur.rowcount == 1


class IdSet:
    """A set of post ids in one table of the ledger (``add``, ``in``, ``len``)."""

    def __init__(self, db: sqlite3.Connection, table: str) -> None:
        self.db, self.table = db, table

    def add(self, post_id: int) -> None:
        self.db.execute(f"INSERT OR IGNORE INTO {self.table} (post_id) VALUES (?)", (post_id,))

    def __contains__(self, post_id: object) -> bool:
        query = f"SELECT 1 FROM {self.table} WHERE post_id = ?"
        return self.db.execute(query, (post_id,)).fetchone() is not None

    def __len__(self) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0])


class PostIndex(MutableMapping[int, PostMeta]):
    """The REST index's posts by post id, as a mapping (iterated by post id, in batches)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __getitem__(self, post_id: int) -> PostMeta:
        row = self.db.execute(
            "SELECT post_id, link, published_at, modified_at FROM posts WHERE post_id = ?",
            (post_id,),
        ).fetchone()
        if row is None:
            raise KeyError(post_id)
        return PostMeta(*row)

    def __setitem__(self, post_id: int, post: PostMeta) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO posts (post_id, link, published_at, modified_at)"
            " VALUES (?, ?, ?, ?)",
            (post_id, post.link, post.published_at, post.modified_at),
        )

    def __delitem__(self, post_id: int) -> None:
        if self.db.execute("DELETE FROM posts WHERE post_id = ?", (post_id,)).rowcount == 0:
            raise KeyError(post_id)

    def __contains__(self, post_id: object) -> bool:
        query = "SELECT 1 FROM posts WHERE post_id = ?"
        return self.db.execute(query, (post_id,)).fetchone() is not None

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM posts").fetchone()[0])

    def __bool__(self) -> bool:
        return self.db.execute("SELECT 1 FROM posts LIMIT 1").fetchone() is not None

    def _rows(self) -> Iterator[tuple[int, str, str, str | None]]:
        after = -(2**63)
        while True:
            rows = self.db.execute(
                "SELECT post_id, link, published_at, modified_at FROM posts WHERE post_id > ?"
                " ORDER BY post_id LIMIT ?",
                (after, _BATCH),
            ).fetchall()
            yield from rows
            if len(rows) < _BATCH:
                return
            after = rows[-1][0]

    def __iter__(self) -> Iterator[int]:
        return (row[0] for row in self._rows())

    def values(self) -> Iterator[PostMeta]:  # type: ignore[override]
        """Every post, by post id, read a batch at a time."""
        return (PostMeta(*row) for row in self._rows())
