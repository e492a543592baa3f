"""Judging through provider batch APIs, durably: a killed run re-attaches, never resubmits.

For each batched judge: the judgments not done and not cached become request lines (custom_id
-> task, sample, repeat), split by the provider's limits. Each chunk is written to the run's
batches.json before it is uploaded, its file id when uploaded, its batch id when created, so a
process killed at any point resumes by re-attaching (or finds the batch made from an uploaded
file) instead of paying again. When a batch ends, every answered line goes through the same
parser and record as a direct call and into the cache; lines the batch failed are retried as
direct calls, and lines an expired or cancelled batch never reached are asked directly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Callable

from .._aio import gather_or_stop
from ..errors import BatchAPIError, InputError
from ..models import JudgeSpec, batch_api, client
from ..redaction import public_url, redact_obj
from ..results import RunStore
from ._execute import Executor, Job, _record

log = logging.getLogger("judgebench.runner")

OnBatch = Callable[[dict[str, Any]], None]
_SUBMIT_TRIES = 5


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def poll_interval() -> float:
    """Seconds between the first polls (``JUDGEBENCH_BATCH_POLL``, default 30); waits grow by
    half each poll up to ten times that, at most five minutes."""
    raw = os.environ.get("JUDGEBENCH_BATCH_POLL", "30")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InputError(f"JUDGEBENCH_BATCH_POLL={raw!r} must be a positive number of seconds")
    return value


def batched_judges(judges: list[JudgeSpec], *, batch_all: bool) -> set[str]:
    """Names of the judges to batch: ``batch: true`` ones, and with ``--batch`` every judge whose
    provider has a batch API (the others are called directly)."""
    api = batch_api()
    bad = [j.name for j in judges if j.batch and api.batch_provider(j) is None]
    if bad:
        raise InputError(f"batch: true on {', '.join(bad)}: no batch API judgebench can use for that provider "
                         "(OpenAI, OpenAI-compatible servers, Anthropic); remove batch: true for it")
    return {j.name for j in judges if (j.batch or batch_all) and api.batch_provider(j) is not None}


def open_batches(store: RunStore) -> list[dict[str, Any]]:
    """Batches of the run directory that were created (or uploaded) and not yet collected."""
    if not store.batches_path.exists():
        return []
    return [e for e in store.read_batches()["batches"]
            if (e.get("file_id") or e.get("batch_id")) and not e.get("collected_at")]


def submitted(entries: list[dict[str, Any]]) -> set[tuple[str, str, str, int]]:
    """The judgments (task, sample, judge, repeat) those batches were asked to make."""
    return {(t, s, e["judge"], r) for e in entries for t, s, r in e["requests"].values()}


async def run_jobs(executor: Executor, store: RunStore, jobs: list[Job], *, batched: set[str],
                   on_batch: OnBatch = lambda info: None) -> None:
    """Direct jobs through the executor, batched ones through batches, at the same time. Batches
    recorded by an earlier attempt are re-attached even when this run no longer batches."""
    state = store.read_batches()
    judges = {j.judge.name: j.judge for j in jobs}
    # A chunk recorded but never uploaded or created cannot have been paid for: it is planned again.
    state["batches"] = [e for e in state["batches"] if e.get("file_id") or e.get("batch_id")]
    open_entries = [e for e in state["batches"] if not e.get("collected_at") and e.get("judge") in judges]
    if not open_entries and not batched:
        await executor.run(jobs)
        return
    claimed = submitted(open_entries)
    direct: list[Job] = []
    fresh: dict[str, list[Job]] = {}
    for job in jobs:
        if job.key in claimed:
            continue
        if job.judge.name in batched and executor.cache.get(executor.request(job)[2]) is None:
            fresh.setdefault(job.judge.name, []).append(job)
        else:
            direct.append(job)  # not batched, or answered by the cache
    batches = _Batches(executor, store, state, {j.key: j for j in jobs}, on_batch)
    for name, group in fresh.items():
        open_entries += batches.plan(judges[name], group)
    await gather_or_stop(executor.run(direct), *(batches.follow(judges[e["judge"]], e) for e in open_entries))


class _Batches:
    def __init__(self, executor: Executor, store: RunStore, state: dict[str, Any], pending: dict[tuple, Job],
                 on_batch: OnBatch):
        self.executor, self.store, self.state, self.pending, self.on_batch = executor, store, state, pending, on_batch
        self.api = batch_api()
        self.lock = asyncio.Lock()

    def save(self) -> None:
        self.store.write_batches(self.state)

    def plan(self, judge: JudgeSpec, jobs: list[Job]) -> list[dict[str, Any]]:
        """Chunks of request lines within the provider's limits, recorded before any upload."""
        max_requests, max_bytes = self.api.limits(judge)
        entries: list[dict[str, Any]] = []
        chunk: list[bytes] = []
        chunk_bytes = 0

        def close_chunk() -> None:
            nonlocal chunk_bytes
            if chunk:
                entries[-1]["_data"] = b"".join(chunk)
                chunk.clear()
                chunk_bytes = 0

        for job in jobs:
            messages, sampling, _ = self.executor.request(job)
            line = self.api.request_line(judge, "", messages, sampling=self.executor.call_sampling(job, sampling),
                                         response_format=self.executor.response_format(job))
            size = len(json.dumps(line, ensure_ascii=False).encode("utf-8")) + 16  # + its custom_id
            if not chunk or len(chunk) >= max_requests or chunk_bytes + size > max_bytes:
                close_chunk()
                entries.append({"judge": judge.name, "model": judge.model, "api_base": public_url(judge.api_base),
                                "provider": self.api.batch_provider(judge), "file_id": None, "batch_id": None,
                                "status": "planned", "counts": {}, "created_at": _now(), "collected_at": None,
                                "requests": {}})
            line["custom_id"] = f"r{len(chunk)}"
            entries[-1]["requests"][line["custom_id"]] = [job.task.name, job.item.id, job.repeat]
            chunk.append((json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
            chunk_bytes += len(chunk[-1])
        close_chunk()
        return entries

    async def _record(self, entry: dict[str, Any]) -> None:
        async with self.lock:
            if entry not in self.state["batches"]:
                self.state["batches"].append(entry)
            self.save()

    async def _create(self, judge: JudgeSpec, entry: dict[str, Any], data: bytes):
        """The batch of a chunk: (info, whether it already existed). The chunk is on record before
        anything can be created from it, the file id as soon as it exists."""
        if not self.api.uploads(judge):  # Anthropic: the requests go with the creation
            await self._record(entry)
            return await self.api.create(judge, None, metadata={}, data=data), False
        if not entry.get("file_id"):
            await self._record(entry)
            entry["file_id"] = await self.api.upload(judge, data)
            await self._record(entry)
        found = await self.api.find(judge, entry["file_id"])
        return found or await self.api.create(judge, entry["file_id"], metadata={"source": "judgebench"}), bool(found)

    async def _submit(self, judge: JudgeSpec, entry: dict[str, Any]) -> None:
        """Create the chunk's batch and record its id; a transient failure is retried with the
        run's backoff."""
        data = entry.pop("_data", b"")
        for attempt in range(_SUBMIT_TRIES):
            try:
                info, found = await self._create(judge, entry, data)
            except BatchAPIError as e:
                if entry in self.state["batches"] and not entry.get("file_id"):
                    async with self.lock:
                        self.state["batches"].remove(entry)  # never uploaded: nothing to re-attach to
                        self.save()
                if not e.transient or attempt == _SUBMIT_TRIES - 1:
                    raise BatchAPIError(f"judge {judge.name}: could not submit a batch: {e}") from None
                wait = self.executor.backoff.delay(attempt)
                log.warning("batch submission for %s failed (%s); again in %.1fs", judge.name, e, wait)
                await asyncio.sleep(wait)
                continue
            entry["batch_id"], entry["status"] = info.id, info.status
            await self._record(entry)
            log.info("batch %s (%s): %d requests %s", info.id, judge.name, len(entry["requests"]),
                     "re-attached" if found else "created")
            return

    async def follow(self, judge: JudgeSpec, entry: dict[str, Any]) -> None:
        if not entry.get("batch_id"):
            await self._submit(judge, entry)
        info = await self._wait(judge, entry)
        answers = await self._answers(judge, info)
        await self._collect(judge, entry, info, answers)

    async def _wait(self, judge: JudgeSpec, entry: dict[str, Any]):
        start = time.monotonic()
        first = wait = poll_interval()
        cap = min(300.0, 10 * first)
        while True:
            try:
                info = await self.api.retrieve(judge, entry["batch_id"])
            except BatchAPIError as e:
                if not e.transient:
                    raise BatchAPIError(f"batch {entry['batch_id']} of judge {judge.name}: {e}") from None
                log.warning("polling batch %s failed (%s); polling again", entry["batch_id"], e)
            else:
                counts = {"total": info.total, "completed": info.completed, "failed": info.failed}
                if (entry["status"], entry["counts"]) != (info.status, counts):
                    entry["status"], entry["counts"] = info.status, counts
                    async with self.lock:
                        self.save()
                self.on_batch({"batch_id": info.id, "judge": judge.name, "status": info.status,
                               "total": info.total or len(entry["requests"]), "completed": info.completed,
                               "failed": info.failed, "elapsed_s": round(time.monotonic() - start, 1)})
                if info.done:
                    return info
            await asyncio.sleep(wait)
            wait = min(cap, wait * 1.5)

    async def _answers(self, judge: JudgeSpec, info) -> dict[str, Any]:
        for attempt in range(_SUBMIT_TRIES):
            try:
                return await self.api.results(judge, info)
            except BatchAPIError as e:
                if not e.transient or attempt == _SUBMIT_TRIES - 1:
                    raise BatchAPIError(f"batch {info.id} of judge {judge.name}: could not read its results: {e}") from None
                await asyncio.sleep(self.executor.backoff.delay(attempt))
        return {}

    async def _collect(self, judge: JudgeSpec, entry: dict[str, Any], info, answers: dict[str, Any]) -> None:
        """Record every answered line; ask directly for the rest."""
        Completion = client().Completion
        redo: list[tuple[Job, bool]] = []
        for custom_id, (task, sample_id, repeat) in entry["requests"].items():
            job = self.pending.pop((task, sample_id, judge.name, repeat), None)
            if job is None:
                continue  # recorded before a kill, or no longer part of this run
            answer = answers.get(custom_id)
            if isinstance(answer, Completion):
                self.executor.cache.set(self.executor.request(job)[2], {"completion": redact_obj(answer.to_cache()),
                                                                       "latency_s": None})
                self._append(self.executor._score(job, answer, cached=False, latency=None, attempts=1,
                                                  batch_id=info.id))
            elif answer is not None and (not answer.transient or judge.max_retries == 0):
                self._append(_record(job, None, raw=None, error=f"{answer.kind}: {answer.message}", cached=False,
                                     latency=None, usage=None, cost=None, attempts=1, batch_id=info.id))
            else:
                redo.append((job, answer is not None))
        if redo:
            log.info("batch %s (%s, %s): %d of %d lines asked directly", info.id, judge.name, info.status,
                     len(redo), len(entry["requests"]))
        gate = asyncio.Semaphore(judge.concurrency)

        async def direct(job: Job, failed_in_batch: bool) -> None:
            async with gate:
                if failed_in_batch:  # the batch line was one attempt of the judge's retry budget
                    job = replace(job, judge=replace(job.judge, max_retries=job.judge.max_retries - 1))
                try:
                    rec = await self.executor.judge(job)
                except Exception as exc:  # noqa: BLE001 - one judgment never ends a run
                    log.exception("judgment %s failed unexpectedly", job.item.id)
                    rec = _record(job, None, raw=None, error=f"internal: {type(exc).__name__}: {exc}"[:500],
                                  cached=False, latency=None, usage=None, cost=None, attempts=0)
                if failed_in_batch:
                    rec["attempts"] += 1
                self._append(rec)

        await gather_or_stop(*(direct(job, failed) for job, failed in redo))
        entry["collected_at"] = _now()
        async with self.lock:
            self.save()

    def _append(self, rec: dict[str, Any]) -> None:
        self.executor.store.append(rec)
        self.executor.on_done(rec)


def _judge_of(entry: dict[str, Any]) -> JudgeSpec:
    """Enough of a judge to reach its batch API again (the key comes from the environment)."""
    return JudgeSpec(name=str(entry.get("judge")), model=str(entry.get("model")), api_base=entry.get("api_base"))


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    counts = entry.get("counts") or {}
    return {"batch_id": entry.get("batch_id"), "judge": entry.get("judge"), "status": entry.get("status"),
            "requests": len(entry.get("requests") or {}), "completed": counts.get("completed", 0),
            "failed": counts.get("failed", 0), "created_at": entry.get("created_at"),
            "collected_at": entry.get("collected_at")}


def list_batches(out, *, refresh: bool = True, cancel: bool = False) -> list[dict[str, Any]]:
    """The provider batches of a run directory, newest status from the provider (``refresh``) for
    those not yet collected; ``cancel`` asks the provider to cancel those still in flight. A run
    resumed afterwards keeps the lines they completed and asks for the rest directly."""
    from pathlib import Path

    from ..results import BATCHES_FILE

    store = RunStore(Path(out))
    if not store.batches_path.exists():
        raise InputError(f"{out}: no {BATCHES_FILE}; this run directory has no batches (see `judgebench run --batch`)")
    api = batch_api()

    async def one(entry: dict[str, Any]) -> dict[str, Any]:
        row = _row(entry)
        if not entry.get("batch_id") or entry.get("collected_at") or not (refresh or cancel):
            return row
        try:
            info = await api.retrieve(_judge_of(entry), entry["batch_id"])
            if cancel and not info.done:
                info = await api.cancel(_judge_of(entry), entry["batch_id"])
        except BatchAPIError as e:
            row["note"] = str(e)
            return row
        row.update(status=info.status, completed=info.completed, failed=info.failed)
        return row

    async def all_rows() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(one(e) for e in store.read_batches()["batches"])))

    return asyncio.run(all_rows())
