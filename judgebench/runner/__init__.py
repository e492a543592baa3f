"""The cached async judge runner."""

from ._batch import list_batches
from ._cache import ResponseCache, cache_key, cache_stats, clear_cache, default_cache_dir
from ._call import cached_call, call_key
from ._estimate import ANSWER_TOKENS, estimate_run
from ._pool import auto_workers
from ._run import RunConfig, RunOutcome, check_run_rules, execute_run, plan_jobs

__all__ = [
    "ANSWER_TOKENS",
    "auto_workers",
    "estimate_run",
    "list_batches",
    "ResponseCache",
    "RunConfig",
    "RunOutcome",
    "cache_key",
    "check_run_rules",
    "cached_call",
    "call_key",
    "cache_stats",
    "clear_cache",
    "default_cache_dir",
    "execute_run",
    "plan_jobs",
]
