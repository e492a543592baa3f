"""Hostile servers and inputs (issue: nothing a server, a file or a second process does may crash
a run, lose data or leak a key). Each test is one class of failure against a real local server."""

import json
import time

from conftest import MINI, read_jsonl
from openai_server import OpenAIServer, Reply, answer_json, dialogue_hash, dialogue_of


def _run(judgebench, srv, out, *extra, check=0):
    return judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--out", str(out),
                      *extra, check=check)


def test_retry_after_is_honoured_from_litellms_headers(judgebench, tmp_path):
    """A 429 asking for 1.5 s is retried no sooner (our own backoff base is 0.05 s in tests)."""
    times: dict[str, list[float]] = {}

    def respond(body):
        h = dialogue_hash(dialogue_of(body))
        times.setdefault(h, []).append(time.monotonic())
        if len(times[h]) == 1:
            return Reply(status=429, headers={"Retry-After": "1.5"})
        return Reply(content=answer_json([0] * 9))

    with OpenAIServer(respond) as srv:
        _run(judgebench, srv, tmp_path / "run")
    gaps = [t[1] - t[0] for t in times.values()]
    assert len(gaps) == 8 and min(gaps) >= 1.4, gaps


def test_a_retry_after_beyond_the_cap_ends_the_judgment_with_the_reason(judgebench, tmp_path):
    with OpenAIServer(lambda body: Reply(status=429, headers={"Retry-After": "3600"})) as srv:
        started = time.monotonic()
        proc = _run(judgebench, srv, tmp_path / "run", "--max-retry-wait", "5", check=1)
        assert time.monotonic() - started < 60
        assert len(srv.requests) == 8  # asked once each, never retried after a one-hour wait
    lines = read_jsonl(tmp_path / "run" / "samples.jsonl")
    assert all(r["status"] == "error" and "3600s" in r["error"] and "--max-retry-wait" in r["error"] for r in lines)
    assert "--max-retry-wait" in proc.stderr
    assert "giving up" in (tmp_path / "run" / "run.log").read_text()
