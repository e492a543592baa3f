"""One cached, retried model call outside a judging run (``judgebench generate`` uses it)."""

from __future__ import annotations

from typing import Any

from ..models import JudgeSpec, client
from ..redaction import redact_obj
from ._cache import ResponseCache, cache_key
from ._retry import Backoff, call_with_retries


def call_key(judge: JudgeSpec, messages: list[dict[str, str]], *, sampling: dict[str, Any],
             schema: dict[str, Any]) -> str:
    """The cache key of a ``cached_call`` (what ``--dry-run`` looks up)."""
    return cache_key(model=judge.model, api_base=judge.cache_endpoint, messages=messages,
                     sampling=sampling, schema={"generate": schema}, repeat=0)


async def cached_call(judge: JudgeSpec, messages: list[dict[str, str]], *, sampling: dict[str, Any],
                      schema: dict[str, Any], cache: ResponseCache, label: str,
                      backoff: Backoff | None = None) -> tuple[str | None, str | None]:
    """``(text, None)`` from the cache or the model, or ``(None, reason)`` when the call failed.
    Answers are redacted before they are cached; failures are never cached."""
    key = call_key(judge, messages, sampling=sampling, schema=schema)
    hit = cache.get(key)
    if hit is not None:
        try:
            return hit["completion"]["text"], None
        except (KeyError, TypeError):
            pass  # an unreadable entry is a miss
    lib = client()
    result, _ = await call_with_retries(judge, messages, sampling=sampling,
                                        response_format=lib.response_format_for(judge, schema),
                                        backoff=backoff or Backoff.from_env(), label=label)
    if isinstance(result, lib.CallFailure):
        return None, f"{result.kind}: {result.message}"
    cache.set(key, {"completion": redact_obj(result.to_cache())})
    return result.text, None
