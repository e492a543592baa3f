"""`judgebench run --dry-run`: what a run would send and roughly cost, before sending anything."""

from __future__ import annotations

from typing import Any

from ..results import RunStore
from ._batch import batched_judges, open_batches, submitted
from ._cache import ResponseCache
from ._execute import Executor, Sampling
from ._retry import Backoff
from ._run import RunConfig, plan_jobs

ANSWER_TOKENS = 40
"""Typical length of a JSON answer; judges that add a rationale will use more."""


def estimate_run(config: RunConfig) -> list[dict[str, Any]]:
    """Per judge: judgments planned, already done (resume), waiting in batches submitted earlier,
    served by the cache, calls to make, prompt and answer tokens of those calls, and their price
    at the judge's own or litellm's list and batch rates (``batch``: whether this run would batch
    the judge)."""
    import asyncio
    from dataclasses import replace

    from ..models import client, resolve_judges_for_run

    _client = client()
    # The real run's cache keys depend on what self-hosted servers support: ask them (identity
    # endpoints only; no judgment is sent).
    config = replace(config, judges=asyncio.run(resolve_judges_for_run(config.judges)))

    store = RunStore(config.out)
    done = store.done_keys() if config.out.exists() else set()
    in_batches = submitted(open_batches(store)) if config.out.exists() else set()
    cache = ResponseCache(config.cache_dir if config.cache_dir and config.cache_dir.exists() else None)
    executor = Executor(store=store, cache=cache, sampling=Sampling(config.temperature, config.max_tokens),
                        backoff=Backoff())
    tokens_by_prompt: dict[tuple[str, str, str], int] = {}
    out: dict[str, dict[str, Any]] = {}
    try:
        for job in plan_jobs(config):
            row = out.setdefault(job.judge.name, {"judge": job.judge.name, "model": job.judge.model, "judgments": 0,
                                                  "done": 0, "in_batches": 0, "cached": 0, "calls": 0, "prompt_tokens": 0,
                                                  "completion_tokens": 0, "cost_usd": 0.0, "priced": True})
            row["judgments"] += 1
            if job.key in done:
                row["done"] += 1
                continue
            if job.key in in_batches:  # submitted by an earlier attempt: the rerun re-attaches
                row["in_batches"] += 1
                continue
            messages, _, key = executor.request(job)
            if cache.get(key) is not None:
                row["cached"] += 1
                continue
            row["calls"] += 1
            tk = (job.judge.model, job.task.name, job.item.id)
            if tk not in tokens_by_prompt:
                tokens_by_prompt[tk] = _client.count_tokens(job.judge, messages)
            row["prompt_tokens"] += tokens_by_prompt[tk]
            row["completion_tokens"] += ANSWER_TOKENS
    finally:
        cache.close()
    batched = batched_judges(config.judges, batch_all=config.batch)
    for row in out.values():
        judge = next(j for j in config.judges if j.name == row["judge"])
        cost = 0.0 if row["calls"] == 0 else _client.price(judge, row["prompt_tokens"], row["completion_tokens"])
        row["cost_usd"], row["priced"] = (cost, True) if cost is not None else (None, False)
        row["cost_usd_batch"] = 0.0 if row["calls"] == 0 else _client.batch_price(
            judge, row["prompt_tokens"], row["completion_tokens"])
        row["batch"] = judge.name in batched
    return list(out.values())
