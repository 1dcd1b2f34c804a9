"""JSON lines of dataset rows → a Parquet file, in a process of its own.

    python -m arrahmah.dataset.parquet OUT.parquet < articles.jsonl

Arrow's JSON reader parses each chunk of lines in C++ straight into columns (no Python object
per value); the times are read as text, then made timestamps (a date alone: null). Each chunk
of about `CHUNK` bytes of JSON becomes one row group: writing one takes several times its size
in memory. The build feeds this process through a pipe while it makes the rows
(`formats.ParquetOut`): as a thread of the build's own process, the conversion would trade the
GIL with the loop that makes the rows at every Arrow call, and cost the build more than it does
done in line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from arrahmah.dataset.rows import DatasetRow
from arrahmah.schema import arrow_schema

CHUNK = 2 << 20  # bytes of JSON per row group
BLOCK = 1 << 20  # bytes the JSON reader parses at a time


def chunks(stream: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    """Whole lines of ``stream``, about ``size`` bytes at a time."""
    rest = b""
    while data := stream.read(size):
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut:
            rest = data[cut:]
            yield data[:cut]
        else:
            rest = data
    if rest:
        yield rest


class ParquetFile:
    """A Parquet file of dataset rows, written a chunk of JSON lines at a time."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.json as pa_json
        import pyarrow.parquet as pq

        self.schema = arrow_schema(DatasetRow)
        as_text = [(f.name, pa.string() if _is_time(pa, f.type) else f.type) for f in self.schema]
        self.read_options = pa_json.ReadOptions(block_size=BLOCK, use_threads=False)
        self.parse_options = pa_json.ParseOptions(
            explicit_schema=pa.schema(as_text), unexpected_field_behavior="error"
        )
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, lines: bytes) -> None:
        """Write ``lines`` (JSON, one row a line) as one row group."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.json as pa_json

        read = pa_json.read_json(
            pa.BufferReader(lines), read_options=self.read_options, parse_options=self.parse_options
        )
        columns = []
        for f in self.schema:
            column = read.column(f.name)
            if pa.types.is_timestamp(f.type):  # a date alone is no time: null
                timed = pc.greater(pc.utf8_length(column), 10)
                column = pc.if_else(timed, column, pa.scalar(None, pa.string()))
                # through microseconds: a finer fraction of a second is cut, not refused
                column = column.cast(pa.timestamp("us", tz=f.type.tz)).cast(f.type, safe=False)
            elif pa.types.is_date(f.type):
                column = column.cast(f.type)
            columns.append(column)
        self.writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def _is_time(pa: Any, dtype: Any) -> bool:
    return bool(pa.types.is_timestamp(dtype) or pa.types.is_date(dtype))


def main(argv: list[str] | None = None) -> int:
    """Rows on stdin, as JSON lines, to the Parquet file named by the one argument."""
    (path,) = sys.argv[1:] if argv is None else argv
    out = ParquetFile(Path(path))
    try:
        for lines in chunks(sys.stdin.buffer):
            out.write(lines)
    except Exception as exc:  # one line for the parent to show
        print(
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr
        )
        return 1
    finally:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
