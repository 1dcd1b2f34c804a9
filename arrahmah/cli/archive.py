"""``arrahmah reextract``: the archived articles parsed again, without the network."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arrahmah.cli.common import settings_from


def reextract(args: argparse.Namespace) -> int:
    """``arrahmah reextract``: every archived article parsed again, without the network."""
    import logging
    import sqlite3

    from arrahmah import reextract as rx
    from arrahmah.reextract_run import run
    from arrahmah.report import EXIT_BUSY, EXIT_FAILED
    from arrahmah.runs import DataDirBusy

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    settings = settings_from(args.set)
    output = Path(args.output) if args.output else None
    try:
        result = run(
            settings, output, args.since, args.only_run, args.record,
            stream=None if output or args.record else sys.stdout.buffer,
        )  # fmt: skip
    except rx.NoArchive as exc:
        print(f"arrahmah reextract: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except DataDirBusy as exc:
        print(f"arrahmah reextract: {exc}; try again when it has finished", file=sys.stderr)
        return EXIT_BUSY
    except (OSError, sqlite3.Error) as exc:
        print(f"arrahmah reextract: cannot write: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if result.outcome.status != "ok":
        print(f"arrahmah reextract: {result.outcome.summary}", file=sys.stderr)
        return result.outcome.exit_code
    done = f"arrahmah reextract: {result.articles} articles from {result.archives} archive files"
    done += f" -> {output}" if output else ""
    done += f"; recorded as run {result.run_id}" if result.run_id else ""
    if result.skipped:
        done += " (skipped: " + ", ".join(f"{n} {k}" for k, n in sorted(result.skipped.items()))
        done += ")"
    print(done, file=sys.stderr)
    if result.unreadable:
        print(
            f"arrahmah reextract: {len(result.unreadable)} archive files read up to their last"
            f" whole record, the rest unreadable: {'; '.join(map(str, result.unreadable))}",
            file=sys.stderr,
        )
    return result.outcome.exit_code
