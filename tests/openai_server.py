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
import random
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
    logprobs: list[dict[str, Any]] | None = None
    """Sent as the choice's ``logprobs.content`` (OpenAI's token log-probabilities)."""
    error_message: str | None = None
    """The error body's message for a non-200 status (default ``injected <status>``)."""


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


def _tok(text: str, logprob: float, top: dict[str, float] | None = None) -> dict[str, Any]:
    import math

    entry: dict[str, Any] = {"token": text, "logprob": logprob, "bytes": list(text.encode())}
    entry["top_logprobs"] = [{"token": k, "logprob": math.log(p), "bytes": list(k.encode())}
                             for k, p in (top or {text: math.exp(logprob)}).items()]
    return entry


def answer_tokens(items: list[int], tops: list[dict[str, float]], *, spaced: bool = False) -> tuple[str, list[dict]]:
    """The answer ``{"items": [...], "total": N}`` and its OpenAI ``logprobs.content``: item j's
    value token offers the alternatives ``tops[j]`` (token text -> probability); every other
    token is certain. ``spaced``: values carry their space (``" 2"``) instead of following a
    separate ``" "`` token."""
    import math

    toks = [_tok('{"', 0.0), _tok("items", 0.0), _tok('":', 0.0), _tok(" [", 0.0)]
    for j, (v, top) in enumerate(zip(items, tops)):
        if j:
            toks.append(_tok(",", 0.0))
            if not spaced:
                toks.append(_tok(" ", 0.0))
        text = (" " if spaced and j else "") + str(v)
        if text not in top:
            raise ValueError(f"tops[{j}] must give the chosen token {text!r} a probability")
        toks.append(_tok(text, math.log(top[text]), top))
    toks += [_tok("],", 0.0), _tok(' "', 0.0), _tok("total", 0.0), _tok('":', 0.0), _tok(f" {sum(items)}", 0.0), _tok("}", 0.0)]
    return "".join(t["token"] for t in toks), toks


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


def biased_judges(truth_by_dialogue: dict[str, tuple[int, list[int] | None, str]],
                  judges: dict[str, dict[str, dict[str, float]]], *, scale_max: int = 27) -> Responder:
    """Several judges on one server, told apart by the request's ``model``, each with known faults.

    ``judges[model] = {"bias": {lang: shift}, "noise": {lang or "*": sd}}``: the answer is the
    true total + the language's shift + round(N(0, sd)), clipped to the scale. The noise is drawn
    from a seed of (model, dialogue), so a judge gives a dialogue the same answer every time.
    """

    def respond(body: dict[str, Any]) -> Reply:
        d = dialogue_of(body)
        spec = judges.get(str(body.get("model", "")))
        if d is None or spec is None or dialogue_hash(d) not in truth_by_dialogue:
            return Reply(content="I don't know this dialogue or this judge.")
        total, _, lang = truth_by_dialogue[dialogue_hash(d)]
        noise = spec.get("noise", {})
        sd = noise.get(lang, noise.get("*", 0.0))
        seed = int.from_bytes(hashlib.sha256(f"{body.get('model')}\x1f{d}".encode()).digest()[:8], "little")
        jitter = round(random.Random(seed).gauss(0, sd)) if sd else 0
        return Reply(content=answer_json(None, max(0, min(scale_max, total + spec.get("bias", {}).get(lang, 0) + jitter))))

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
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
    if reply.logprobs is not None:
        choice["logprobs"] = {"content": reply.logprobs}
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "test-model"),
        "choices": [] if reply.no_choices else [choice],
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
        identity = self.server.owner.identity
        if self.path in identity:  # what a llama.cpp, vLLM or Ollama server says about itself
            self._send(200, identity[self.path])
        elif self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        owner = self.server.owner
        if owner.dead:  # a stopped replica: connections it still holds get no answer
            self.close_connection = True
            self.connection.shutdown(2)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        body = json.loads(raw or b"{}")
        with owner.lock:
            owner.requests.append({"body": body, "headers": dict(self.headers)})
            owner.in_flight += 1
            owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
        try:
            reply = owner.responder(body)
            if owner.latency:
                time.sleep(owner.latency)
            if reply.hang:
                time.sleep(reply.hang)
        finally:
            with owner.lock:
                owner.in_flight -= 1
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if reply.status != 200:
            message = reply.error_message or f"injected {reply.status}"
            self._send(reply.status, {"error": {"message": message, "type": "server_error"}}, reply.headers)
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

    def __init__(self, responder: Responder, *, latency: float = 0.0, port: int = 0,
                 identity: dict[str, Any] | None = None):
        self.responder = responder
        self.latency = latency
        self.identity = identity or {}
        """GET path -> JSON document, e.g. ``{"/props": {"total_slots": 4}}`` (a llama.cpp server)."""
        self.dead = False
        self.in_flight = 0
        self.max_in_flight = 0
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
        self.stop()

    def stop(self) -> None:
        """Stop like a killed replica: no new connections, and open ones are dropped unanswered."""
        if self.dead:
            return
        self.dead = True
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
