"""The page worker: a child process that reads and cleans article pages, and writes the run's
archive, beside the crawl.

A crawl is CPU-bound in the reactor's one thread; reading and cleaning article pages was a
third of that thread's work, and archiving every response (two digests and a gzip member per
record) a tenth. `PageWorker` hands both to one process of its own (``python -m
arrahmah.worker``): its jobs are ``prepare`` (`arrahmah.prepare.ArticlePreparer`) and
``archive`` (`arrahmah.archive.ArchiveWriter`, for `arrahmah.middlewares.WarcArchive`). The
machine's second core does them while the reactor goes on fetching.

The channel is the child's stdin and stdout: frames of a 4-byte length and a pickle, a job
``(name, args)`` one way, ``(ok, value)`` the other, answered in order. No thread: the replies
are read on the crawl's asyncio loop. The child dies with the crawl (Linux: the parent-death
signal; elsewhere at the end of its stdin), runs in a session of its own and ignores SIGINT and
SIGTERM (the crawl decides when to stop, and finishes what it has with the worker), and flushes
and closes its archive file when its stdin ends. A job's error is raised in the crawl where the
job was asked, its traceback in the crawl's log.

When the worker cannot start or dies, `call` raises `WorkerGone` and the crawl does the work
itself from then on (`ArticleCrawler.parse_article`; the archive written on after the records
the worker wrote, a torn last one cut off as a resumed run does): slower, nothing lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import sys
from collections import deque
from typing import Any, BinaryIO

from arrahmah.archive import ArchiveWriter, Exchange

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

_LENGTH = 4  # bytes of a frame's length, little-endian


class WorkerGone(RuntimeError):
    """The worker is not running (it could not start, or it died): do the job here."""


def _frame(obj: object) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_LENGTH, "little") + data


class PageWorker:
    """One worker process for one crawl; ``await call(job, *args)`` runs a job in it."""

    def __init__(self, site_host: str | None) -> None:
        self.site_host = site_host
        self.gone: str | None = None  # why the worker is not running, once it is not
        self._process: asyncio.subprocess.Process | None = None
        self._started: asyncio.Future[None] | None = None
        self._pending: deque[asyncio.Future[Any]] = deque()
        self._reader: asyncio.Future[None] | None = None

    async def call(self, job: str, *args: Any) -> Any:
        """The value of ``job(*args)`` in the worker (or the exception it raised there);
        `WorkerGone` when the worker is not running."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        if not self._started.done():
            await asyncio.shield(self._started)
        if self.gone is not None or self._process is None or self._process.stdin is None:
            raise WorkerGone(self.gone or "not started")
        frame = _frame((job, args))  # first: a job that cannot be sent has no place in line
        reply = asyncio.get_running_loop().create_future()
        self._pending.append(reply)
        self._process.stdin.write(frame)
        return await reply

    async def _start(self) -> None:
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "arrahmah.worker", str(os.getpid()), self.site_host or "",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                # where this process found the project (scrapyd adds its egg at run time)
                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
                # out of the terminal's process group: its Ctrl-C is the crawl's to handle
                start_new_session=True,
            )  # fmt: skip
        except Exception as exc:  # OSError; NotImplementedError on a loop without processes
            self._stop(f"the page worker did not start ({exc!r})")
            return
        _widen(self._process.stdin)
        self._reader = asyncio.ensure_future(self._replies())

    async def _replies(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        out = self._process.stdout
        try:
            while True:
                head = await out.readexactly(_LENGTH)
                ok, value = pickle.loads(await out.readexactly(int.from_bytes(head, "little")))
                reply = self._pending.popleft()
                if reply.done():
                    continue
                if ok:
                    reply.set_result(value)
                else:
                    reply.set_exception(value)
        except Exception as exc:  # its end (EOF), or a reply that cannot be read: stop it
            if self._process.returncode is None and not isinstance(
                exc, asyncio.IncompleteReadError
            ):
                self._process.kill()
            status = await self._process.wait()
            self._stop(f"the page worker stopped (exit status {status}; {exc!r})")

    def _stop(self, why: str) -> None:
        """The worker is gone: every job still waiting fails with `WorkerGone` (a closed
        worker's too: none should be left, and none may wait for ever)."""
        if self.gone is None:
            self.gone = why
            logger.warning("%s: the crawl's process does its work from now on", why)
        while self._pending:
            reply = self._pending.popleft()
            if not reply.done():
                reply.set_exception(WorkerGone(why))

    async def close(self) -> None:
        """Stop the worker, after the jobs it was given (the crawl waits for none by then)."""
        if self._started is not None and not self._started.done():
            await asyncio.shield(self._started)
        if self._process is None or self.gone is not None:
            return
        self.gone = ""  # closing: no new jobs
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), timeout=60)
        except TimeoutError:  # stuck in a job: ended, the job failed over to the crawl
            self._process.kill()
            await self._process.wait()
        if self._reader is not None:
            await self._reader  # answers what came, fails what did not


