"""A call worker process: makes model calls (with their retries) for the runner in the parent.

    python -m judgebench.runner._worker      (started by ``_pool.CallPool``; not a user command)

litellm spends about 6 ms of CPU on each call, so one Python process cannot make more than
~150 calls a second however fast the server is. Workers spread the calls over the machine's
cores; the parent keeps everything else (cache, parsing, journal), so a worker holds no state
a kill could lose. Messages travel as frames (``_frames``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from typing import Any

from ._frames import frame, read_frame

class _Sender:
    """Whole frames to the parent. Writes block: frames are small and the parent reads all the time."""

    def __init__(self, fd: int):
        self.fd = fd

    def __call__(self, message: tuple[Any, ...]) -> None:
        data = memoryview(frame(message))
        while data:
            data = data[os.write(self.fd, data):]


class _ToParent(logging.Handler):
    """The worker's log records (retries, warnings) go to the parent's run.log through the pipe."""

    def __init__(self, send: _Sender):
        super().__init__(logging.INFO)
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.send(("log", record.levelno, record.name, record.getMessage()))
        except Exception:  # noqa: BLE001 - a log line never ends a worker
            pass


async def _serve(send: _Sender) -> None:
    from ..models import client
    from ._retry import call_with_retries

    client().warm_up()
    logger = logging.getLogger("judgebench")
    logger.setLevel(logging.INFO)
    logger.addHandler(_ToParent(send))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    send(("ready",))
    judges: dict[str, Any] = {}
    running: set[asyncio.Task] = set()

    async def one(call_id: int, judge_name: str, messages, sampling, response_format, backoff, label) -> None:
        started = time.perf_counter()
        try:
            result, attempts = await call_with_retries(judges[judge_name], messages, sampling=sampling,
                                                       response_format=response_format, backoff=backoff, label=label)
            send(("done", call_id, result, attempts, time.perf_counter() - started))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which records the judgment
            send(("failed", call_id, f"{type(exc).__name__}: {exc}"[:500]))

    while True:
        try:
            message = await read_frame(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            break  # the parent closed the pipe (end of the run) or died: stop
        if message[0] == "judge":
            judges[message[1]] = message[2]
        elif message[0] == "call":
            task = asyncio.create_task(one(*message[1:]))
            running.add(task)
            task.add_done_callback(running.discard)
    for task in running:
        task.cancel()


def main() -> None:
    # Ctrl-C reaches the whole process group; the parent decides what stops, and closes the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Frames get their own copy of stdout; fd 1 becomes stderr, so a library's print() can never
    # corrupt the protocol (the parent writes stderr lines to run.log).
    send = _Sender(os.dup(1))
    os.dup2(2, 1)
    try:
        asyncio.run(_serve(send))
    except BaseException as exc:  # noqa: BLE001 - one line on stderr (run.log); the parent carries on
        if not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            print(f"call worker stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
