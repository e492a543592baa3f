"""A small Anthropic-style Messages + Message Batches server for tests (127.0.0.1 only).

``POST /v1/messages`` answers directly; ``/v1/messages/batches`` creates, shows, cancels and
returns the results of batches (JSONL, ``result.type`` succeeded / errored / canceled /
expired). Answers come from the same responders as ``OpenAIServer`` (they read the dialogue
from the last user message). Knobs: ``complete_after`` (seconds), ``fail`` (predicate on a
request's params: errored with api_error), ``expire_after`` (the batch ends after that many
requests, the rest expired).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any, Callable

from openai_server import OpenAIServer, Reply, Responder, _Handler

_ids = itertools.count(1)


def message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {"id": f"msg_{next(_ids)}", "type": "message", "role": "assistant", "model": body.get("model"),
            "content": [{"type": "text", "text": reply.content or ""}],
            "stop_reason": "max_tokens" if reply.finish_reason == "length" else "end_turn",
            "usage": {"input_tokens": 100, "output_tokens": 20}}


def _flat(body: dict[str, Any]) -> dict[str, Any]:
    """The body with content blocks joined into strings (what the responders read)."""
    def text(content: Any) -> Any:
        if isinstance(content, list):
            return "".join(b.get("text", "") for b in content if isinstance(b, dict))
        return content

    return {**body, "messages": [{**m, "content": text(m.get("content"))} for m in body.get("messages", [])]}


class _AnthropicHandler(_Handler):
    server: Any

    def _json(self) -> Any:
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")

    def do_GET(self) -> None:
        owner: AnthropicBatchServer = self.server.owner
        parts = self.path.split("?")[0].rstrip("/").split("/")
        with owner.lock:
            if parts[-1] == "results" and parts[-2] in owner.batches:
                batch = owner.batches[parts[-2]]
                data = "".join(json.dumps(r) + "\n" for r in batch["results"]).encode()
                self._send_bytes(200, data)
            elif parts[-1] in owner.batches:
                self._send(200, owner.advance(owner.batches[parts[-1]]))
            else:
                self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})

    def do_POST(self) -> None:
        owner: AnthropicBatchServer = self.server.owner
        path = self.path.split("?")[0].rstrip("/")
        body = self._json()
        if path.endswith("/messages/batches"):
            with owner.lock:
                self._send(200, owner.create(body["requests"]))
        elif path.endswith("/cancel"):
            with owner.lock:
                batch = owner.batches[path.split("/")[-2]]
                if batch["obj"]["processing_status"] != "ended":
                    batch["obj"]["cancel_initiated_at"] = "now"
                    owner.finish(batch, answered=0)
                self._send(200, batch["obj"])
        elif path.endswith("/messages"):
            with owner.lock:
                owner.requests.append({"body": body, "headers": dict(self.headers)})
            self._send(200, message(body, owner.responder(_flat(body))))
        else:
            self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})


class AnthropicBatchServer(OpenAIServer):
    handler_class = _AnthropicHandler

    def __init__(self, responder: Responder, *, complete_after: float = 0.5,
                 fail: Callable[[dict[str, Any]], bool] = lambda params: False, expire_after: int | None = None):
        super().__init__(responder)
        self.complete_after, self.fail, self.expire_after = complete_after, fail, expire_after
        self.batches: dict[str, dict[str, Any]] = {}
        self.lines: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def create(self, requests: list[dict[str, Any]]) -> dict[str, Any]:
        batch_id = f"msgbatch_{next(_ids)}"
        obj = {"id": batch_id, "type": "message_batch", "processing_status": "in_progress",
               "request_counts": {"processing": len(requests), "succeeded": 0, "errored": 0, "canceled": 0,
                                  "expired": 0},
               "ended_at": None, "cancel_initiated_at": None, "results_url": None}
        self.batches[batch_id] = {"obj": obj, "requests": requests, "t0": time.monotonic(), "results": []}
        return obj

    def advance(self, batch: dict[str, Any]) -> dict[str, Any]:
        if batch["obj"]["processing_status"] == "in_progress":
            share = (time.monotonic() - batch["t0"]) / self.complete_after if self.complete_after else 1.0
            n = len(batch["requests"])
            if self.expire_after is not None and share * n >= self.expire_after:
                self.finish(batch, answered=self.expire_after)
            elif share >= 1.0:
                self.finish(batch, answered=n)
        return batch["obj"]

    def finish(self, batch: dict[str, Any], *, answered: int) -> None:
        obj, counts = batch["obj"], batch["obj"]["request_counts"]
        left = "canceled" if obj["cancel_initiated_at"] else "expired"
        for i, req in enumerate(batch["requests"]):
            if i >= answered:
                result: dict[str, Any] = {"type": left}
            elif self.fail(req["params"]):
                result = {"type": "errored", "error": {"type": "error", "error": {
                    "type": "api_error", "message": "injected request failure"}}}
            else:
                self.lines.append(req)
                result = {"type": "succeeded", "message": message(req["params"], self.responder(req["params"]))}
            batch["results"].append({"custom_id": req["custom_id"], "result": result})
            counts[{"succeeded": "succeeded", "errored": "errored"}.get(result["type"], left)] += 1
        counts["processing"] = 0
        obj["processing_status"], obj["ended_at"] = "ended", "now"
        obj["results_url"] = f"{self.url}/v1/messages/batches/{obj['id']}/results"
