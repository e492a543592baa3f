"""A small OpenAI-compatible chat-completions server for tests and benchmarks (127.0.0.1 only).

Each request is answered by a *responder*: a function from the request body to a ``Reply``
(content, or an HTTP fault such as 429 with Retry-After, 500, a hang or a dropped connection).
The server records every request body so tests can count calls and inspect what was sent.

Run standalone for benchmarks:
    python tests/openai_server.py --port 8000 --latency 0.1 --task tasks/phq9-multilingual
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    """Sleep this long before answering (past the client's timeout to simulate a hang)."""
    drop: bool = False
    """Close the connection without answering."""
    refusal: str | None = None
    finish_reason: str = "stop"
    raw_content: str | None = None
    """Inserted verbatim as the JSON string body of the content (for escapes such as a lone
    surrogate ``\\ud83d`` that Python's json module would never write)."""
    no_choices: bool = False
    """Answer 200 with ``choices: []``."""
    echo_headers: bool = False
    """Put the request's headers into the content (a server that echoes Authorization)."""


Responder = Callable[[dict[str, Any]], Reply]
_DIALOGUE = re.compile(r"<dialogue>\n(.*)\n</dialogue>", re.S)


def dialogue_of(body: dict[str, Any]) -> str | None:
    """The fenced transcript inside the request's last user message."""
    for m in reversed(body.get("messages", [])):
        if m.get("role") == "user":
            found = _DIALOGUE.search(m.get("content") or "")
            return found.group(1) if found else None
    return None


def dialogue_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def answer_json(items: list[int] | None, total: int | None = None) -> str:
    obj: dict[str, Any] = {}
    if items is not None:
        obj["items"] = items
    obj["total"] = sum(items) if total is None and items is not None else total
    return json.dumps(obj)


def oracle(truth_by_dialogue: dict[str, tuple[int, list[int] | None, str]], *,
           bias: dict[str, int] | None = None, scale_max: int = 27) -> Responder:
    """Answers each dialogue with its true total (+ a per-language bias, clipped to the scale).

    ``truth_by_dialogue`` maps dialogue_hash(rendered transcript) -> (total, items, language).
    """
    bias = bias or {}

    def respond(body: dict[str, Any]) -> Reply:
        d = dialogue_of(body)
        if d is None or dialogue_hash(d) not in truth_by_dialogue:
            return Reply(content="I don't know this dialogue.")
        total, items, lang = truth_by_dialogue[dialogue_hash(d)]
        shift = bias.get(lang, 0)
        if shift == 0 and items is not None:
            return Reply(content=answer_json(items))
        return Reply(content=answer_json(None, max(0, min(scale_max, total + shift))))

    return respond


_PAIR = re.compile(r"<dialogue_a>\n(.*)\n</dialogue_a>.*<dialogue_b>\n(.*)\n</dialogue_b>", re.S)


def pair_oracle(truth_by_dialogue: dict[str, tuple[int, list[int] | None, str]]) -> Responder:
    """Answers pairwise questions by the true totals of the two dialogues."""

    def respond(body: dict[str, Any]) -> Reply:
        user = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        found = _PAIR.search(user)
        if not found:
            return Reply(content="I can only compare two dialogues.")
        a, b = (truth_by_dialogue[dialogue_hash(x)][0] for x in found.groups())
        return Reply(content=json.dumps({"more_depressed": "A" if a > b else "B" if b > a else "tie"}))

    return respond


def chat_payload(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The chat.completion object answering ``body`` with ``reply`` (a 200 answer)."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.refusal:
        message["refusal"] = reply.refusal
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [] if reply.no_choices else [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "OpenAIServer._HTTPServer"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout under test); nothing to answer

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        body = json.loads(raw or b"{}")
        with owner.lock:
            owner.requests.append({"body": body, "headers": dict(self.headers)})
        reply = owner.responder(body)
        if owner.latency:
            time.sleep(owner.latency)
        if reply.hang:
            time.sleep(reply.hang)
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if reply.status != 200:
            self._send(reply.status, {"error": {"message": f"injected {reply.status}", "type": "server_error"}},
                       reply.headers)
            return
        if reply.echo_headers:
            reply = replace(reply, content=json.dumps({"items": [0] * 9, "total": 0, "seen": dict(self.headers)}))
        payload = chat_payload(body, reply)
        if reply.raw_content is not None:
            payload["choices"][0]["message"]["content"] = "@@RAW@@"
            data = json.dumps(payload).replace('"@@RAW@@"', '"' + reply.raw_content + '"').encode()
            self._send_bytes(200, data, reply.headers)
            return
        self._send(200, payload, reply.headers)


class OpenAIServer:
    """``with OpenAIServer(responder) as srv: srv.url`` -> ``http://127.0.0.1:PORT/v1``."""

    class _HTTPServer(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256
        owner: "OpenAIServer"

    handler_class: type = _Handler

    def __init__(self, responder: Responder, *, latency: float = 0.0, port: int = 0):
        self.responder = responder
        self.latency = latency
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._httpd = self._HTTPServer(("127.0.0.1", port), self.handler_class)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> "OpenAIServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def truth_map(task_ref: str) -> dict[str, tuple[int, list[int] | None, str]]:
    """dialogue hash -> truth, for every sample of a task (what ``oracle`` needs)."""
    from judgebench.prompts import render_dialogue
    from judgebench.tasks import load_task

    task = load_task(task_ref)
    return {
        dialogue_hash(render_dialogue(s)): (s.true_total, list(s.true_items) if s.true_items else None, s.language)
        for s in task.samples
    }


def truths_of(tasks: list[str]) -> dict[str, tuple[int, list[int] | None, str]]:
    """``truth_map`` of several tasks at once."""
    truths: dict = {}
    for t in tasks:
        truths.update(truth_map(t))
    return truths


def serve(srv: "OpenAIServer", note: str) -> None:
    """Serve until Ctrl-C, after printing the URL (benchmarks read that first line)."""
    print(f"serving {srv.url} ({note})", flush=True)
    with srv:
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    ap.add_argument("--task", action="append", default=[], help="answer these tasks' samples truthfully")
    args = ap.parse_args()
    truths = truths_of(args.task)
    serve(OpenAIServer(oracle(truths), latency=args.latency, port=args.port),
          f"latency {args.latency}s, {len(truths)} known dialogues")


if __name__ == "__main__":
    main()
