"""The response cache: completed judge answers on disk, keyed by what changes the answer."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("judgebench.runner")


def default_cache_dir() -> Path:
    env = os.environ.get("JUDGEBENCH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "judgebench"


def cache_key(
    *,
    model: str,
    api_base: str | None,
    messages: Any,
    sampling: dict[str, Any],
    schema: Any,
    repeat: int,
) -> str:
    """sha256 of what can change the answer: model, endpoint, messages, sampling parameters,
    response schema and repeat index. Not concurrency, timeouts or retry counts (STYLE §6)."""
    blob = json.dumps(
        {
            "model": model,
            "api_base": api_base,
            "messages": messages,
            "sampling": sampling,
            "schema": schema,
            "repeat": repeat,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A diskcache store safe across processes (SQLite underneath); ``None`` dir disables it."""

    FLUSH_EVERY = 64
    """Answers written to disk in one transaction: one SQLite commit per answer was the
    runner's largest own cost per call (bench/run_throughput.py)."""
    FLUSH_SECONDS = 1.0

    def __init__(self, directory: Path | None):
        self.directory = directory
        self._cache = None
        self._pending: dict[str, dict[str, Any]] = {}
        self._flushed_at = time.monotonic()
        if directory is not None:
            import sqlite3

            import diskcache

            from ..errors import InputError

            if directory.exists() and not directory.is_dir():
                raise InputError(f"--cache-dir {directory}: exists and is not a directory")
            try:
                directory.mkdir(parents=True, exist_ok=True)
                # Large values live in files; answers are small so they stay in SQLite rows.
                # cull_limit=0: no size check on every write (it was most of a write's cost);
                # the size limit is enforced once, when the cache is closed.
                self._cache = diskcache.Cache(str(directory), timeout=60, size_limit=2**34, cull_limit=0)
            except (OSError, sqlite3.Error) as e:
                raise InputError(f"--cache-dir {directory}: cannot use it as a response cache ({e}); "
                                 "fix its permissions, `judgebench cache clear`, or run with --no-cache") from None

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached value, or None; an entry that cannot be read is a miss, not a crash."""
        if self._cache is None:
            return None
        if key in self._pending:
            return self._pending[key]
        try:
            value = self._cache.get(key)
        except Exception as e:  # noqa: BLE001 - corrupt rows, unpicklable values
            log.warning("response cache: entry unreadable (%s: %s), asking again", type(e).__name__, e)
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store an answer; it reaches the disk with the next batch of answers (at most
        ``FLUSH_EVERY`` answers or ``FLUSH_SECONDS`` later, and at ``close``). A kill loses at most
        those cache entries, never a judgment: samples.jsonl is written at once."""
        if self._cache is None:
            return
        self._pending[key] = value
        if len(self._pending) >= self.FLUSH_EVERY or time.monotonic() - self._flushed_at >= self.FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._flushed_at = self._pending, {}, time.monotonic()
        if self._cache is None or not pending:
            return
        try:
            with self._cache.transact():
                for key, value in pending.items():
                    self._cache.set(key, value)
        except Exception as e:  # noqa: BLE001 - a full disk or a locked cache loses cache entries, not the run
            log.warning("response cache: could not store %d answers (%s: %s)", len(pending), type(e).__name__, e)

    def close(self) -> None:
        if self._cache is not None:
            self.flush()
            try:
                self._cache.cull()
            except Exception as e:  # noqa: BLE001 - an over-full cache is trimmed next time
                log.warning("response cache: could not trim to its size limit (%s: %s)", type(e).__name__, e)
            self._cache.close()


def cache_stats(directory: Path) -> dict[str, Any]:
    import diskcache

    if not directory.exists():
        return {"directory": str(directory), "entries": 0, "size_bytes": 0}
    with diskcache.Cache(str(directory)) as cache:
        return {"directory": str(directory), "entries": len(cache), "size_bytes": cache.volume()}


def clear_cache(directory: Path) -> int:
    import diskcache

    if not directory.exists():
        return 0
    with diskcache.Cache(str(directory)) as cache:
        return cache.clear()
