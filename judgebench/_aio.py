"""``asyncio.gather`` that stops the siblings of the first failure (shared by the runner and its batch mode)."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable


async def gather_or_stop(*aws: Awaitable[Any]) -> list[Any]:
    """Like ``asyncio.gather``, but when one awaitable raises (a full disk in the journal, Ctrl-C),
    the others are cancelled and awaited before the first error is re-raised.

    Plain ``gather`` leaves them running: a second worker failing the same way then dies unobserved,
    and ``asyncio.run`` prints its traceback at shutdown ("unhandled exception during asyncio.run()
    shutdown") under the one clean line the user should see. ``TaskGroup`` would do this, but it
    needs Python 3.11 and wraps the error in an ``ExceptionGroup``."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        pending = [t for t in tasks if not t.done()]
        while pending:
            # Cancelled again each second: a library that swallows one cancellation (asyncio.wait_for
            # when its call finishes at that very moment) must not let a worker go on to its next job.
            for t in pending:
                t.cancel()
            await asyncio.wait(pending, timeout=1.0)
            pending = [t for t in pending if not t.done()]
        for t in tasks:  # every sibling's own error retrieved here, so none is reported at shutdown
            if not t.cancelled():
                t.exception()
        raise
