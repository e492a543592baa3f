"""A small OpenAI-compatible Files + Batches server for tests (127.0.0.1 only).

It also answers ``/chat/completions`` like ``OpenAIServer`` (lines a batch failed are retried
as direct calls). Each batch line is answered by the same responder as a direct call.

Knobs: ``complete_after`` (seconds from creation until a batch is done; ``in_progress`` before,
with counts growing), ``fail`` (a predicate on a line's body: such lines go to the error file),
``expire_after`` (a batch expires once it has answered that many lines: partial output),
``lose_creates`` (that many batch creations succeed but their answer is lost).
``batches`` holds every batch created, ``lines`` every batch line answered.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import time
from typing import Any, Callable

from openai_server import OpenAIServer, Responder, _Handler, chat_payload

_ids = itertools.count(1)


def _multipart(content_type: str, data: bytes) -> dict[str, bytes]:
    """Form fields of a multipart/form-data body, by name."""
    msg = email.parser.BytesParser().parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
            for part in msg.get_payload()}


class _BatchHandler(_Handler):
    server: Any

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        owner: BatchServer = self.server.owner
        parts = self.path.split("?")[0].rstrip("/").split("/")
        if parts[-1] == "batches":
            with owner.lock:
                data = [owner.advance(b) for b in owner.batches.values()]
            self._send(200, {"object": "list", "data": data[::-1]})
        elif len(parts) >= 2 and parts[-2] == "batches":
            with owner.lock:
                batch = owner.batches.get(parts[-1])
                obj = owner.advance(batch) if batch else None
            self._send(200, obj) if obj else self._send(404, {"error": {"message": "no such batch"}})
        elif parts[-1] == "content" and parts[-3] == "files":
            data = owner.files.get(parts[-2])
            if data is None:
                self._send(404, {"error": {"message": "no such file"}})
            else:
                self._send_bytes(200, data)
        else:
            super().do_GET()

    def do_POST(self) -> None:
        owner: BatchServer = self.server.owner
        path = self.path.rstrip("/")
        if path.endswith("/files"):
            fields = _multipart(self.headers["Content-Type"], self._body())
            file_id = f"file-{next(_ids)}"
            owner.files[file_id] = fields["file"]
            self._send(200, {"id": file_id, "object": "file", "bytes": len(fields["file"]), "purpose": "batch"})
        elif path.endswith("/batches"):
            body = json.loads(self._body())
            if body.get("input_file_id") not in owner.files:
                self._send(400, {"error": {"message": "unknown input_file_id"}})
                return
            with owner.lock:
                obj = owner.create(body)
                lose = owner.lose_creates > 0
                owner.lose_creates -= lose
            if lose:  # the batch exists, but its id never reaches the client
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(200, obj)
        elif path.endswith("/cancel"):
            self._body()
            with owner.lock:
                batch = owner.batches.get(path.split("/")[-2])
                if batch and batch["obj"]["status"] not in ("completed", "expired", "failed"):
                    owner.finish(batch, "cancelled", answered=0)
                self._send(200, batch["obj"]) if batch else self._send(404, {"error": {"message": "no such batch"}})
        else:
            super().do_POST()


class BatchServer(OpenAIServer):
    handler_class = _BatchHandler

    def __init__(self, responder: Responder, *, complete_after: float = 0.5,
                 fail: Callable[[dict[str, Any]], bool] = lambda body: False, expire_after: int | None = None,
                 port: int = 0):
        super().__init__(responder, port=port)
        self.complete_after, self.fail, self.expire_after = complete_after, fail, expire_after
        self.lose_creates = 0
        """Drop the connection instead of answering this many batch creations (created all the same)."""
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.lines: list[dict[str, Any]] = []

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        lines = [json.loads(x) for x in self.files[body["input_file_id"]].splitlines() if x.strip()]
        batch_id = f"batch_{next(_ids)}"
        obj = {"id": batch_id, "object": "batch", "endpoint": body["endpoint"], "input_file_id": body["input_file_id"],
               "completion_window": body["completion_window"], "status": "validating", "created_at": int(time.time()),
               "output_file_id": None, "error_file_id": None, "metadata": body.get("metadata"),
               "request_counts": {"total": len(lines), "completed": 0, "failed": 0}}
        self.batches[batch_id] = {"obj": obj, "lines": lines, "t0": time.monotonic()}
        return obj

    def advance(self, batch: dict[str, Any]) -> dict[str, Any]:
        """The batch as of now: in progress until ``complete_after``, then completed or expired."""
        obj = batch["obj"]
        if obj["status"] in ("validating", "in_progress"):
            share = (time.monotonic() - batch["t0"]) / self.complete_after if self.complete_after else 1.0
            n = len(batch["lines"])
            if self.expire_after is not None and share * n >= self.expire_after:
                self.finish(batch, "expired", answered=self.expire_after)
            elif share >= 1.0:
                self.finish(batch, "completed", answered=n)
            else:
                obj["status"] = "in_progress"
                obj["request_counts"]["completed"] = int(share * n)
        return obj

    def finish(self, batch: dict[str, Any], status: str, *, answered: int) -> None:
        out, err = [], []
        for line in batch["lines"][:answered]:
            self.lines.append(line)
            rid = f"batch_req_{next(_ids)}"
            if self.fail(line["body"]):
                err.append({"id": rid, "custom_id": line["custom_id"], "response": {
                    "status_code": 500, "request_id": rid,
                    "body": {"error": {"message": "injected line failure", "type": "server_error"}}}, "error": None})
            else:
                out.append({"id": rid, "custom_id": line["custom_id"], "response": {
                    "status_code": 200, "request_id": rid, "body": chat_payload(line["body"], self.responder(line["body"]))},
                    "error": None})
        obj = batch["obj"]
        for key, rows in (("output_file_id", out), ("error_file_id", err)):
            if rows:
                obj[key] = f"file-{next(_ids)}"
                self.files[obj[key]] = "".join(json.dumps(r) + "\n" for r in rows).encode()
        obj["status"] = status
        obj["request_counts"].update(completed=len(out), failed=len(err))



def main() -> None:
    import argparse

    from openai_server import oracle, serve, truths_of

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--complete-after", type=float, default=5.0, help="seconds until a batch is done")
    ap.add_argument("--task", action="append", default=[], help="answer these tasks' samples truthfully")
    args = ap.parse_args()
    truths = truths_of(args.task)
    serve(BatchServer(oracle(truths), complete_after=args.complete_after, port=args.port),
          f"batches done after {args.complete_after}s, {len(truths)} known dialogues")


if __name__ == "__main__":
    main()
