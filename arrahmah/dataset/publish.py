"""Publishing a dataset whole: a reader sees the previous build or the new one, never a mix.

For a dataset directory ``data/dataset``::

    data/dataset              a symlink to the build readers get: dataset.<id>
    data/dataset.<id>/        a finished build; never written again
    data/dataset.<id>.tmp/    a build being written
    data/.dataset.lock        held (flock) by the build that is running

A build writes every file into a fresh ``dataset.<id>.tmp``, renames it to ``dataset.<id>``
once it is complete, then points ``dataset`` at it by renaming a new symlink over the old one:
one atomic step. Killed at any instant, it leaves ``dataset`` on the previous build or on the new
one, each whole. A reader that opens ``data/dataset/articles.jsonl`` holds that build's file to
the end, even if the next build removes the directory meanwhile. A second build of the same
directory while one runs is refused (`DatasetBusy`). Each build first removes what a killed
build left (a ``.tmp``, a build never linked) and, once it has switched, the previous build.
A ``dataset`` that is a real directory (from before builds were linked) is moved aside as
``dataset.<id>.old`` and removed once the link is in place.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class DatasetBusy(RuntimeError):
    """Another build holds the dataset directory."""


class NotADataset(RuntimeError):
    """The path to publish at is a directory holding other files than a dataset's."""


def _builds(out: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.?{re.escape(out.name)}\.(\d{{8}}T\d{{12}}Z)(\.tmp|\.old|\.link)?$")


def check_target(out: Path, files: set[str]) -> None:
    """`NotADataset` unless ``out`` is free, a link, or a directory of nothing but ``files``
    (and their ``.part`` twins): only such a directory is ever moved aside and removed."""
    if out.is_dir() and not out.is_symlink():
        others = {name.removesuffix(".part") for name in os.listdir(out)} - files
        if others:
            listed = ", ".join(sorted(others)[:3])
            raise NotADataset(f"{out} is a directory holding other files ({listed}): not a dataset")
    elif out.exists() and not out.is_symlink():
        raise NotADataset(f"{out} is a file, not a dataset directory")


@contextmanager
def held(out: Path) -> Iterator[None]:
    """Hold ``out`` for one build; `DatasetBusy` when another build holds it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with (out.parent / f".{out.name}.lock").open("wb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatasetBusy(f"another build is writing {out}") from None
        yield


def current(out: Path) -> Path | None:
    """The build ``out`` points at (None when there is none)."""
    return out.parent / os.readlink(out) if out.is_symlink() else None


def sweep(out: Path) -> None:
    """Remove every build of ``out`` that is not the one it points at (under the lock)."""
    keep = current(out)
    pattern = _builds(out)
    for path in out.parent.iterdir():
        if pattern.match(path.name) and path != keep:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def new_build(out: Path) -> Path:
    """A fresh, empty directory to write the next build of ``out`` into."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    work = out.parent / f"{out.name}.{stamp}.tmp"
    work.mkdir()
    return work


def publish(work: Path, out: Path) -> Path:
    """Make the finished build in ``work`` the one ``out`` points at; returns its directory."""
    final = work.with_name(work.name.removesuffix(".tmp"))
    os.rename(work, final)
    previous = current(out)
    if out.is_dir() and not out.is_symlink():  # the layout before builds were linked
        previous = final.with_name(final.name + ".old")
        os.rename(out, previous)
    link = out.parent / f".{final.name}.link"
    os.symlink(final.name, link)
    os.replace(link, out)  # the switch: one atomic rename
    if previous is not None and previous.exists():
        shutil.rmtree(previous)
    return final
