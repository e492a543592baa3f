"""Keep API keys out of every file judgebench writes.

Secrets come from three places: the environment (any variable named like a key, token or
password), the run's own configuration (inline keys in a models file's params, keys inside
``extra_body`` / ``extra_query`` / headers, a password in an ``api_base`` URL), registered with
``register_secret`` when judges are resolved, and what a server may echo back (an Authorization
header, a bearer token). ``redact`` removes all of them from any text we persist: cache values,
raw answers, run.json, logs, reports and generated tasks.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?)$|^(AZURE|AWS)_.*(KEY|TOKEN)", re.I)
_SECRET_PARAM = re.compile(r"(api_?key|secret|password|token|credential|authorization|auth)", re.I)
_ALLOWED_PARAMS = {"max_tokens", "max_completion_tokens", "top_logprobs"}
# What a server may echo: Authorization headers, bearer tokens, common key shapes, URL passwords.
_PATTERNS = (
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+|basic\s+)?[^\s\"',}]+"), r"\1***"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"), "Bearer ***"),
    (re.compile(r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"), r"\1***"),
    (re.compile(r"\b(?:sk|rk|pk)-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}"), "***"),
    (re.compile(r"(://[^/\s:@]+:)[^@/\s]+@"), r"\1***@"),
)
_registered: set[str] = set()


@lru_cache(maxsize=1)
def _env_secrets() -> tuple[str, ...]:
    vals = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8}
    return tuple(sorted(vals, key=len, reverse=True))


def register_secret(value: Any) -> None:
    """Remember a secret that is not in the environment (an inline key, a URL password)."""
    if isinstance(value, str) and len(value) >= 4:
        _registered.add(value)


def is_secret_name(name: str) -> bool:
    return name not in _ALLOWED_PARAMS and bool(_SECRET_PARAM.search(name))


def register_config_secrets(params: Any, api_base: str | None = None) -> None:
    """Register every secret-named value inside ``params`` (nested too) and an ``api_base``
    password."""
    if isinstance(params, dict):
        for k, v in params.items():
            if is_secret_name(str(k)) or k in ("extra_headers", "headers"):
                for leaf in _leaves(v):
                    register_secret(leaf)
            else:
                register_config_secrets(v)
    elif isinstance(params, list):
        for v in params:
            register_config_secrets(v)
    if api_base:
        try:
            register_secret(urlsplit(api_base).password)
        except ValueError:
            pass


def _leaves(v: Any):
    if isinstance(v, dict):
        for x in v.values():
            yield from _leaves(x)
    elif isinstance(v, list):
        for x in v:
            yield from _leaves(x)
    else:
        yield str(v)


def redact(text: str) -> str:
    """``text`` with every known secret, and anything shaped like a credential, replaced."""
    for secret in sorted({*_env_secrets(), *_registered}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_obj(value: Any) -> Any:
    """``redact`` applied to every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_obj(v) for v in value]
    return value


def public_params(params: dict) -> dict:
    """Model parameters safe to record: drop keys, tokens and headers that could carry them,
    at any depth (``extra_body``, ``extra_query``)."""
    out = {}
    for k, v in params.items():
        if k in ("extra_headers", "headers") or is_secret_name(str(k)):
            continue
        out[k] = public_params(v) if isinstance(v, dict) else v
    return out


def public_url(url: str | None) -> str | None:
    """An endpoint as it may be recorded: without a password in it."""
    return None if url is None else redact(url)
