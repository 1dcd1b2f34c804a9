"""What the ``arrahmah`` commands share: settings, the crawl's preflight, whole-file writes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DATASET_DIR = "data/dataset"


def settings_from(pairs: Sequence[str]) -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "arrahmah.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"arrahmah: -s takes NAME=VALUE, not {pair!r}", file=sys.stderr)
            raise SystemExit(2)
        settings.set(name, value, priority="cmdline")
    return settings


def refused(command: str, settings: Any, mode: str) -> int | None:
    """The exit status when the crawl cannot start (said on stderr in one line), else None."""
    from arrahmah.runs import Refused, preflight

    try:
        preflight(settings, mode)
    except Refused as exc:
        print(f"arrahmah {command}: {exc}", file=sys.stderr)
        return exc.exit_code
    return None


def write_whole(path: Path, write: Callable[[Path], Any]) -> Any:
    """``write`` to a ``.part`` twin of ``path``, renamed when done: never a half-written file
    (if ``write`` raises, the twin is removed and ``path`` left as it was)."""
    tmp = path.with_name(path.name + ".part")
    try:
        result = write(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return result


def write_items(items: list[dict[str, Any]], output: str | None) -> None:
    if output:
        lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        write_whole(Path(output), lambda tmp: tmp.write_text(lines, "utf-8"))
    else:
        for item in items:
            print(json.dumps(item, ensure_ascii=False, indent=2))


class Renamed(argparse.Action):
    """An old spelling of an option (hidden from --help): still works, with a one-line note."""

    def __init__(self, *args: Any, new: str, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "help": argparse.SUPPRESS})
        self.new = new

    def __call__(self, parser: Any, namespace: Any, values: Any, option: str | None = None) -> None:
        print(f"{parser.prog}: {option} is now {self.new}; the old name will go", file=sys.stderr)
        setattr(namespace, self.dest, values)