def _widen(stream: asyncio.StreamWriter | None) -> None:
    """A pipe that holds a whole page or more (Linux: 1 MB rather than 64 KB): a job then goes
    to the worker in one write, not in pieces as the worker reads."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    pipe = stream.get_extra_info("pipe") if stream is not None else None
    if setsize is not None and pipe is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), setsize, 1 << 20)


# ---- the worker process ---------------------------------------------------------------------
def _portable(exc: Exception) -> Exception:
    """``exc``, or a RuntimeError saying what it was when it would not survive the pickle to
    the crawl's process (an exception class with arguments of its own)."""
    try:
        pickle.loads(pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class _Jobs:
    """What the worker does: read and clean an article's first page (`prepare`); write the
    run's archive (`archive`: the crawl's `arrahmah.middlewares.WarcArchive` hands it every
    response, and its record's place comes back)."""

    def __init__(self, site_host: str | None) -> None:
        from arrahmah.prepare import ArticlePreparer

        self.prepare = ArticlePreparer(site_host).prepare
        self._archive: ArchiveWriter | None = None

    def archive(self, spec: tuple[Any, ...], exchange: Exchange) -> dict[str, Any]:
        """Write ``exchange`` to the archive ``spec`` names (`ArchiveWriter.spec`)."""
        if self._archive is not None and self._archive.spec != spec:
            self.close()
        if self._archive is None:
            archive = ArchiveWriter(*spec)
            archive.open()
            self._archive = archive
        return self._archive.write(exchange)

    def close(self) -> None:
        """The crawl is done with the worker: its archive file flushed to disk and closed."""
        archive, self._archive = self._archive, None
        if archive is not None:
            archive.close()


def _die_with(parent: int) -> None:
    """Be killed when the crawl's process dies (Linux); exit now if it already has."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    data = stream.read(n)
    return data if len(data) == n else None


def serve(parent: int, site_host: str | None) -> None:
    """Run jobs from stdin until it ends, each reply to stdout."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # what the jobs log (a torn archive record cut off) goes to the crawl's stderr
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s (page worker)",
    )  # fmt: skip
    jobs = _Jobs(site_host)
    # the replies get stdout to themselves: whatever else prints goes to stderr
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    source = sys.stdin.buffer
    while (head := _read_exactly(source, _LENGTH)) is not None:
        data = _read_exactly(source, int.from_bytes(head, "little"))
        if data is None:
            break
        name, args = pickle.loads(data)
        try:
            reply = _frame((True, getattr(jobs, name)(*args)))
        except Exception as exc:  # the crawl's process raises it where the job was asked
            if not isinstance(exc, OSError):  # a bug: its traceback in the crawl's log
                logger.exception("page worker: %s failed", name)
            reply = _frame((False, _portable(exc)))
        sink.write(reply)
        sink.flush()
    jobs.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2] or None)
