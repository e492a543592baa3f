"""Keep API keys out of every file judgebench writes."""

from __future__ import annotations

import os
import re
from functools import lru_cache

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS?)$|^(AZURE|AWS)_.*(KEY|TOKEN)", re.I)
_SECRET_PARAM = re.compile(r"(api_?key|secret|password|token|credential|authorization)", re.I)
_ALLOWED_PARAMS = {"max_tokens", "max_completion_tokens", "top_logprobs"}


@lru_cache(maxsize=1)
def _env_secrets() -> tuple[str, ...]:
    vals = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8}
    return tuple(sorted(vals, key=len, reverse=True))


def redact(text: str) -> str:
    """Replace any secret-looking environment value that appears in ``text``."""
    for secret in _env_secrets():
        if secret in text:
            text = text.replace(secret, "***")
    return text


def public_params(params: dict) -> dict:
    """Model parameters safe to record: drop keys, tokens and headers that could carry them."""
    return {
        k: v
        for k, v in params.items()
        if k in _ALLOWED_PARAMS or not (_SECRET_PARAM.search(k) or k in ("extra_headers", "headers"))
    }
