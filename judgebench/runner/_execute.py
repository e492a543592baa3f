"""The async judge loop: cache lookup, per-judge concurrency, retries, parsing, journaling."""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from .._aio import gather_or_stop
from ..models import JudgeSpec
from ..parsing import Choice, Judgment, Refused, parse_choice, parse_judgment
from ..prompts import PAIR_SCHEMA, PairPromptBuilder, PromptBuilder, response_schema
from ..results import PairJudgment, PointJudgment, RunStore, record_json
from ..redaction import public_params, redact_obj
from ..tasks import Pair, Sample, Task
from ._cache import ResponseCache, cache_key
from ._pool import CallPool, worker_judge
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


def _record(job: Job, result, *, raw, error, cached, latency, usage, cost, attempts, flags=(),
            probabilistic: dict[str, Any] | None = None, deployment=None, batch_id=None) -> dict[str, Any]:
    """The samples.jsonl line of one judgment, built through its typed record."""
    item = job.item
    common = dict(
        task=job.task.name, sample_id=item.id, language=item.language, arm=item.arm, model=job.judge.name,
        repeat=job.repeat, status=_status(result), raw=raw, error=error, flags=list(flags), cached=cached,
        latency_s=round(latency, 4) if latency is not None else None, usage=usage, cost_usd=cost, attempts=attempts,
        deployment=deployment,
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
            **(probabilistic if probabilistic is not None else _failed_scoring(job)),
            true_ratings=([{"rater": r, "items": list(v)} for r, v in item.true_ratings]
                          if item.true_ratings is not None else None),
        )
    return record_json(record)


def _probabilistic(job: Job) -> bool:
    return job.judge.scoring != "point" and not isinstance(job.item, Pair)


def _failed_scoring(job: Job) -> dict[str, Any]:
    """A judgment without an answer still says which scoring mode it was asked in."""
    return {"scoring": job.judge.scoring} if job.judge.scoring in ("logprob", "sample") else {}


def _distributions(job: Job, parsed, completion) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """The record fields and flags of a probabilistic scoring mode (docs/metrics.md)."""
    from ..scoring import expected_total, item_distributions

    mode = job.judge.scoring
    if mode == "sample":
        return {"scoring": "sample"}, ()  # distributions come from the repeats, in the metrics
    if mode == "auto" and completion.logprobs is None:
        return None, ()  # auto: this provider sends no log-probabilities, so a point judgment
    fields: dict[str, Any] = {"scoring": "logprob"}
    if not isinstance(parsed, Judgment):
        return fields, ()
    read = item_distributions(completion.text, completion.logprobs, items=parsed.items,
                              item_max=job.task.scale.item_max)
    if read.dists is not None:
        fields["pred_items_dist"] = read.dists
        fields["pred_total_expected"] = expected_total(read.dists)
    return fields, read.flags


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
        pool: CallPool | None = None,
    ):
        from ..models import client

        self._client = client()  # litellm enters here, once a run really starts
        self.store = store
        self.cache = cache
        self.sampling = sampling
        self.backoff = backoff
        self.on_done = on_done
        self.pool = pool
        """Worker processes for remote judges' calls (None: every call in this process)."""
        self._builders: dict[str, PromptBuilder] = {}
        self._formats: dict[str, dict | None] = {}
        self.used: dict[str, str] = {}
        """Per judge, the structured output its calls used (``schema``, ``json``, ``grammar``, ``off``)."""

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
        # The key names the structured-output mechanism the run resolved (from the models file or
        # the server's probe, which changes the request), or the mode ``auto`` when litellm's data
        # decides, and the scoring mode: a fully cached run never has to import litellm to find
        # the provider parameters they resolve to.
        schema = {"structured_output": judge.mechanism or judge.structured_output, "schema": prompt.schema}
        if _probabilistic(job):  # point keys stay as they were: existing caches remain valid
            schema["scoring"] = judge.scoring
        key = cache_key(
            model=judge.model,
            api_base=judge.cache_endpoint,
            messages=list(prompt.messages),
            sampling=public_params(sampling),  # a rotated key must not invalidate the cache
            schema=schema,
            repeat=job.repeat,
        )
        return list(prompt.messages), sampling, key

    def response_format(self, job: Job) -> dict | None:
        """The structured-output setting of a judge's calls (resolved once per judge, and said in
        run.log)."""
        judge = job.judge
        if judge.name not in self._formats:
            schema = PAIR_SCHEMA if job.task.mode == "pairwise" else response_schema(job.task.scale)
            self._formats[judge.name] = self._client.response_format_for(judge, schema)
            self.used[judge.name] = self._client.mechanism_of(judge, self._formats[judge.name])
            log.info("judge %s: structured output %s", judge.name, self.used[judge.name])
        return self._formats[judge.name]

    def call_sampling(self, job: Job, sampling: dict[str, Any]) -> dict[str, Any]:
        """The sampling parameters of a call (direct or in a batch line): with probabilistic
        scoring, also the log-probability request."""
        if _probabilistic(job):
            return {**sampling, **self._client.scoring_params(job.judge)}
        return sampling

    async def judge(self, job: Job) -> dict[str, Any]:
        messages, sampling, key = self.request(job)
        hit = self.cache.get(key)
        if hit is not None:
            try:
                completion = self._client.Completion.from_cache(hit["completion"])
                return self._score(job, completion, cached=True, latency=hit.get("latency_s"), attempts=0)
            except Exception as exc:  # noqa: BLE001 - an unreadable entry is a miss, never a crash
                log.warning("cache entry for %s unreadable (%s: %s): asking again", job.item.id, type(exc).__name__, exc)
        result, attempts, latency = await self._call(job, messages, self.call_sampling(job, sampling))
        if isinstance(result, self._client.CallFailure):
            return _record(
                job, None, raw=None, error=f"{result.kind}: {result.message}", cached=False,
                latency=latency, usage=None, cost=None, attempts=attempts,
            )
        # Only answers are cached: a failed call is asked again next time.
        self.cache.set(key, {"completion": redact_obj(result.to_cache()), "latency_s": latency})
        return self._score(job, result, cached=False, latency=latency, attempts=attempts)

    async def _call(self, job: Job, messages: list[dict[str, str]], sampling: dict[str, Any]):
        """``(result, attempts, latency_s)`` of one call with its retries: in a worker process when the
        run has them and the judge may use them (``worker_judge``), else here."""
        how = dict(sampling=sampling, response_format=self.response_format(job), backoff=self.backoff, label=job.item.id)
        if self.pool is not None and worker_judge(job.judge):
            answer = await self.pool.call(job.judge, messages, **how)
            if answer is not None:
                return answer
        started = time.perf_counter()
        result, attempts = await call_with_retries(job.judge, messages, **how)
        return result, attempts, time.perf_counter() - started

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
        fields = None
        if _probabilistic(job):
            fields, more = _distributions(job, parsed, completion)
            flags = (*flags, *more)
        return _record(
            job, parsed, raw=completion.text, error=error, cached=cached, latency=latency,
            usage=completion.usage or None, cost=completion.cost_usd, attempts=attempts, flags=flags,
            probabilistic=fields, deployment=completion.deployment, batch_id=batch_id,
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
        await gather_or_stop(*workers)
