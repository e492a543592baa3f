"""The async judge loop: cache lookup, per-judge concurrency, retries, parsing, journaling."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from ..models import JudgeSpec
from ..parsing import Choice, Judgment, Refused, parse_choice, parse_judgment
from ..prompts import PAIR_SCHEMA, PairPromptBuilder, PromptBuilder, response_schema
from ..results import PairJudgment, PointJudgment, RunStore, record_json
from ..redaction import public_params, redact_obj
from ..tasks import Pair, Sample, Task
from ._cache import ResponseCache, cache_key
from ._retry import Backoff, call_with_retries

log = logging.getLogger("judgebench.runner")


def prompt_builder(task: Task) -> PromptBuilder | PairPromptBuilder:
    """The prompt of a task: pointwise scoring or pairwise comparison, optionally its own template."""
    from ..prompts import PAIR_USER_TEMPLATE, USER_TEMPLATE

    if task.mode == "pairwise":
        return PairPromptBuilder(task.prompt_template or PAIR_USER_TEMPLATE)
    return PromptBuilder(task.scale, task.prompt_template or USER_TEMPLATE)


@dataclass(frozen=True)
class Job:
    """One judgment to make: a sample (or, in pairwise mode, an ordered pair), a judge, a repeat."""

    task: Task
    item: Sample | Pair
    judge: JudgeSpec
    repeat: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.task.name, self.item.id, self.judge.name, self.repeat)


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0
    max_tokens: int = 512

    def for_judge(self, judge: JudgeSpec) -> dict[str, Any]:
        """Run-wide sampling settings, overridden by the judge's own params from a models file."""
        params = {"temperature": self.temperature, "max_tokens": self.max_tokens}
        if judge.is_local:
            params["max_tokens"] = 96  # the grammar's answer is ~40 tokens
        return {**params, **judge.params}


def _status(result) -> str:
    if isinstance(result, (Judgment, Choice)):
        return "ok"
    return "refusal" if isinstance(result, Refused) else "error" if result is None else "parse_error"


def _truth_choice(pair: Pair) -> str:
    a, b = pair.a.true_total, pair.b.true_total
    return "A" if a > b else "B" if b > a else "tie"


def _record(job: Job, result, *, raw, error, cached, latency, usage, cost, attempts, flags=(), batch_id=None) -> dict[str, Any]:
    """The samples.jsonl line of one judgment, built through its typed record."""
    item = job.item
    common = dict(
        task=job.task.name, sample_id=item.id, language=item.language, arm=item.arm, model=job.judge.name,
        repeat=job.repeat, status=_status(result), raw=raw, error=error, flags=list(flags), cached=cached,
        latency_s=round(latency, 4) if latency is not None else None, usage=usage, cost_usd=cost, attempts=attempts,
        batch_id=batch_id,
    )
    if isinstance(item, Pair):
        record = PairJudgment(
            **common, pair_id=f"{item.a.pair_id}|{item.b.pair_id}", a_id=item.a.id, b_id=item.b.id,
            a_pair_id=item.a.pair_id, b_pair_id=item.b.pair_id,
            true_a=item.a.true_total, true_b=item.b.true_total, true_choice=_truth_choice(item),
            pred_choice=result.value if isinstance(result, Choice) else None,
        )
    else:
        scored = isinstance(result, Judgment)
        record = PointJudgment(
            **common, pair_id=item.pair_id,
            pred_total=result.total if scored else None,
            pred_items=list(result.items) if scored and result.items else None,
            true_total=item.true_total,
            true_items=list(item.true_items) if item.true_items else None,
            true_items_range=[list(r) for r in item.true_items_range] if item.true_items_range is not None else None,
            hidden_items=list(item.hidden_items) if item.hidden_items is not None else None,
        )
    return record_json(record)


