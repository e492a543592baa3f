"""The model client: the only module that imports litellm.

One call in, one value out: a ``Completion`` or a ``CallFailure`` saying whether a retry can
help. Retries, caching and concurrency belong to the runner, so litellm's own retries are off.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ..redaction import redact
from ._config import JudgeSpec
from ._local import LOCAL_PROVIDER, LocalEngine, flatten_messages, grammar_for

# litellm fetches its model-cost map over the network at import unless told otherwise; with no
# network that stalls start-up, so use the copy shipped inside the package.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@dataclass(frozen=True)
class Completion:
    """A judge's answer as received."""

    text: str | None
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    refusal: str | None = None
    """The provider's own refusal message, when it sent one instead of content."""
    finish_reason: str | None = None

    def to_cache(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "usage": self.usage,
            "cost_usd": self.cost_usd,
            "refusal": self.refusal,
            "finish_reason": self.finish_reason,
        }

    @classmethod
    def from_cache(cls, d: dict[str, Any]) -> Completion:
        return cls(**d)


@dataclass(frozen=True)
class CallFailure:
    """A call that produced no answer."""

    kind: str
    """``rate_limit``, ``timeout``, ``server``, ``connection``, ``auth``, ``bad_request``, ``other``."""
    message: str
    transient: bool
    """True when the same call may succeed later (429, 5xx, timeouts, dropped connections)."""
    retry_after: float | None = None
    """Seconds the server asked us to wait (Retry-After header)."""


_litellm = None


def _lib():
    """Import litellm once, on first use, configured for judgebench."""
    global _litellm
    if _litellm is None:
        import litellm

        litellm.telemetry = False
        litellm.suppress_debug_info = True
        litellm.drop_params = True  # a provider that lacks e.g. seed still answers
        litellm.num_retries = 0
        from litellm import CustomLLM

        litellm.custom_provider_map = [
            {"provider": LOCAL_PROVIDER, "custom_handler": _make_local_handler(CustomLLM)}
        ]
        _litellm = litellm
    return _litellm


def _make_local_handler(base):
    """The embedded llama.cpp judge as a litellm custom provider."""

    class LocalJudgeHandler(base):
        def completion(self, *args, **kwargs):
            return self._run(kwargs)

        async def acompletion(self, *args, **kwargs):
            # llama.cpp blocks; run it in a thread so the event loop keeps the progress bar alive.
            return await asyncio.to_thread(self._run, kwargs)

        def _run(self, kwargs):
            import litellm

            opts = kwargs.get("optional_params") or {}
            schema = _schema_of(opts.get("response_format"))
            grammar, json_schema = None, None
            props = (schema or {}).get("properties", {})
            if "items" in props and "total" in props:
                # The judge schema: a hand-written grammar (fixed item count and digit range) is
                # tighter and faster than a generic JSON-schema grammar.
                items = props["items"]
                grammar = grammar_for(int(items.get("minItems", 9)), int(items.get("items", {}).get("maximum", 3)))
            elif schema is not None:
                json_schema = schema
            result = LocalEngine.shared().complete(
                flatten_messages(kwargs["messages"]),
                grammar=grammar,
                json_schema=json_schema,
                max_tokens=int(opts.get("max_tokens") or 96),
                temperature=float(opts.get("temperature") or 0.0),
                seed=int(opts.get("seed") or 0),
            )
            response = kwargs.get("model_response") or litellm.ModelResponse()
            response.choices[0].message.content = result.text
            response.choices[0].finish_reason = result.finish_reason
            response.model = kwargs.get("model")
            response.usage = litellm.Usage(
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                total_tokens=result.prompt_tokens + result.completion_tokens,
            )
            return response

    return LocalJudgeHandler()


def _schema_of(response_format: Any) -> dict | None:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    return None


def response_format_for(judge: JudgeSpec, schema: dict) -> dict | None:
    """Structured output where it exists: a JSON schema, a JSON-object mode, or nothing."""
    mode = judge.structured_output
    if mode == "auto":
        if judge.is_local:
            mode = "schema"
        else:
            try:
                mode = "schema" if _lib().supports_response_schema(model=judge.model) else "off"
            except Exception:
                mode = "off"
    if mode == "schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "phq_judgment", "schema": schema, "strict": False},
        }
    if mode == "json":
        return {"type": "json_object"}
    return None


