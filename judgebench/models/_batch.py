"""Provider batch APIs: upload request lines, create a batch, poll it, read its results.

OpenAI's Files + Batches API (and any OpenAI-compatible server that implements ``/v1/files``
and ``/v1/batches``) here; Anthropic's Message Batches in ``_batch_anthropic``, behind the same
functions. Spoken with httpx directly: the documented APIs are a handful of small requests,
and owning them keeps one code path for OpenAI, compatible servers and Anthropic alike. Each
answer in a result file is read by the model client's ``completion_from_body``, the same
defensive path as a direct call.

Every function raises ``BatchAPIError`` for provider trouble; the runner decides what to retry.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import BatchAPIError
from ..redaction import redact
from ._config import JudgeSpec

OPENAI_BASE = "https://api.openai.com/v1"
MAX_REQUESTS = 50_000
"""OpenAI's limit on the requests of one batch input file."""
MAX_BYTES = 200 * 1024 * 1024
"""OpenAI's limit on the size of one batch input file."""
TERMINAL = ("completed", "expired", "cancelled", "failed")
"""Batch statuses after which nothing more will be answered."""
_NOT_BODY = {"api_key", "api_base", "base_url", "timeout", "extra_headers", "extra_body", "num_retries"}
"""litellm call options in a judge's ``params`` that are not part of the request body."""


@dataclass(frozen=True)
class BatchInfo:
    """What the provider says about one batch."""

    id: str
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


def batch_provider(judge: JudgeSpec) -> str | None:
    """The batch API a judge can use, or None (local judges, fleets, other providers)."""
    if judge.is_local or judge.deployments:
        return None
    prefix = judge.model.split("/", 1)[0] if "/" in judge.model else "openai"
    return {"openai": "openai", "hosted_vllm": "openai", "anthropic": "anthropic"}.get(prefix)


def uploads(judge: JudgeSpec) -> bool:
    """Whether the judge's batches are made from an uploaded file (OpenAI) or sent inline."""
    return batch_provider(judge) == "openai"


def limits(judge: JudgeSpec) -> tuple[int, int]:
    """(requests, bytes) per batch; ``JUDGEBENCH_BATCH_MAX_REQUESTS`` lowers the request limit
    (tests use it to make several chunks from a small task)."""
    if batch_provider(judge) == "anthropic":
        most, size = _anthropic().MAX_REQUESTS, _anthropic().MAX_BYTES
    else:
        most, size = MAX_REQUESTS, MAX_BYTES
    try:
        n = int(os.environ.get("JUDGEBENCH_BATCH_MAX_REQUESTS", most))
    except ValueError:
        n = most
    return max(1, min(n, most)), size


def _anthropic():
    from . import _batch_anthropic

    return _batch_anthropic


def request_line(judge: JudgeSpec, custom_id: str, messages: list[dict[str, str]], *,
                 sampling: dict[str, Any], response_format: dict | None) -> dict[str, Any]:
    """One request of a batch: the body a direct call would send."""
    params = {k: v for k, v in sampling.items() if k not in _NOT_BODY}
    if isinstance(sampling.get("extra_body"), dict):
        params.update(sampling["extra_body"])
    if batch_provider(judge) == "anthropic":
        return _anthropic().request_line(judge, custom_id, messages, params=params)
    body: dict[str, Any] = {"model": judge.model.split("/", 1)[-1], "messages": messages, **params}
    if response_format is not None:
        body["response_format"] = response_format
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def _endpoint(judge: JudgeSpec) -> tuple[str, dict[str, str]]:
    """Base URL (ending in /v1) and auth headers of the judge's batch API."""
    if batch_provider(judge) == "anthropic":
        return _anthropic().endpoint(judge)
    key = judge.params.get("api_key") or os.environ.get("OPENAI_API_KEY") or "no-key-required"
    return (judge.api_base or OPENAI_BASE).rstrip("/"), {"Authorization": f"Bearer {key}"}


async def request(judge: JudgeSpec, method: str, path: str, *, raw: bool = False, **kwargs) -> Any:
    """One request to the batch API: parsed JSON, or bytes with ``raw``; ``BatchAPIError`` (with
    whether a retry may help) for anything else."""
    import httpx

    base, headers = _endpoint(judge)
    try:
        async with httpx.AsyncClient(timeout=judge.timeout) as http:
            response = await http.request(method, base + path, headers=headers, **kwargs)
    except httpx.HTTPError as e:
        raise BatchAPIError(redact(f"{method} {path}: {type(e).__name__}: {e}")[:500], transient=True) from None
    if response.status_code >= 400:
        transient = response.status_code == 429 or response.status_code >= 500
        raise BatchAPIError(redact(f"{method} {path}: HTTP {response.status_code}: {response.text}")[:500],
                            transient=transient)
    if raw:
        return response.content
    try:
        return response.json()
    except ValueError:
        raise BatchAPIError(f"{method} {path}: the answer is not JSON", transient=True) from None


