"""One `judgebench run`: plan the jobs, skip what a previous attempt finished, execute, score."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import InputError
from ..models import JudgeSpec, preflight, resolve_judges_for_run
from ..results import RunStore, job_key
from ..tasks import Task, pair_questions
from ._cache import ResponseCache
from ._batch import batched_judges, run_jobs
from ._execute import Executor, Job, Sampling, prompt_builder
from ._pool import CallPool, auto_workers, worker_judge
from ._retry import Backoff

if TYPE_CHECKING:  # the metrics package pulls in pandas: not on the import path of --help
    from ..metrics import RunMetrics


@dataclass(frozen=True)
class RunConfig:
    tasks: list[Task]
    judges: list[JudgeSpec]
    out: Path
    repeats: int = 1
    temperature: float = 0.0
    max_tokens: int = 512
    cache_dir: Path | None = None
    """None disables the response cache (``--no-cache``)."""
    selection: dict[str, Any] = field(default_factory=dict)
    """How the tasks were narrowed (languages, arms, limit), recorded in run.json."""
    max_retry_wait: float = 300.0
    """Longest Retry-After honoured before a judgment is recorded as ``error``."""
    panels: dict[str, list[str]] = field(default_factory=dict)
    """Judge panels scored at metrics time: panel name -> member judge names (no extra calls)."""
    panel_aggregate: str = "median"
    """How a panel combines its members' totals: ``median`` or ``mean``."""
    equivalence_margin: float | None = None
    """± margin of the cross-language equivalence tests in scale points (None: ±1 PHQ-9 point,
    scaled by the scale's range)."""
    retry_errors: bool = False
    """On resume, ask again the judgments recorded as ``error`` (the new line supersedes the old)."""
    batch: bool = False
    """``--batch``: judges whose provider has a batch API are judged through it."""
    workers: int | None = None
    """Processes making the remote calls (``--workers``): 0 makes every call in this process, None
    decides by the run's size and the machine's cores (``auto_workers``)."""


