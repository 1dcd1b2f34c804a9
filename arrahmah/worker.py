"""The page worker: a child process that reads and cleans article pages beside the crawl.

A crawl is CPU-bound in the reactor's one thread, and reading and cleaning article pages is
a third of that thread's work. `PageWorker` hands it to one process of its own (``python -m
arrahmah.worker``), which runs `arrahmah.prepare.ArticlePreparer` and sends back what it made:
the machine's second core does it while the reactor goes on fetching.

The channel is the child's stdin and stdout: frames of a 4-byte length and a pickle, a job
``(name, args)`` one way, ``(ok, value)`` the other, answered in order. No thread: the replies
are read on the crawl's asyncio loop. The child dies with the crawl (Linux: the parent-death
signal; elsewhere at the end of its stdin), ignores the terminal's Ctrl-C (the crawl finishes
what it has, with the worker) and holds no file of the crawl's.

When the worker cannot start or dies, `call` raises `WorkerGone` and the crawl reads its pages
itself from then on (`ArticleCrawler.parse_article`): slower, nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import sys
from collections import deque
from typing import Any, BinaryIO

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
        reply = asyncio.get_running_loop().create_future()
        self._pending.append(reply)
        self._process.stdin.write(_frame((job, args)))
        return await reply

    async def _start(self) -> None:
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "arrahmah.worker", str(os.getpid()), self.site_host or "",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                # where this process found the project (scrapyd adds its egg at run time)
                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
            )  # fmt: skip
        except OSError as exc:
            self._stop(f"the page worker did not start ({exc})")
            return
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
        except (asyncio.IncompleteReadError, OSError, pickle.UnpicklingError) as exc:
            status = await self._process.wait()
            if self.gone is None:
                self._stop(f"the page worker stopped (exit status {status}; {exc!r})")

    def _stop(self, why: str) -> None:
        self.gone = why
        if why:
            logger.warning("%s: pages are read in the crawl's process from now on", why)
        while self._pending:
            reply = self._pending.popleft()
            if not reply.done():
                reply.set_exception(WorkerGone(why))

    async def close(self) -> None:
        """Stop the worker, after the jobs it was given."""
        if self._process is None or self.gone is not None:
            return
        self.gone = ""  # closing: no new jobs
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), timeout=60)
        except TimeoutError:  # stuck: the jobs it had are answered, nothing is lost
            self._process.kill()
            await self._process.wait()


# ---- the worker process ---------------------------------------------------------------------
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
    from arrahmah.prepare import ArticlePreparer

    jobs = {"prepare": ArticlePreparer(site_host).prepare}
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
            reply = _frame((True, jobs[name](*args)))
        except Exception as exc:  # the crawl's process raises it where the job was asked
            try:
                reply = _frame((False, exc))
            except Exception:
                reply = _frame((False, RuntimeError(f"{name}: {exc!r}")))
        sink.write(reply)
        sink.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2] or None)
