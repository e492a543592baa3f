"""What server sits behind an OpenAI-compatible ``api_base``, asked once per address.

Self-hosted servers differ in how they constrain an answer: the llama.cpp server (C++) and the
one shipped with llama-cpp-python take a GBNF ``grammar`` in the request body (llama-cpp-python
answers a ``json_schema`` response format with HTTP 500), vLLM takes a ``json_schema`` response
format (its guided decoding), Ollama turns one into its ``format``. Each identifies itself on a
different path, so all are asked at once; nothing here is fatal: an unknown or unreachable server
is ``unknown`` and the caller falls back to what litellm knows of the model.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

PROBE_TIMEOUT = 3.0
"""Seconds per probe request; the probes run in parallel, so a run waits at most this long."""
_MAX_BYTES = 1_000_000  # an identity document is a few kB; never read a huge answer whole


@dataclass(frozen=True)
class ServerInfo:
    """A server as its own endpoints describe it."""

    kind: str
    """``llama.cpp``, ``llama-cpp-python``, ``vllm``, ``ollama`` or ``unknown``."""
    version: str | None = None
    slots: int | None = None
    """Requests the server works on at once (llama.cpp ``/props`` ``total_slots``; 1 for
    llama-cpp-python's server, which serialises requests); None when it does not say."""
    structured_output: str | None = None
    """The mechanism ``auto`` picks for this server (``grammar`` or ``schema``); None: unknown."""

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "version": self.version, "slots": self.slots}


def server_root(api_base: str) -> str:
    """``http://host:8000/v1`` -> ``http://host:8000``: identity endpoints live at the root."""
    root = api_base.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def _get_json(url: str) -> Any:
    """GET a JSON document, or None for anything else (refused, 404, HTML, too slow)."""
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                    timeout=PROBE_TIMEOUT) as r:
            if r.status != 200:
                return None
            return json.loads(r.read(_MAX_BYTES).decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - a probe never fails a run; no answer is "unknown"
        return None


def _text(value: Any) -> str | None:
    return str(value)[:80] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _slots(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 10_000 else None


def identify(props: Any, version: Any, ollama: Any, openapi: Any) -> ServerInfo:
    """The server kind from the four identity documents (whatever each server answered)."""
    if isinstance(props, dict) and ("total_slots" in props or "default_generation_settings" in props):
        return ServerInfo("llama.cpp", _text(props.get("build_info")), _slots(props.get("total_slots")), "grammar")
    if isinstance(ollama, dict) and "version" in ollama:
        return ServerInfo("ollama", _text(ollama.get("version")), None, "schema")
    info = openapi.get("info") if isinstance(openapi, dict) else None
    title = str(info.get("title", "")) if isinstance(info, dict) else ""
    if "llama.cpp" in title:
        # llama-cpp-python's server: one model behind a lock, so one request at a time.
        return ServerInfo("llama-cpp-python", _text(info.get("version")), 1, "grammar")
    if isinstance(version, dict) and "version" in version:
        return ServerInfo("vllm", _text(version.get("version")), None, "schema")
    return ServerInfo("unknown")


_probed: dict[str, ServerInfo] = {}


async def probe(api_base: str) -> ServerInfo:
    """Identify the server at ``api_base`` (once per address per process)."""
    if api_base not in _probed:
        root = server_root(api_base)
        docs = await asyncio.gather(*(asyncio.to_thread(_get_json, root + path)
                                      for path in ("/props", "/version", "/api/version", "/openapi.json")))
        _probed[api_base] = identify(*docs)
    return _probed[api_base]