class Executor:
    """Runs jobs to completion, appending one line per judgment to the run store."""

    def __init__(
        self,
        *,
        store: RunStore,
        cache: ResponseCache,
        sampling: Sampling,
        backoff: Backoff,
        on_done: Callable[[dict[str, Any]], None] = lambda rec: None,
    ):
        from ..models import client

        self._client = client()  # litellm enters here, once a run really starts
        self.store = store
        self.cache = cache
        self.sampling = sampling
        self.backoff = backoff
        self.on_done = on_done
        self._builders: dict[str, PromptBuilder] = {}
        self._formats: dict[str, dict | None] = {}

    def builder(self, task: Task) -> PromptBuilder | PairPromptBuilder:
        if task.name not in self._builders:
            self._builders[task.name] = prompt_builder(task)
        return self._builders[task.name]

    def _prompt(self, job: Job):
        builder = self.builder(job.task)
        if isinstance(job.item, Pair):
            return builder.build(job.item.a, job.item.b)
        return builder.build(job.item)

    def request(self, job: Job) -> tuple[list[dict[str, str]], dict[str, Any], str]:
        """The messages of a judgment, its sampling parameters and its cache key."""
        judge = job.judge
        prompt = self._prompt(job)
        sampling = self.sampling.for_judge(judge)
        # The key names the structured-output *mode*, not the provider format it resolves to, so
        # a fully cached run never has to import litellm to find out what the format would be.
        key = cache_key(
            model=judge.model,
            api_base=judge.cache_endpoint,
            messages=list(prompt.messages),
            sampling=public_params(sampling),  # a rotated key must not invalidate the cache
            schema={"structured_output": judge.structured_output, "schema": prompt.schema},
            repeat=job.repeat,
        )
        return list(prompt.messages), sampling, key

    def response_format(self, job: Job) -> dict | None:
        """The structured-output setting of a judge's calls (resolved once per judge)."""
        if job.judge.name not in self._formats:
            schema = PAIR_SCHEMA if job.task.mode == "pairwise" else response_schema(job.task.scale)
            self._formats[job.judge.name] = self._client.response_format_for(job.judge, schema)
        return self._formats[job.judge.name]

    async def judge(self, job: Job) -> dict[str, Any]:
        judge = job.judge
        messages, sampling, key = self.request(job)
        hit = self.cache.get(key)
        if hit is not None:
            try:
                completion = self._client.Completion.from_cache(hit["completion"])
                return self._score(job, completion, cached=True, latency=hit.get("latency_s"), attempts=0)
            except Exception as exc:  # noqa: BLE001 - an unreadable entry is a miss, never a crash
                log.warning("cache entry for %s unreadable (%s: %s): asking again", job.item.id, type(exc).__name__, exc)
        started = time.perf_counter()
        result, attempts = await call_with_retries(
            judge, messages, sampling=sampling, response_format=self.response_format(job),
            backoff=self.backoff, label=job.item.id,
        )
        latency = time.perf_counter() - started
        if isinstance(result, self._client.CallFailure):
            return _record(
                job, None, raw=None, error=f"{result.kind}: {result.message}", cached=False,
                latency=latency, usage=None, cost=None, attempts=attempts,
            )
        # Only answers are cached: a failed call is asked again next time.
        self.cache.set(key, {"completion": redact_obj(result.to_cache()), "latency_s": latency})
        return self._score(job, result, cached=False, latency=latency, attempts=attempts)

    def _score(self, job: Job, completion, *, cached: bool, latency, attempts: int, batch_id=None) -> dict[str, Any]:
        if completion.refusal:
            parsed = Refused(f"provider_refusal: {completion.refusal}")
        else:
            parsed = (parse_choice(completion.text) if isinstance(job.item, Pair)
                      else parse_judgment(completion.text, job.task.scale))
        ok = isinstance(parsed, (Judgment, Choice))
        error = None if ok else parsed.reason
        flags = parsed.flags if ok else ()
        if completion.finish_reason == "length" and not ok:
            error = f"{error} (answer cut off at max_tokens or at 100,000 characters)"
        return _record(
            job, parsed, raw=completion.text, error=error, cached=cached, latency=latency,
            usage=completion.usage or None, cost=completion.cost_usd, attempts=attempts, flags=flags,
            batch_id=batch_id,
        )

    async def run(self, jobs: list[Job]) -> None:
        """Each judge gets ``concurrency`` workers over its own queue, so a slow or rate-limited
        judge never starves the others."""
        queues: dict[str, deque[Job]] = {}
        judges: dict[str, JudgeSpec] = {}
        for job in jobs:
            queues.setdefault(job.judge.name, deque()).append(job)
            judges[job.judge.name] = job.judge

        async def worker(queue: deque[Job]) -> None:
            while queue:
                job = queue.popleft()
                try:
                    rec = await self.judge(job)
                except Exception as exc:  # noqa: BLE001 - one judgment never ends a run
                    log.exception("judgment %s failed unexpectedly", job.item.id)
                    rec = _record(job, None, raw=None, error=f"internal: {type(exc).__name__}: {exc}"[:500],
                                  cached=False, latency=None, usage=None, cost=None, attempts=0)
                self.store.append(rec)
                self.on_done(rec)

        workers = [
            worker(queues[name])
            for name, judge in judges.items()
            for _ in range(min(judge.concurrency, len(queues[name])))
        ]
        await asyncio.gather(*workers)
