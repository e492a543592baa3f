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
    """Longest wait between attempts."""

    @classmethod
    def from_env(cls) -> Backoff:
        # Tests and impatient users shorten waits with JUDGEBENCH_RETRY_BASE (seconds).
        return cls(base=float(os.environ.get("JUDGEBENCH_RETRY_BASE", 1.0)))

    def delay(self, attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based).

        "Equal jitter": half the exponential step is fixed, half random, so many clients that
        failed together do not come back together. A server's Retry-After is a floor.
        """
        r = rng or random
        step = min(self.cap, self.base * (2**attempt))
        wait = step / 2 + r.uniform(0, step / 2)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap * 5))
        return wait


async def call_with_retries(judge, messages, *, sampling: dict[str, Any], response_format, backoff: Backoff, label: str):
    """One model call, retried after transient failures (429, 5xx, timeouts, dropped
    connections) at most ``judge.max_retries`` times; every retry is logged. Returns
    (Completion | CallFailure, attempts)."""
    from ..models import _client

    attempt = 0
    while True:
        result = await _client.complete(judge, messages, sampling=sampling, response_format=response_format)
        attempt += 1
        if isinstance(result, _client.Completion) or not result.transient or attempt > judge.max_retries:
            return result, attempt
        wait = backoff.delay(attempt - 1, result.retry_after)
        log.warning("retry %d/%d %s %s in %.2fs: %s", attempt, judge.max_retries, judge.name, label, wait, result.message)
        await asyncio.sleep(wait)
