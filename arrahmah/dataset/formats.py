"""Rows → files: JSONL, CSV and Parquet, one set of columns in every format.

JSONL and CSV write the rows' values as they are (times as ISO 8601 text with their offset;
in CSV a list or an object is JSON text in its cell). Parquet types them (`DatasetRow`'s Arrow
types, `arrahmah.dataset.parquet`): the site's times as timestamps in Asia/Jakarta,
``crawled_at`` in UTC, a time given only as a date as null (``published_date`` holds the date),
lists and structs as such.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, Self

import orjson

from arrahmah.dataset.rows import ROW_FIELDS

FORMATS = ("jsonl", "csv", "parquet")
WRITE_BUFFER = 1 << 20


def jsonl_line(row: dict[str, Any]) -> bytes:
    """One row as a JSON line (UTF-8, keys in column order)."""
    return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)


class LinesOut:
    """JSON lines to a file, through a large buffer: few, large writes.

    (Not a writer thread: each system call of the caller's would then hand the GIL to the
    thread and wait to get it back, which costs more than the writes.)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.open()

    def open(self) -> None:
        self.file: IO[bytes] = self.path.open("wb", buffering=WRITE_BUFFER)

    def add(self, line: bytes) -> None:
        """Add one JSON line (ending with a newline)."""
        self.file.write(line)

    def close(self) -> None:
        """Write what is left and close."""
        self.file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ParquetFailed(RuntimeError):
    """The process writing the Parquet file failed."""


class ParquetOut(LinesOut):
    """Rows to a Parquet file, through a child process (`arrahmah.dataset.parquet`) that types
    and writes the JSON lines it is given on its stdin. A child that fails raises
    `ParquetFailed` with its one-line reason (at the next `add`, or at `close`)."""

    def open(self) -> None:
        import arrahmah

        package_root = str(Path(arrahmah.__file__).resolve().parent.parent)
        path = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115  (closed in close)
        self.child = subprocess.Popen(
            [sys.executable, "-m", "arrahmah.dataset.parquet", str(self.path)],
            stdin=subprocess.PIPE,
            stderr=self.errors,
            env={**os.environ, "PYTHONPATH": path},
            bufsize=WRITE_BUFFER,
        )
        assert self.child.stdin is not None
        self.file = self.child.stdin
        with contextlib.suppress(OSError, AttributeError):  # Linux: fewer, larger pipe writes
            fcntl.fcntl(self.file.fileno(), fcntl.F_SETPIPE_SZ, WRITE_BUFFER)

    def add(self, line: bytes) -> None:
        try:
            self.file.write(line)
        except BrokenPipeError:  # the child has gone: its status says why
            self.close()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.file.close()
        status = self.child.wait()
        self.errors.seek(0)
        reason = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        self.errors.close()
        if status != 0:
            raise ParquetFailed(f"writing {self.path}: {reason[-1] if reason else status}")

    def add_row(self, row: dict[str, Any]) -> None:
        """Add one row (a dict)."""
        self.add(jsonl_line(row))


def _cell(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, list | dict) else value


def export(rows_in: Iterable[dict[str, Any]], fmt: str, path: Path) -> int:
    """Write ``rows_in`` to ``path`` as ``jsonl``, ``csv`` or ``parquet``; how many rows."""
    count = 0
    if fmt == "parquet":
        with ParquetOut(path) as out:
            for row in rows_in:
                out.add_row(row)
                count += 1
    elif fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(ROW_FIELDS)
            for row in rows_in:
                writer.writerow([_cell(row[name]) for name in ROW_FIELDS])
                count += 1
    else:
        with LinesOut(path) as lines:
            for row in rows_in:
                lines.add(jsonl_line(row))
                count += 1
    return count


def read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    """The rows of a dataset's ``articles.jsonl``."""
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)
