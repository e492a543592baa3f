"""Call workers: the model calls of a run spread over processes (see ``_worker``).

The pool is lazy and never in the way: it starts at the first call the cache could not answer,
calls are made in this process until a worker is ready (importing litellm takes seconds), and a
worker that dies hands its calls back to this process. What a worker returns is exactly what an
in-process call returns, so records do not depend on where the call was made.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sys
from pathlib import Path
from typing import Any

from ..models import JudgeSpec
from ..redaction import redact
from ._retry import Backoff
from ._frames import frame, read_frame

log = logging.getLogger("judgebench.runner")

AUTO_MIN_CALLS = 500
"""``--workers auto`` starts workers only for runs with at least this many remote judgments to make:
below it the run is over before the workers have imported litellm."""


def auto_workers(remote_jobs: int, cpus: int | None = None) -> int:
    """How many call workers ``--workers auto`` uses: one per core (at most 8) for a long run on a
    machine with more than one core, none otherwise."""
    cpus = cpus or os.cpu_count() or 1
    if cpus < 2 or remote_jobs < AUTO_MIN_CALLS:
        return 0
    return min(cpus, 8)


def worker_judge(judge: JudgeSpec) -> bool:
    """Whether a judge's calls may go to workers. Not the embedded judge (its model lives in the
    runner), and not a fleet: litellm's Router keeps each replica's rpm/tpm budget and cooldowns in
    its process, so N workers would each spend the whole budget and learn a dead replica N times."""
    return not judge.is_local and not judge.deployments


def _site_dirs() -> set[str]:
    import site

    dirs = {*site.getsitepackages(), site.getusersitepackages()}
    return {str(Path(d).resolve()) for d in dirs}


class _Lost(Exception):
    """The worker making the call stopped; the call is made again in this process."""


class _Worker:
    def __init__(self, index: int, proc: asyncio.subprocess.Process):
        self.index = index
        self.proc = proc
        self.ready = False
        self.alive = True
        self.inflight: dict[int, asyncio.Future] = {}
        self.judges: set[str] = set()

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)

    def lose(self, why: str) -> None:
        if not self.alive:
            return
        self.alive = False
        if self.inflight:
            log.warning("call worker %d stopped (%s); its %d calls in flight are made again in this process",
                        self.index, why, len(self.inflight))
        for fut in self.inflight.values():
            if not fut.done():
                fut.set_exception(_Lost())
        self.inflight.clear()


class CallPool:
    """``size`` worker processes, started at the first call."""

    def __init__(self, size: int):
        self.size = size
        self._workers: list[_Worker] = []
        self._tasks: list[asyncio.Task] = []
        self._starting: asyncio.Task | None = None
        self._ids = itertools.count()
        self.made = 0
        """Calls the workers answered."""
        self.declined = 0
        """Calls handed back to this process (no worker ready yet, or the worker stopped)."""

    async def call(self, judge: JudgeSpec, messages: list[dict[str, str]], *, sampling: dict[str, Any],
                   response_format: dict | None, backoff: Backoff, label: str):
        """``(result, attempts, latency_s)`` from a worker, or None when no worker can take the call
        (none ready yet, all stopped): the caller then makes it in this process."""
        self.start()
        ready = [w for w in self._workers if w.ready and w.alive]
        if not ready:
            self.declined += 1
            return None
        worker = min(ready, key=lambda w: len(w.inflight))
        call_id = next(self._ids)
        try:
            data = b"" if judge.name in worker.judges else frame(("judge", judge.name, judge))
            data += frame(("call", call_id, judge.name, messages, sampling, response_format, backoff, label))
        except Exception as exc:  # noqa: BLE001 - what cannot be pickled is asked in this process
            log.warning("call %s kept in this process: %s: %s", label, type(exc).__name__, exc)
            self.declined += 1
            return None
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        worker.inflight[call_id] = fut
        try:
            worker.write(data)
            worker.judges.add(judge.name)
        except Exception as exc:  # noqa: BLE001 - a broken pipe means the worker is gone
            worker.lose(f"{type(exc).__name__}: {exc}")
        try:
            answer = await fut
        except _Lost:
            self.declined += 1
            return None
        finally:
            worker.inflight.pop(call_id, None)
        self.made += 1
        return answer

    def start(self) -> asyncio.Task:
        """Starts the workers in the background (once); calls go to each as soon as it is ready.
        Awaiting the task waits for the processes to be spawned, not for them to be ready."""
        if self._starting is None:
            self._starting = asyncio.create_task(self._start())
        return self._starting

    async def _start(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        if root not in _site_dirs():
            # The worker imports this very judgebench, also from a source tree on sys.path. An
            # installed one is found anyway, and putting site-packages on PYTHONPATH would move it
            # ahead of the standard library in the worker.
            env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        for index in range(self.size):
            try:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "judgebench.runner._worker", env=env,
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                    limit=2**26,
                )
            except OSError as exc:
                log.warning("call workers unavailable (%s): calls are made in this process", exc)
                return
            worker = _Worker(index, proc)
            self._workers.append(worker)
            self._tasks.append(asyncio.create_task(self._read(worker)))
            self._tasks.append(asyncio.create_task(self._stderr(worker)))

    async def _read(self, worker: _Worker) -> None:
        assert worker.proc.stdout is not None
        try:
            while True:
                message = await read_frame(worker.proc.stdout)
                kind = message[0]
                if kind == "ready":
                    worker.ready = True
                    log.info("call worker %d ready (pid %d)", worker.index, worker.proc.pid)
                elif kind == "log":
                    logging.getLogger(message[2]).log(message[1], "%s", message[3])
                elif kind in ("done", "failed"):
                    fut = worker.inflight.get(message[1])
                    if fut is None or fut.done():
                        continue
                    if kind == "done":
                        fut.set_result(tuple(message[2:]))
                    else:
                        fut.set_exception(RuntimeError(message[2]))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception as exc:  # noqa: BLE001 - an unreadable frame: the worker is not trusted again
            log.warning("call worker %d sent an unreadable frame: %s: %s", worker.index, type(exc).__name__, exc)
            with contextlib.suppress(ProcessLookupError):
                worker.proc.kill()
        code = await worker.proc.wait()
        worker.lose(f"exit code {code}")

    async def _stderr(self, worker: _Worker) -> None:
        assert worker.proc.stderr is not None
        while line := await worker.proc.stderr.readline():
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                log.info("call worker %d: %s", worker.index, redact(text)[:2000])

    async def close(self) -> None:
        """Ends the workers: the pipe closed, a short wait, then a kill."""
        if self._starting is not None:
            log.info("call workers: %d started, %d calls made by them, %d in this process",
                     len(self._workers), self.made, self.declined)
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        for worker in self._workers:
            if worker.proc.stdin is not None and not worker.proc.stdin.is_closing():
                worker.proc.stdin.close()
        for worker in self._workers:
            try:
                await asyncio.wait_for(worker.proc.wait(), timeout=5)
            except asyncio.TimeoutError:
                with contextlib.suppress(ProcessLookupError):  # it ended in between
                    worker.proc.kill()
                await worker.proc.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
