"""Anthropic Message Batches (``/v1/messages/batches``), behind ``_batch``'s functions.

Requests are sent inline (no file upload); results are JSONL lines ``{"custom_id", "result":
{"type": "succeeded" | "errored" | "canceled" | "expired", ...}}``. A succeeded message is
turned into the chat-completion shape and read by the same defensive path as a direct answer.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import BatchAPIError
from ..redaction import redact
from ._config import JudgeSpec

ANTHROPIC_BASE = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
MAX_REQUESTS = 100_000
"""Anthropic's limit on the requests of one message batch."""
MAX_BYTES = 256 * 1024 * 1024
"""Anthropic's limit on the size of one message batch."""
_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "refusal": "content_filter"}
_PARAMS = ("temperature", "top_p", "top_k", "stop_sequences", "metadata")
"""Sampling parameters the Messages API takes as they are."""


def endpoint(judge: JudgeSpec) -> tuple[str, dict[str, str]]:
    # litellm's anthropic api_base may name the messages endpoint itself; the batches live beside it.
    base = (judge.api_base or ANTHROPIC_BASE).rstrip("/")
    for suffix in ("/v1/messages", "/v1"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    key = judge.params.get("api_key") or os.environ.get("ANTHROPIC_API_KEY") or "no-key-required"
    return base + "/v1", {"x-api-key": key, "anthropic-version": API_VERSION}


def request_line(judge: JudgeSpec, custom_id: str, messages: list[dict[str, str]], *,
                 params: dict[str, Any]) -> dict[str, Any]:
    """One request: the system message apart, as the Messages API wants it. Structured output is
    not sent (the prompt asks for the JSON answer and the parser reads it from the text)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    body: dict[str, Any] = {"model": judge.model.split("/", 1)[-1], "max_tokens": int(params.get("max_tokens") or 512),
                            "messages": [m for m in messages if m["role"] != "system"]}
    if system:
        body["system"] = system
    body.update({k: params[k] for k in _PARAMS if k in params})
    if "stop" in params and "stop_sequences" not in params:
        body["stop_sequences"] = params["stop"] if isinstance(params["stop"], list) else [params["stop"]]
    return {"custom_id": custom_id, "params": body}


def _info(obj: Any):
    from ._batch import BatchInfo, counter

    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise BatchAPIError("the message batches API answered without a batch id", transient=True)
    n = counter(obj.get("request_counts"))

    processing = str(obj.get("processing_status") or "unknown")
    if processing == "ended":
        # One word for how it ended, in OpenAI's vocabulary, so the runner treats both alike.
        status = ("cancelled" if obj.get("cancel_initiated_at") else
                  "expired" if n("expired") else "completed")
    else:
        status = {"canceling": "cancelling"}.get(processing, processing)[:40]
    total = sum(n(k) for k in ("processing", "succeeded", "errored", "canceled", "expired"))
    return BatchInfo(id=obj["id"], status=status, total=total, completed=n("succeeded"), failed=n("errored"))


async def create(judge: JudgeSpec, data: bytes):
    from ._batch import request

    requests = [json.loads(line) for line in data.splitlines() if line.strip()]
    return _info(await request(judge, "POST", "/messages/batches", json={"requests": requests}))


async def retrieve(judge: JudgeSpec, batch_id: str):
    from ._batch import request

    return _info(await request(judge, "GET", f"/messages/batches/{batch_id}"))


async def cancel(judge: JudgeSpec, batch_id: str):
    from ._batch import request

    return _info(await request(judge, "POST", f"/messages/batches/{batch_id}/cancel"))


async def results(judge: JudgeSpec, info) -> dict[str, Any]:
    """custom_id -> ``Completion`` (succeeded) or ``CallFailure`` (errored); canceled and
    expired requests are absent, to be asked again."""
    from ._batch import request
    from ._client import CallFailure, completion_from_body

    data = await request(judge, "GET", f"/messages/batches/{info.id}/results", raw=True)
    out: dict[str, Any] = {}
    for raw in data.splitlines():
        try:
            line = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
            continue
        result = line.get("result") if isinstance(line.get("result"), dict) else {}
        if result.get("type") == "succeeded":
            out[line["custom_id"]] = completion_from_body(judge, _as_chat(result.get("message")), batch=True)
        elif result.get("type") == "errored":
            error = result.get("error") if isinstance(result.get("error"), dict) else {}
            error = error.get("error") if isinstance(error.get("error"), dict) else error
            kind = str(error.get("type") or "error")
            # A malformed request fails the same way again; anything else may succeed directly.
            out[line["custom_id"]] = CallFailure(
                "batch_line", redact(f"the batch answered this line with {kind}: {error.get('message')}")[:500],
                kind != "invalid_request_error")
    return out


def _as_chat(message: Any) -> Any:
    """An Anthropic message in the chat-completion shape (text blocks joined, usage renamed)."""
    if not isinstance(message, dict):
        return message  # the defensive path reports it
    blocks = message.get("content") if isinstance(message.get("content"), list) else []
    text = "".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
    usage = message.get("usage") if isinstance(message.get("usage"), dict) else {}
    return {
        "id": message.get("id"), "object": "chat.completion", "model": message.get("model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": _FINISH.get(message.get("stop_reason"), "stop")}],
        "usage": {"prompt_tokens": usage.get("input_tokens", 0), "completion_tokens": usage.get("output_tokens", 0),
                  "total_tokens": 0},
    }
