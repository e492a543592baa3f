"""The cached async judge runner."""

from ._cache import ResponseCache, cache_key, cache_stats, clear_cache, default_cache_dir
from ._run import RunConfig, RunOutcome, execute_run, plan_jobs

__all__ = [
    "ResponseCache",
    "RunConfig",
    "RunOutcome",
    "cache_key",
    "cache_stats",
    "clear_cache",
    "default_cache_dir",
    "execute_run",
    "plan_jobs",
]