def counter(counts: Any) -> Callable[[str], int]:
    """A reader of a provider's request counts: a missing or malformed count is 0."""
    counts = counts if isinstance(counts, dict) else {}

    def n(key: str) -> int:
        try:
            return max(0, int(counts.get(key) or 0))
        except (TypeError, ValueError):
            return 0

    return n


def _info(obj: Any) -> BatchInfo:
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise BatchAPIError("the batch API answered without a batch id", transient=True)
    n = counter(obj.get("request_counts"))

    def file_id(key: str) -> str | None:
        v = obj.get(key)
        return v if isinstance(v, str) and v else None

    return BatchInfo(id=obj["id"], status=str(obj.get("status") or "unknown")[:40], total=n("total"),
                     completed=n("completed"), failed=n("failed"), input_file_id=file_id("input_file_id"),
                     output_file_id=file_id("output_file_id"), error_file_id=file_id("error_file_id"))


async def upload(judge: JudgeSpec, data: bytes) -> str:
    """Upload a batch input file; returns its file id."""
    obj = await request(judge, "POST", "/files", data={"purpose": "batch"},
                         files={"file": ("judgebench-batch.jsonl", data, "application/jsonl")})
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise BatchAPIError("the files API answered without a file id", transient=True)
    return obj["id"]


async def create(judge: JudgeSpec, file_id: str | None, *, metadata: dict[str, str], data: bytes = b"") -> BatchInfo:
    """A batch from an uploaded file (OpenAI) or from the request lines themselves (Anthropic)."""
    if not uploads(judge):
        return await _anthropic().create(judge, data)
    return _info(await request(judge, "POST", "/batches", json={
        "input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h",
        "metadata": metadata}))


async def find(judge: JudgeSpec, file_id: str) -> BatchInfo | None:
    """The batch already made from an uploaded file, if any (a process killed between creating a
    batch and recording its id finds it here instead of creating a second one)."""
    if not uploads(judge):
        return None
    obj = await request(judge, "GET", "/batches", params={"limit": 100})
    for item in (obj.get("data") if isinstance(obj, dict) else None) or []:
        if isinstance(item, dict) and item.get("input_file_id") == file_id:
            return _info(item)
    return None


async def retrieve(judge: JudgeSpec, batch_id: str) -> BatchInfo:
    if not uploads(judge):
        return await _anthropic().retrieve(judge, batch_id)
    return _info(await request(judge, "GET", f"/batches/{batch_id}"))


async def cancel(judge: JudgeSpec, batch_id: str) -> BatchInfo:
    if not uploads(judge):
        return await _anthropic().cancel(judge, batch_id)
    return _info(await request(judge, "POST", f"/batches/{batch_id}/cancel"))


async def results(judge: JudgeSpec, info: BatchInfo) -> dict[str, Any]:
    """custom_id -> ``Completion`` or ``CallFailure`` for every line the batch answered (lines
    it never reached, in an expired or cancelled batch, are absent)."""
    if not uploads(judge):
        return await _anthropic().results(judge, info)
    from ._client import CallFailure, completion_from_body

    out: dict[str, Any] = {}
    for file_id in (info.error_file_id, info.output_file_id):  # answers overwrite errors
        if not file_id:
            continue
        data = await request(judge, "GET", f"/files/{file_id}/content", raw=True)
        for raw in data.splitlines():
            try:
                line = json.loads(raw)
            except (ValueError, RecursionError):
                continue  # a torn or foreign line answers nothing; its request is redone
            if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
                continue
            response = line.get("response") if isinstance(line.get("response"), dict) else {}
            status = response.get("status_code")
            if status == 200 and not line.get("error"):
                out[line["custom_id"]] = completion_from_body(judge, response.get("body"), batch=True)
            else:
                why = _line_error(line.get("error") or (response.get("body") or {}), status)
                out[line["custom_id"]] = CallFailure(
                    "batch_line", redact(f"the batch answered this line with {why}")[:500], True)
    return out


def _line_error(error: Any, status: Any) -> str:
    if isinstance(error, dict) and "error" in error:
        error = error["error"]
    message = error.get("message") if isinstance(error, dict) else error
    return f"HTTP {status}: {message}" if status else f"an error: {message}"