@dataclass
class RunOutcome:
    run_id: str
    out: Path
    records: list[dict[str, Any]]
    metrics: RunMetrics
    n_new: int
    n_resumed: int
    n_from_cache: int = 0
    """Of the ``n_new`` judgments made this time, how many the response cache answered."""
    structured: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per judge asked this time: the structured output used, why, the server, the concurrency."""

    @property
    def summary(self) -> dict[str, Any]:
        """Counts for the closing line, and why judgments went unscored (most common first)."""
        from collections import Counter

        why = Counter((r["status"], _short(r.get("error"))) for r in self.records if r["status"] != "ok")
        reasons = [{"status": s, "reason": reason, "n": n} for (s, reason), n in why.most_common()]
        return {"judgments": len(self.records), "asked": self.n_new - self.n_from_cache,
                "from_cache": self.n_from_cache, "reasons": reasons[:5], "all_reasons": reasons}

    @property
    def error_rate(self) -> float:
        """Share of judgments that produced no score because the call failed (status error)."""
        n = len(self.records)
        return sum(r["status"] == "error" for r in self.records) / n if n else 0.0


def _short(error: Any) -> str:
    """An error message as a reason to count: one line, bounded."""
    text = " ".join(str(error or "no reason recorded").split())
    return text if len(text) <= 160 else text[:157] + "..."


def usage_totals(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Tokens and cost per model. ``cost_usd`` counts what this run paid (not cached answers);
    ``cost_usd_all`` is what all its judgments cost when first asked."""
    out: dict[str, dict[str, Any]] = {}
    for r in records:
        u = out.setdefault(r["model"], {"judgments": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                        "cost_usd": 0.0, "cost_usd_all": 0.0, "priced": True})
        u["judgments"] += 1
        usage = r.get("usage") or {}
        u["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
        u["completion_tokens"] += int(usage.get("completion_tokens") or 0)
        if r.get("cost_usd") is None:
            if r["status"] != "error":
                u["priced"] = False
        else:
            u["cost_usd_all"] += r["cost_usd"]
            if not r.get("cached"):
                u["cost_usd"] += r["cost_usd"]
    return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _prompt_hash(tasks: list[Task]) -> str:
    return ",".join(sorted({prompt_builder(t).hash for t in tasks}))


def _questions(task: Task) -> list:
    return pair_questions(task) if task.mode == "pairwise" else list(task.samples)


def plan_jobs(config: RunConfig) -> list[Job]:
    return [
        Job(task, item, judge, r)
        for judge in config.judges
        for task in config.tasks
        for r in range(config.repeats)
        for item in _questions(task)
    ]


def _check_resumable(existing: dict[str, Any], run: dict[str, Any], out: Path) -> None:
    """A run directory holds one task selection and prompt; resuming anything else would mix
    judgments that cannot be compared."""
    mismatch = []
    if [t["content_hash"] for t in existing.get("tasks", [])] != [t["content_hash"] for t in run["tasks"]]:
        mismatch.append("task content")
    if existing.get("prompt_hash") != run["prompt_hash"]:
        mismatch.append("prompt")
    if existing.get("temperature") != run["temperature"]:
        mismatch.append("temperature")
    if "max_tokens" in existing and existing.get("max_tokens") != run["max_tokens"]:
        mismatch.append("max_tokens")
    before = {m.get("name"): _answer_settings(m) for m in existing.get("models", []) if isinstance(m, dict)}
    for m in run["models"]:
        if m["name"] in before and before[m["name"]] != _answer_settings(m):
            mismatch.append(f"setting of judge {m['name']} (endpoint, model, params, structured output or scoring)")
    if mismatch:
        raise InputError(
            f"--out {out}: holds run {existing.get('run_id')} with a different {', '.join(mismatch)}; "
            "resume it with the same options or choose a new --out"
        )


def _answer_settings(judge: dict[str, Any]) -> dict[str, Any]:
    """The recorded settings of a judge that can change its answers (not concurrency, timeouts
    or retries): resuming with others would mix judgments that cannot be compared."""
    settings = {k: judge.get(k) for k in ("model", "api_base", "params", "structured_output", "deployments")}
    # a run.json from before --scoring existed was a point run
    return {**settings, "scoring": judge.get("scoring", "point")}


def _file_logger(out: Path) -> logging.Handler:
    from ..redaction import redact

    class Redacting(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record))

    class Quiet(logging.FileHandler):
        def handleError(self, record: logging.LogRecord) -> None:
            # The log is a diagnostic: a full disk loses log lines, it must not print a traceback
            # over the terminal (the journal's own write failure is what stops the run).
            pass

    handler = Quiet(out / "run.log", encoding="utf-8")
    handler.setFormatter(Redacting("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("judgebench")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


def execute_run(
    config: RunConfig,
    *,
    on_start: Callable[[list[Job], int], None] = lambda jobs, done: None,
    on_done: Callable[[dict[str, Any]], None] = lambda rec: None,
    on_batch: Callable[[dict[str, Any]], None] = lambda info: None,
) -> RunOutcome:
    """Run (or resume) the judgments of ``config`` and write the run directory. ``on_batch``
    hears each poll of a provider batch (id, judge, status, counts, elapsed seconds)."""
    store = RunStore(config.out)
    store.prepare()  # takes the directory's lock, held until the run's files are all written
    try:
        return _execute(config, store, on_start=on_start, on_done=on_done, on_batch=on_batch)
    finally:
        store.close()


def check_run_rules(tasks: list[Task]) -> None:
    """One run scores one scale in one mode against one baseline language: anything else could
    not share one metrics document (the CLI calls this too, before loading judges)."""
    if not tasks:
        raise InputError("a run needs at least one task")
    if len({(t.scale, t.mode, t.baseline_language) for t in tasks}) > 1:
        raise InputError("--task: tasks of one run must share a scale, a mode and a baseline language; run them separately")
    if len({t.name for t in tasks}) < len(tasks):
        raise InputError("--task: the same task given twice")


def _run_description(config: RunConfig) -> dict[str, Any]:
    """run.json: what was asked, never a secret (judges describe themselves without keys)."""
    from .. import __version__

    return {
        "run_id": config.out.name or uuid.uuid4().hex[:8],
        "started_at": _now(),
        "finished_at": None,
        "judgebench_version": __version__,
        "tasks": [
            {"name": t.name, "content_hash": t.content_hash, "n_samples": len(t.samples),
             "scale": t.scale.name, "baseline_language": t.baseline_language, "mode": t.mode}
            for t in config.tasks
        ],
        "prompt_hash": _prompt_hash(config.tasks),
        "models": [j.describe() for j in config.judges],
        "repeats": config.repeats,
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
        "selection": config.selection,
        "cache": config.cache_dir is not None,
    }


def _pending_jobs(config: RunConfig, store: RunStore, run: dict[str, Any]):
    """Resume checks, then the jobs still to do with their judges resolved for this run (server
    probes, structured output, concurrency). Returns (planned, done, jobs, resolved judges)."""
    existing = store.read_run()
    if existing:
        _check_resumable(existing, run, config.out)
        run["run_id"] = existing.get("run_id", run["run_id"])
        run["started_at"] = existing.get("started_at", run["started_at"])
    store.repair()
    done = store.done_keys(retry_errors=config.retry_errors)
    planned = plan_jobs(config)
    jobs = [j for j in planned if j.key not in done]
    pending = list({j.judge.name: j.judge for j in jobs}.values())
    problems = preflight(pending)
    if problems:
        raise InputError(problems)
    resolved = {j.name: j for j in asyncio.run(resolve_judges_for_run(pending))}
    jobs = [replace(j, judge=resolved[j.judge.name]) for j in jobs]
    run["models"] = [(resolved.get(j.name) or j).describe() for j in config.judges]
    return planned, done, jobs, resolved


def _judge_jobs(config: RunConfig, store: RunStore, jobs: list[Job], resolved: dict[str, JudgeSpec], *,
                batched: set[str], done: int, on_start, on_done, on_batch) -> tuple[Executor, int]:
    """Make the judgments (direct calls and provider batches), journaling each as it ends.
    Returns the executor (what each judge used) and how many answers came from the cache."""
    handler = _file_logger(config.out)
    for judge in resolved.values():
        logging.getLogger("judgebench.runner").info("judge %s: %s", judge.name, describe_resolution(judge))
    cache = ResponseCache(config.cache_dir)
    from_cache = 0

    def counted(rec: dict[str, Any]) -> None:
        nonlocal from_cache
        from_cache += bool(rec.get("cached"))
        on_done(rec)

    remote = [j for j in jobs if worker_judge(j.judge) and j.judge.name not in batched]
    workers = auto_workers(len(remote)) if config.workers is None else config.workers
    executor = Executor(
        store=store,
        cache=cache,
        sampling=Sampling(temperature=config.temperature, max_tokens=config.max_tokens),
        backoff=Backoff.from_env(max_wait=config.max_retry_wait),
        on_done=counted,
        pool=CallPool(workers) if workers and remote else None,
    )
    on_start(jobs, done)
    try:
        asyncio.run(_judge_all(executor, store, jobs, batched=batched, on_batch=on_batch,
                               first_remote=remote[0] if remote else None))
    finally:
        store.close_journal()
        cache.close()
        logging.getLogger("judgebench").removeHandler(handler)
        handler.close()
    return executor, from_cache


async def _judge_all(executor: Executor, store: RunStore, jobs: list[Job], *, batched: set[str], on_batch,
                     first_remote: Job | None) -> None:
    pool = executor.pool
    if pool is not None and first_remote is not None and executor.cache.get(executor.request(first_remote)[2]) is None:
        # Workers import litellm for seconds: they start now, alongside this process's own import
        # (which blocks this loop), unless the run looks answered by the cache (then they start
        # at the first miss).
        await pool.start()
    try:
        await run_jobs(executor, store, jobs, batched=batched, on_batch=on_batch)
    finally:
        if executor.pool is not None:
            await executor.pool.close()


def _run_metrics(config: RunConfig, run: dict[str, Any], records: list[dict[str, Any]]) -> RunMetrics:
    """The metrics of the run's records, with what they were measured on and what they cost."""
    from ..metrics import Provenance, Usage, pairwise_run_metrics, run_metrics

    task0 = config.tasks[0]
    if task0.mode == "pairwise":
        metrics = pairwise_run_metrics(
            records, scale=task0.scale, baseline_language=task0.baseline_language, run_id=run["run_id"]
        )
    else:
        metrics = run_metrics(
            records, scale=task0.scale, baseline_language=task0.baseline_language, run_id=run["run_id"],
            equivalence_margin=config.equivalence_margin, panels=config.panels,
            panel_aggregate=config.panel_aggregate,
        )
    return metrics.model_copy(update={
        # What the numbers were measured on, so a metrics file alone can be checked for comparability.
        "provenance": Provenance(
            tasks=[{"name": t["name"], "content_hash": t["content_hash"]} for t in run["tasks"]],
            prompt_hash=run["prompt_hash"],
            models={j.name: j.model for j in config.judges},
            repeats=config.repeats,
            temperature=config.temperature,
        ),
        "usage": {name: Usage(**u) for name, u in usage_totals(records).items()},
        "scale_def": asdict(task0.scale),  # so reports work for scales defined in task.yaml
    })


def _execute(config: RunConfig, store: RunStore, *, on_start, on_done, on_batch) -> RunOutcome:
    check_run_rules(config.tasks)
    batched = batched_judges(config.judges, batch_all=config.batch)  # refuses batch: true without a batch API
    run = _run_description(config)
    planned, done, jobs, resolved = _pending_jobs(config, store, run)
    store.write_run(run)
    executor, from_cache = _judge_jobs(config, store, jobs, resolved, batched=batched, done=len(done),
                                       on_start=on_start, on_done=on_done, on_batch=on_batch)
    wanted = {j.key for j in planned}
    records = [r for r in store.iter_records() if job_key(r) in wanted]
    metrics = _run_metrics(config, run, records)
    store.write_metrics(metrics.to_json())
    run["finished_at"] = _now()
    store.write_run(run)
    return RunOutcome(
        run_id=run["run_id"], out=config.out, records=records, metrics=metrics,
        n_new=len(jobs), n_resumed=len(done), n_from_cache=from_cache,
        structured={name: {**(j.resolution or {}), "used": executor.used.get(name), "concurrency": j.concurrency,
                           "summary": describe_resolution(j, used=executor.used.get(name))}
                    for name, j in resolved.items()},
    )


def describe_resolution(judge: JudgeSpec, *, used: str | None = None) -> str:
    """One line for run.log and the run's summary: structured output, why, concurrency."""
    r = judge.resolution or {}
    mechanism = used or judge.mechanism or "decided by litellm's data at the first call"
    if used == "off" and judge.structured_output == "auto" and not judge.is_local:
        mechanism = "off (auto fell back to plain text: the prompt's instructions only)"
    slots = {"slots": f" ({r.get('slots')} slot(s))", "given": " (as given)",
             "default": " (default)"}.get(r.get("concurrency_from", ""), "")
    return f"structured output {mechanism}; {r.get('why', '')}; concurrency {judge.concurrency}{slots}"