def _retry_after(exc: Exception) -> float | None:
    """The server's Retry-After, wherever litellm put it: its own ``litellm_response_headers``
    (where the HTTP headers of an OpenAI-compatible error end up), the exception's ``headers``,
    or the raw response's."""
    value = None
    for source in (getattr(exc, "litellm_response_headers", None), getattr(exc, "headers", None),
                   getattr(getattr(exc, "response", None), "headers", None)):
        try:
            value = source.get("retry-after") or source.get("Retry-After") if source else None
        except Exception:  # noqa: BLE001 - a header object we cannot read is no Retry-After
            value = None
        if value is not None:
            break
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _classify(exc: Exception) -> CallFailure:
    lib = _lib()
    msg = redact(f"{type(exc).__name__}: {exc}")[:500]
    status = getattr(exc, "status_code", None)
    if isinstance(exc, lib.RateLimitError) or status == 429:
        return CallFailure("rate_limit", msg, True, _retry_after(exc))
    if isinstance(exc, (lib.Timeout, asyncio.TimeoutError)):
        return CallFailure("timeout", msg, True)
    if isinstance(exc, lib.AuthenticationError) or status in (401, 403) or "Missing credentials" in msg:
        return CallFailure("auth", msg, False)
    if isinstance(exc, lib.APIConnectionError):
        return CallFailure("connection", msg, True, _retry_after(exc))
    if isinstance(exc, (lib.InternalServerError, lib.ServiceUnavailableError)) or (
        isinstance(status, int) and status >= 500
    ):
        return CallFailure("server", msg, True, _retry_after(exc))
    if isinstance(exc, (lib.BadRequestError, lib.NotFoundError)) or status in (400, 404, 422):
        return CallFailure("bad_request", msg, False)
    return CallFailure("other", msg, False)


_routers: dict[str, Any] = {}


def _router(judge: JudgeSpec):
    """A litellm Router over the judge's deployments, spreading calls within each one's rpm/tpm."""
    if judge.name not in _routers:
        lib = _lib()
        model_list = []
        for d in judge.deployments:
            params: dict[str, Any] = {"model": d.get("model", judge.model), "api_base": d["api_base"]}
            for k in ("rpm", "tpm", "weight"):
                if k in d:
                    params[k] = d[k]
            if _needs_placeholder_key(judge, params):
                params["api_key"] = "no-key-required"
            model_list.append({"model_name": judge.name, "litellm_params": params})
        _routers[judge.name] = lib.Router(
            model_list=model_list,
            routing_strategy="simple-shuffle",  # weighted by rpm/tpm/weight when given
            num_retries=0,  # retries and backoff are the runner's
            allowed_fails=1_000_000,  # never cool a replica down: the runner decides what is transient
        )
    return _routers[judge.name]


def _needs_placeholder_key(judge: JudgeSpec, kwargs: dict[str, Any]) -> bool:
    provider = judge.model.split("/", 1)[0]
    return (
        provider in ("openai", "hosted_vllm")
        and "api_key" not in kwargs
        and not os.environ.get("OPENAI_API_KEY")
    )


async def complete(
    judge: JudgeSpec,
    messages: list[dict[str, str]],
    *,
    sampling: dict[str, Any],
    response_format: dict | None,
) -> Completion | CallFailure:
    """One chat completion. Never raises for provider trouble: failures come back as values."""
    lib = _lib()
    kwargs: dict[str, Any] = dict(sampling)  # already holds the judge's params
    if judge.api_base:
        kwargs["api_base"] = judge.api_base
        if _needs_placeholder_key(judge, kwargs):
            # Self-hosted OpenAI-compatible servers (vLLM, llama.cpp, Ollama) take any key, but
            # the OpenAI SDK refuses to send a request without one.
            kwargs["api_key"] = "no-key-required"
    if response_format is not None:
        kwargs["response_format"] = response_format
    if judge.deployments:
        kwargs.pop("api_base", None)
        call = _router(judge).acompletion(model=judge.name, messages=messages, timeout=judge.timeout,
                                          num_retries=0, **kwargs)
    else:
        call = lib.acompletion(model=judge.model, messages=messages, timeout=judge.timeout, num_retries=0, **kwargs)
    try:
        response = await asyncio.wait_for(call, timeout=judge.timeout + 5)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # litellm maps provider errors onto its exception classes
        return _classify(exc)
    try:
        return _completion_of(lib, judge, response)
    except Exception as exc:  # noqa: BLE001 - whatever shape the server sent, it is one bad answer
        return CallFailure("bad_response", redact(f"the server's answer could not be read: {type(exc).__name__}: {exc}")[:500], False)


MAX_ANSWER_CHARS = 100_000
"""Longer answers are cut here (a judge's JSON is a few hundred characters): a 50 MB answer must
not reach the cache, the journal or the parser whole."""


def clean_text(value: Any, *, limit: int = MAX_ANSWER_CHARS) -> tuple[str | None, bool]:
    """Server text made safe to keep: a string (content parts joined), valid Unicode (a lone
    surrogate, e.g. half an emoji, becomes U+FFFD), at most ``limit`` characters. Returns the
    text and whether it was cut."""
    if value is None:
        return None, False
    if isinstance(value, list):  # content parts
        value = "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in value)
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")
    return (text[:limit], True) if len(text) > limit else (text, False)


