"""The model client: the only module that imports litellm.

One call in, one value out: a ``Completion`` or a ``CallFailure`` saying whether a retry can
help. Retries, caching and concurrency belong to the runner, so litellm's own retries are off.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..redaction import redact
from ._config import JudgeSpec
from ._local import LOCAL_PROVIDER, LocalEngine, flatten_messages, grammar_for, grammar_for_schema

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
    logprobs: list[dict[str, Any]] | None = None
    """The answer's tokens with their log-probabilities, when asked for and sent:
    ``[{"token", "logprob", "top": [{"token", "logprob"}], "bytes"?}]`` (``logprobs_of``)."""
    deployment: str | None = None
    """The replica that answered (its api_base without credentials), for a judge with deployments."""

    def to_cache(self) -> dict[str, Any]:
        out = {
            "text": self.text,
            "usage": self.usage,
            "cost_usd": self.cost_usd,
            "refusal": self.refusal,
            "finish_reason": self.finish_reason,
            "deployment": self.deployment,
        }
        if self.logprobs is not None:  # entries of point runs stay as they were
            out["logprobs"] = self.logprobs
        return out

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

        # pydantic warns on stderr when a server sends a non-string content; the judgment
        # already records what was wrong, the terminal needs no second, cryptic copy
        warnings.filterwarnings("ignore", message="Pydantic serializer warnings")
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


def warm_up() -> None:
    """Import litellm now rather than at the first call (a call worker does this before it says
    it is ready, so no call waits seconds for an import)."""
    _lib()


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
            top = _local_top_logprobs(opts) or _local_top_logprobs(kwargs)
            result = LocalEngine.shared().complete(
                flatten_messages(kwargs["messages"]),
                grammar=grammar,
                json_schema=json_schema,
                max_tokens=int(opts.get("max_tokens") or 96),
                temperature=float(opts.get("temperature") or 0.0),
                seed=int(opts.get("seed") or 0),
                top_logprobs=top,
            )
            response = kwargs.get("model_response") or litellm.ModelResponse()
            response.choices[0].message.content = result.text
            if result.token_logprobs is not None:
                # OpenAI's shape, read back by the same path as a remote server's
                response.choices[0].logprobs = {"content": result.token_logprobs}
            response.choices[0].finish_reason = result.finish_reason
            response.model = kwargs.get("model")
            response.usage = litellm.Usage(
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                total_tokens=result.prompt_tokens + result.completion_tokens,
            )
            return response

    return LocalJudgeHandler()


def _local_top_logprobs(params: dict[str, Any]) -> int | None:
    if not params.get("logprobs"):
        return None
    return int(params.get("top_logprobs") or TOP_LOGPROBS)


TOP_LOGPROBS = 20
"""Alternatives asked per token with ``--scoring logprob`` (OpenAI's maximum)."""


def scoring_params(judge: JudgeSpec) -> dict[str, Any]:
    """Request parameters of the judge's scoring mode: log-probabilities for ``logprob``, and for
    ``auto`` where litellm says the provider returns them (the embedded judge always does)."""
    mode = judge.scoring
    if mode == "auto":
        mode = "logprob" if judge.is_local or _supports_logprobs(judge.model) else "point"
    return {"logprobs": True, "top_logprobs": TOP_LOGPROBS} if mode == "logprob" else {}


def _supports_logprobs(model: str) -> bool:
    try:
        return "logprobs" in (_lib().get_supported_openai_params(model=model) or [])
    except Exception:  # noqa: BLE001 - an unknown model: ask without logprobs
        return False


MAX_LOGPROB_TOKENS = 4096
"""Tokens of an answer whose log-probabilities are kept (a JSON answer needs ~50)."""


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _logprob(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if value == value and value <= 0 else None  # NaN and p > 1 are not probabilities


def _token(obj: Any) -> dict[str, Any] | None:
    text = _field(obj, "token")
    if not isinstance(text, str):
        return None
    out: dict[str, Any] = {"token": clean_text(text, limit=200)[0], "logprob": _logprob(_field(obj, "logprob"))}
    raw = _field(obj, "bytes")
    if isinstance(raw, list) and len(raw) <= 800 and all(isinstance(b, int) and 0 <= b < 256 for b in raw):
        out["bytes"] = list(raw)
    return out


def logprobs_of(choice: Any) -> list[dict[str, Any]] | None:
    """OpenAI's ``choice.logprobs.content``, from an untrusted server, in a plain form safe to
    cache: at most ``MAX_LOGPROB_TOKENS`` tokens, 2 x ``TOP_LOGPROBS`` alternatives each, token
    texts valid Unicode, log-probabilities finite and <= 0 (else null). None when absent."""
    content = _field(_field(choice, "logprobs"), "content")
    if not isinstance(content, list) or not content:
        return None
    out = []
    for item in content[:MAX_LOGPROB_TOKENS]:
        tok = _token(item)
        if tok is None:
            return None  # a token we cannot read leaves offsets we cannot trust
        top = _field(item, "top_logprobs")
        tok["top"] = [t for t in (_token(x) for x in (top if isinstance(top, list) else [])[: 2 * TOP_LOGPROBS]) if t]
        for t in tok["top"]:
            t.pop("bytes", None)  # only the chosen token's bytes locate it
        out.append(tok)
    return out


def _schema_of(response_format: Any) -> dict | None:
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    return None


GRAMMAR_FORMAT = "judgebench_grammar"
"""A response format of our own: ``complete`` sends its GBNF as the body's ``grammar`` field."""


def response_format_for(judge: JudgeSpec, schema: dict) -> dict | None:
    """Structured output where it exists: a JSON schema, a JSON-object mode, judgebench's GBNF
    grammar (llama.cpp servers), or nothing."""
    mode = judge.mechanism or judge.structured_output
    if mode == "grammar":
        gbnf = grammar_for_schema(schema)
        return {"type": GRAMMAR_FORMAT, "grammar": gbnf} if gbnf else None
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


def mechanism_of(judge: JudgeSpec, response_format: dict | None) -> str:
    """The structured output a response format stands for, as run.log and the summary name it."""
    if judge.is_local:
        return "grammar"  # the embedded judge turns the schema into judgebench's grammar
    kind = (response_format or {}).get("type")
    return {"json_schema": "schema", "json_object": "json", GRAMMAR_FORMAT: "grammar"}.get(kind, "off")


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


_TRACEBACK = re.compile(r"\s*Traceback \(most recent call last\):.*", re.S)
_REPEATED = re.compile(r"^(\w+): litellm\.\1: (?:\1: )?")


def _tidy(text: str) -> str:
    """A provider error as one readable line: litellm embeds whole Python tracebacks in some
    exception texts (e.g. for a 200 it cannot read) and repeats the class name three times."""
    text = _TRACEBACK.sub(" (library traceback left out)", text)
    return " ".join(_REPEATED.sub(r"\1: ", text).split())
_REJECTED = re.compile(
    r"json_schema|response_format|grammar|guided|unsupported|not supported|validation error|"
    r"invalid(?! response)|literal_error|unknown (field|parameter|argument)|unexpected keyword", re.I)
"""Words of a server saying the request itself is wrong: asking again cannot help, whatever the
status (llama-cpp-python's server answers an unknown response format with 500). Not "invalid
response": that is litellm failing to read a 200 answer, which says nothing about the request."""


def _classify(exc: Exception) -> CallFailure:
    lib = _lib()
    msg = redact(_tidy(f"{type(exc).__name__}: {exc}"))[:500]
    status = getattr(exc, "status_code", None)
    if status in (400, 422, 500) and _REJECTED.search(msg) and not isinstance(
            exc, (lib.RateLimitError, lib.Timeout, lib.APIConnectionError, asyncio.TimeoutError)):
        return CallFailure("bad_request", f"the server rejected the request as invalid or unsupported (HTTP {status}; "
                           "not retried); if it is about the answer format, set structured_output in the models "
                           f"file (auto, schema, json, grammar or off): {msg}"[:700], False)
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
        priced_before = dict(lib.model_cost)
        _routers[judge.name] = lib.Router(
            model_list=model_list,
            routing_strategy="simple-shuffle",  # weighted by rpm/tpm/weight when given
            # A replica that fails (connection refused, 5xx, timeout) more than once within a
            # minute leaves the rotation for COOLDOWN_S; the failed call is asked again at once
            # on another replica (the Router's retry), and the runner's backoff stays for the
            # case where every replica fails.
            # Enough retries that a call survives a replica failing twice (its allowed failure,
            # then the one that cools it down) before landing on a live one.
            num_retries=2 * len(model_list) - 1 if len(model_list) > 1 else 0,
            retry_after=0,
            allowed_fails=1,
            cooldown_time=COOLDOWN_S,
        )
        # The Router registers every deployment's model in litellm's process-wide price map at
        # $0 when it has no price, which made every unpriced model of the run "priced at $0".
        _restore_prices(lib, priced_before)
    return _routers[judge.name]


COOLDOWN_S = 30.0
"""Seconds a failing replica of a fleet stays out of the rotation."""


def _restore_prices(lib, before: dict[str, Any]) -> None:
    for name in [k for k in lib.model_cost if k not in before]:
        del lib.model_cost[name]
    for name, entry in before.items():
        if lib.model_cost.get(name) is not entry:
            lib.model_cost[name] = entry


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
    if response_format is not None and response_format.get("type") == GRAMMAR_FORMAT:
        # llama.cpp servers read a GBNF grammar from the request body; litellm passes extra_body on.
        kwargs["extra_body"] = {**(kwargs.get("extra_body") or {}), "grammar": response_format["grammar"]}
    elif response_format is not None:
        kwargs["response_format"] = response_format
    if judge.deployments:
        kwargs.pop("api_base", None)
        router = _router(judge)
        # The Router's own retries move a failed call to another replica; each has the timeout.
        call = router.acompletion(model=judge.name, messages=messages, timeout=judge.timeout, **kwargs)
        budget = judge.timeout * 2 * len(judge.deployments) + 5
    else:
        call = lib.acompletion(model=judge.model, messages=messages, timeout=judge.timeout, num_retries=0, **kwargs)
        budget = judge.timeout + 5
    try:
        response = await asyncio.wait_for(call, timeout=budget)
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
        else _cost(lib, judge, response, usage)
    return Completion(
        text=text,
        usage=usage,
        cost_usd=cost,
        refusal=refusal,
        finish_reason="length" if cut else finish,
        logprobs=logprobs_of(choice),
        deployment=_deployment(judge, response),
    )


def _deployment(judge: JudgeSpec, response) -> str | None:
    """The replica that answered a fleet judge: litellm notes its api_base on the response."""
    if not judge.deployments:
        return None
    from ..redaction import public_url

    base = (getattr(response, "_hidden_params", None) or {}).get("api_base")
    text, _ = clean_text(public_url(str(base)) if base else None, limit=500)
    return text


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


_unpriced: set[str] = set()


def _own_price(judge: JudgeSpec, prompt_tokens: int, completion_tokens: int) -> float:
    p = judge.price or {}
    return (prompt_tokens * float(p["input_per_mtok"]) + completion_tokens * float(p["output_per_mtok"])) / 1e6


def _cost(lib, judge: JudgeSpec, response, usage: dict[str, int] | None = None) -> float | None:
    """The judge's own price (models file) or litellm's for the call; None for models missing
    from litellm's price map. A miss is remembered, because litellm's lookup is slow when it
    fails and it fails the same way again."""
    if judge.is_local:
        return 0.0
    if judge.price:
        return _own_price(judge, (usage or {}).get("prompt_tokens", 0), (usage or {}).get("completion_tokens", 0))
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
    """USD for that many tokens at the judge's own price or litellm's list price; None when
    neither has one."""
    if judge.is_local:
        return 0.0
    if judge.price:
        return _own_price(judge, prompt_tokens, completion_tokens)
    try:
        p, c = _lib().cost_per_token(model=judge.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    except Exception:
        return None
    return float(p + c)


def batch_price(judge: JudgeSpec, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for that many tokens at the provider's batch rate: litellm's ``*_cost_per_token_batches``
    where its price map has them, else half the list price (what OpenAI and Anthropic charge
    for batches); half the judge's own price when the models file gives one; None when neither
    has a price."""
    if judge.is_local:
        return 0.0
    if judge.price:
        return _own_price(judge, prompt_tokens, completion_tokens) / 2
    try:
        info = _lib().get_model_info(model=judge.model)
        rate_in, rate_out = info.get("input_cost_per_token_batches"), info.get("output_cost_per_token_batches")
        if rate_in is not None and rate_out is not None:
            return float(prompt_tokens * rate_in + completion_tokens * rate_out)
    except Exception:  # noqa: BLE001 - an unknown model falls through to the list price (or None)
        pass
    listed = price(judge, prompt_tokens, completion_tokens)
    return None if listed is None else listed / 2
