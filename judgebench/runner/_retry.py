"""Backoff between attempts: exponential with jitter, and never sooner than Retry-After."""

from __future__ import annotations

import asyncio
import logging
import os
import random
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("judgebench.runner")


@dataclass(frozen=True)
class Backoff:
    base: float = 1.0
    """Delay before the first retry, in seconds, before jitter."""
    cap: float = 60.0
    """Longest wait between attempts of our own backoff."""
    max_wait: float = 300.0
    """Longest Retry-After we honour (``--max-retry-wait``); a server asking for more ends the
    judgment as ``error`` with the reason, instead of stalling the run for an hour."""

    @classmethod
    def from_env(cls, *, max_wait: float | None = None) -> Backoff:
        # Tests and impatient users shorten waits with JUDGEBENCH_RETRY_BASE (seconds).
        try:
            base = float(os.environ.get("JUDGEBENCH_RETRY_BASE", 1.0))
        except ValueError:
            base = -1.0
        if not base > 0:
            from ..errors import InputError

            raise InputError(f"JUDGEBENCH_RETRY_BASE={os.environ.get('JUDGEBENCH_RETRY_BASE')!r} must be a positive number of seconds")
        return cls(base=base, max_wait=300.0 if max_wait is None else max_wait)

    def delay(self, attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based).

        "Equal jitter": half the exponential step is fixed, half random, so many clients that
        failed together do not come back together. A server's Retry-After is a floor.
        """
        r = rng or random
        step = min(self.cap, self.base * (2**attempt))
        wait = step / 2 + r.uniform(0, step / 2)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_wait))
        return wait


async def call_with_retries(judge, messages, *, sampling: dict[str, Any], response_format, backoff: Backoff, label: str):
    """One model call, retried after transient failures (429, 5xx, timeouts, dropped
    connections) at most ``judge.max_retries`` times; every retry is logged. Returns
    (Completion | CallFailure, attempts)."""
    from ..models import client

    _client = client()

    attempt = 0
    while True:
        result = await _client.complete(judge, messages, sampling=sampling, response_format=response_format)
        attempt += 1
        if isinstance(result, _client.Completion) or not result.transient or attempt > judge.max_retries:
            return result, attempt
        if result.retry_after is not None and result.retry_after > backoff.max_wait:
            reason = (f"the server asked to wait {result.retry_after:.0f}s (Retry-After), more than "
                      f"--max-retry-wait {backoff.max_wait:.0f}s; {result.message}")
            log.warning("giving up on %s %s: %s", judge.name, label, reason)
            return _client.CallFailure(result.kind, reason, False, result.retry_after), attempt
        wait = backoff.delay(attempt - 1, result.retry_after)
        log.warning("retry %d/%d %s %s in %.2fs: %s", attempt, judge.max_retries, judge.name, label, wait, result.message)
        await asyncio.sleep(wait)