def completion_from_body(judge: JudgeSpec, body: Any, *, batch: bool = False) -> Completion | CallFailure:
    """A chat completion that arrived as JSON rather than from a call (the body of a batch
    result line), read through the same defensive path as a direct answer. ``batch`` prices it
    at the provider's batch rate (``batch_price``)."""
    lib = _lib()
    try:
        if not isinstance(body, dict):
            raise TypeError(f"the answer is a {type(body).__name__}, not a JSON object")
        return _completion_of(lib, judge, lib.ModelResponse(**body), batch=batch)
    except Exception as exc:  # noqa: BLE001 - whatever shape the line had, it is one bad answer
        return CallFailure("bad_response", redact(f"the batch answer could not be read: {type(exc).__name__}: {exc}")[:500], False)


def _completion_of(lib, judge: JudgeSpec, response, *, batch: bool = False) -> Completion | CallFailure:
    """The one defensive path for a 200 answer: required fields, size, valid Unicode."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return CallFailure("bad_response", "the server answered without any choice (choices: [])", False)
    choice = choices[0]
    message = getattr(choice, "message", None)
    text, cut = clean_text(getattr(message, "content", None))
    usage_obj = getattr(response, "usage", None)
    usage = {}
    if usage_obj is not None:
        usage = {
            "prompt_tokens": _count(getattr(usage_obj, "prompt_tokens", 0)),
            "completion_tokens": _count(getattr(usage_obj, "completion_tokens", 0)),
        }
    finish, _ = clean_text(getattr(choice, "finish_reason", None), limit=40)
    refusal, _ = clean_text(_refusal(choice), limit=2000)
    cost = batch_price(judge, usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)) if batch \
        else _cost(lib, judge, response)
    return Completion(
        text=text,
        usage=usage,
        cost_usd=cost,
        refusal=refusal,
        finish_reason="length" if cut else finish,
    )


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


_unpriced: set[str] = set()


def _cost(lib, judge: JudgeSpec, response) -> float | None:
    """litellm's price for the call; None for models missing from its price map. A miss is
    remembered, because litellm's lookup is slow when it fails and it fails the same way again."""
    if judge.is_local:
        return 0.0
    if judge.model in _unpriced:
        return None
    hidden = getattr(response, "_hidden_params", None)
    if isinstance(hidden, dict) and "response_cost" in hidden:
        # litellm priced the call already while answering it; pricing it again costs ~1 ms a call.
        cost = hidden["response_cost"]
        if cost is None:
            _unpriced.add(judge.model)
            return None
        try:
            return float(cost)
        except (TypeError, ValueError):
            return None
    try:
        return float(lib.completion_cost(completion_response=response))
    except Exception:
        _unpriced.add(judge.model)
        return None


def _refusal(choice) -> str | None:
    # OpenAI's refusal field; litellm keeps it on the message or in provider_specific_fields.
    message = getattr(choice, "message", None)
    refusal = getattr(message, "refusal", None) or (
        getattr(message, "provider_specific_fields", None) or {}
    ).get("refusal")
    if choice.finish_reason == "content_filter" and not refusal:
        refusal = "content_filter"
    return refusal




def missing_keys(model: str) -> list[str]:
    """Environment variables litellm says the model's provider needs and that are not set."""
    try:
        found = _lib().validate_environment(model=model)
    except Exception:  # noqa: BLE001 - an unknown provider is for the first call to report
        return []
    return [str(k) for k in found.get("missing_keys") or []]


def count_tokens(judge: JudgeSpec, messages: list[dict[str, str]]) -> int:
    """Prompt tokens as the judge's own tokenizer counts them where we have it (the embedded
    model), else as litellm counts them for the model (tiktoken's cl100k when unknown)."""
    if judge.is_local:
        return LocalEngine.shared().count_tokens(flatten_messages(messages))
    return int(_lib().token_counter(model=judge.model, messages=messages))


def price(judge: JudgeSpec, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for that many tokens at litellm's list price; None when litellm has no price."""
    if judge.is_local:
        return 0.0
    try:
        p, c = _lib().cost_per_token(model=judge.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    except Exception:
        return None
    return float(p + c)


def batch_price(judge: JudgeSpec, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for that many tokens at the provider's batch rate: litellm's ``*_cost_per_token_batches``
    where its price map has them, else half the list price (what OpenAI and Anthropic charge
    for batches); None when litellm has no price."""
    if judge.is_local:
        return 0.0
    try:
        info = _lib().get_model_info(model=judge.model)
        rate_in, rate_out = info.get("input_cost_per_token_batches"), info.get("output_cost_per_token_batches")
        if rate_in is not None and rate_out is not None:
            return float(prompt_tokens * rate_in + completion_tokens * rate_out)
    except Exception:  # noqa: BLE001 - an unknown model falls through to the list price (or None)
        pass
    listed = price(judge, prompt_tokens, completion_tokens)
    return None if listed is None else listed / 2
