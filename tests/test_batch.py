"""`judgebench run --batch` end to end against a real Files + Batches server on 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from batch_server import BatchServer
from conftest import MINI, REPO, read_jsonl
from openai_server import dialogue_of, oracle, truth_map

MODEL = "openai/gpt-4o-mini"  # priced in litellm's map, with batch rates: cost is checked
VOLATILE = {"batch_id", "cost_usd", "latency_s", "attempts", "cached"}
"""Fields that say how a judgment was obtained, not what it is."""


@pytest.fixture
def fast(env):
    env["JUDGEBENCH_BATCH_POLL"] = "0.1"
    return env


def _judgments(out):
    return {(r["sample_id"], r["model"], r["repeat"]): r for r in read_jsonl(out / "samples.jsonl")}


def test_a_batch_run_judges_each_sample_once_like_a_direct_run(judgebench, fast, tmp_path):
    truths = truth_map(MINI)
    with BatchServer(oracle(truths, bias={"zh": 2}), complete_after=0.5) as srv:
        args = ["run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--repeats", "2"]
        est = json.loads(judgebench(*args, "--batch", "--out", str(tmp_path / "b"), "--dry-run", "--json",
                                    check=0).stdout)["judges"][0]
        assert est["calls"] == 16 and est["batch"] is True
        assert est["cost_usd_batch"] == pytest.approx(est["cost_usd"] / 2)  # gpt-4o-mini's batch rate is half

        proc = judgebench(*args, "--batch", "--out", str(tmp_path / "b"), check=0)
        assert len(srv.batches) == 1 and len(srv.lines) == 16 and srv.requests == []
        assert "completed, 16/16 done, 0 failed" in proc.stderr
        judgebench(*args, "--out", str(tmp_path / "d"), check=0,
                   extra_env={"JUDGEBENCH_CACHE_DIR": str(tmp_path / "direct-cache")})
        assert len(srv.requests) == 16

    batched, direct = _judgments(tmp_path / "b"), _judgments(tmp_path / "d")
    assert batched.keys() == direct.keys() and len(batched) == 16
    batch_id = next(iter(srv.batches))
    for key, r in batched.items():
        d = direct[key]
        assert r["batch_id"] == batch_id and "batch_id" not in d
        assert {k: v for k, v in r.items() if k not in VOLATILE} == {k: v for k, v in d.items() if k not in VOLATILE}
        assert r["status"] == "ok" and r["attempts"] == 1
        assert r["cost_usd"] == pytest.approx(d["cost_usd"] / 2)  # 100 prompt + 20 answer tokens at batch rates
    m_batch = json.loads((tmp_path / "b" / "metrics.json").read_text())
    m_direct = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert m_batch["models"] == m_direct["models"]
    assert m_batch["models"][MODEL]["consistency"]["zh"]["mean_signed_gap"] == 2.0
    assert m_batch["usage"][MODEL]["cost_usd"] == pytest.approx(m_direct["usage"][MODEL]["cost_usd"] / 2)

    # The batch answers filled the cache: the same run elsewhere asks nothing and creates no batch.
    judgebench(*args, "--batch", "--out", str(tmp_path / "again"), check=0)
    assert len(srv.batches) == 1 and len(srv.requests) == 16
    assert all(r["cached"] for r in read_jsonl(tmp_path / "again" / "samples.jsonl"))


def _wait_for(predicate, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _batch_ids(out):
    try:
        return [b["batch_id"] for b in json.loads((out / "batches.json").read_text())["batches"] if b["batch_id"]]
    except (FileNotFoundError, ValueError):
        return []


def test_kill_while_polling_then_resume_creates_each_batch_once(fast, tmp_path):
    """SIGKILL the CLI while four batches are in flight; the rerun re-attaches to them: no batch
    is created twice, no line is answered (paid for) twice, nothing is asked directly."""
    with BatchServer(oracle(truth_map(MINI)), complete_after=4.0) as srv:
        out = tmp_path / "run"
        cmd = [sys.executable, "-m", "judgebench", "run", "--task", MINI, "--model", MODEL, "--api-base", srv.url,
               "--repeats", "2", "--batch", "--out", str(out), "--quiet"]
        env = {**fast, "JUDGEBENCH_BATCH_MAX_REQUESTS": "5"}  # 16 judgments: chunks of 5, 5, 5 and 1
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(lambda: len(_batch_ids(out)) == 4)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert len(srv.batches) == 4 and not (out / "samples.jsonl").exists()
        # chunks are submitted concurrently: their creation order is not fixed
        assert sorted(len(b["lines"]) for b in srv.batches.values()) == [1, 5, 5, 5]
        est = subprocess.run([*cmd, "--dry-run", "--json"], cwd=REPO, env=env, capture_output=True, text=True)
        (row,) = json.loads(est.stdout)["judges"]
        assert (row["in_batches"], row["calls"], row["done"]) == (16, 0, 0)  # already paid for: not counted again

        done = subprocess.run(cmd, cwd=REPO, env={**env, "JUDGEBENCH_CACHE_DIR": str(tmp_path / "fresh")},
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert len(srv.batches) == 4, "the resumed run must re-attach, not submit again"
        assert len(srv.lines) == 16 and srv.requests == []
        lines = read_jsonl(out / "samples.jsonl")
        keys = [(r["sample_id"], r["repeat"]) for r in lines]
        assert len(keys) == 16 and len(set(keys)) == 16
        assert {r["batch_id"] for r in lines} == set(srv.batches)
        assert all(r["status"] == "ok" for r in lines)


def test_a_batch_whose_creation_answer_was_lost_is_found_not_created_again(judgebench, fast, tmp_path):
    """The same state as a kill between creating a batch and recording its id: the retry finds
    the batch made from the uploaded file instead of creating (and paying for) a second one."""
    with BatchServer(oracle(truth_map(MINI))) as srv:
        srv.lose_creates = 1
        judgebench("run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--batch",
                   "--out", str(tmp_path / "r"), check=0)
        assert len(srv.batches) == 1 and len(srv.lines) == 8 and srv.requests == []
        assert "re-attached" in (tmp_path / "r" / "run.log").read_text()


def test_failed_lines_are_retried_directly(judgebench, fast, tmp_path):
    failing = lambda body: "Busy at work" in (dialogue_of(body) or "")  # noqa: E731 - m1-en
    with BatchServer(oracle(truth_map(MINI)), fail=failing) as srv:
        judgebench("run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--batch",
                   "--out", str(tmp_path / "r"), check=0)
        assert len(srv.requests) == 1  # only the failed line, asked directly once
        by_id = {r["sample_id"]: r for r in read_jsonl(tmp_path / "r" / "samples.jsonl")}
        assert all(r["status"] == "ok" for r in by_id.values()) and len(by_id) == 8
        assert by_id["m1-en"]["attempts"] == 2 and "batch_id" not in by_id["m1-en"]  # batch line + direct call
        assert by_id["m1-zh"]["batch_id"] == next(iter(srv.batches))

        # With no retries allowed the batch's failure is the judgment's: an error, with the reason.
        judgebench("run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--batch", "--max-retries", "0",
                   "--out", str(tmp_path / "no-retry"), check=0,
                   extra_env={"JUDGEBENCH_CACHE_DIR": str(tmp_path / "c2")})
        assert len(srv.requests) == 1
        rec = {r["sample_id"]: r for r in read_jsonl(tmp_path / "no-retry" / "samples.jsonl")}["m1-en"]
        assert rec["status"] == "error" and "injected line failure" in rec["error"] and rec["attempts"] == 1


def test_an_expired_batch_keeps_its_answers_and_asks_for_the_rest(judgebench, fast, tmp_path):
    with BatchServer(oracle(truth_map(MINI)), expire_after=3) as srv:
        proc = judgebench("run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--batch",
                          "--out", str(tmp_path / "r"), check=0)
        assert "expired, 3/8 done" in proc.stderr
        lines = read_jsonl(tmp_path / "r" / "samples.jsonl")
        assert len(lines) == 8 and all(r["status"] == "ok" for r in lines)
        assert sum("batch_id" in r for r in lines) == 3 and len(srv.requests) == 5 and len(srv.lines) == 3
        assert json.loads((tmp_path / "r" / "batches.json").read_text())["batches"][0]["status"] == "expired"


def test_a_batched_and_a_direct_judge_in_one_run(judgebench, fast, tmp_path):
    with BatchServer(oracle(truth_map(MINI)), complete_after=0.5) as srv:
        models = tmp_path / "models.yaml"
        models.write_text(f"judges:\n  batched: {{model: {MODEL}, api_base: '{srv.url}', batch: true}}\n"
                          f"  direct: {{model: openai/other, api_base: '{srv.url}'}}\n")
        judgebench("run", "--task", MINI, "--models-file", str(models), "--model", "batched", "--model", "direct",
                   "--out", str(tmp_path / "r"), check=0)
        assert len(srv.batches) == 1 and len(srv.lines) == 8
        assert len(srv.requests) == 8 and {r["body"]["model"] for r in srv.requests} == {"other"}
        lines = read_jsonl(tmp_path / "r" / "samples.jsonl")
        assert Counter(r["model"] for r in lines) == {"batched": 8, "direct": 8}
        assert all(("batch_id" in r) == (r["model"] == "batched") for r in lines)
        run = json.loads((tmp_path / "r" / "run.json").read_text())
        assert {m["name"]: m["batch"] for m in run["models"]} == {"batched": True, "direct": False}


def test_batches_lists_and_cancels_then_the_run_finishes_directly(judgebench, fast, tmp_path):
    with BatchServer(oracle(truth_map(MINI)), complete_after=600) as srv:
        out = tmp_path / "run"
        cmd = [sys.executable, "-m", "judgebench", "run", "--task", MINI, "--model", MODEL, "--api-base", srv.url,
               "--batch", "--out", str(out), "--quiet"]
        proc = subprocess.Popen(cmd, cwd=REPO, env=fast, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(lambda: len(_batch_ids(out)) == 1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        (row,) = json.loads(judgebench("batches", str(out), "--json", check=0).stdout)
        assert row["batch_id"] == _batch_ids(out)[0] and row["status"] == "in_progress" and row["requests"] == 8
        assert "in_progress" in judgebench("batches", str(out), check=0).stdout
        (row,) = json.loads(judgebench("batches", str(out), "--cancel", "--json", check=0).stdout)
        assert row["status"] == "cancelled"

        judgebench(*cmd[3:], check=0)  # resumed: the cancelled batch answered nothing, so all 8 are asked
        assert len(srv.batches) == 1 and len(srv.requests) == 8
        assert len(read_jsonl(out / "samples.jsonl")) == 8
        (row,) = json.loads(judgebench("batches", str(out), "--json", check=0).stdout)
        assert row["status"] == "cancelled" and row["collected_at"]


def test_batch_true_on_a_judge_without_a_batch_api_is_refused(judgebench, tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text("judges:\n  g: {model: gemini/gemini-2.0-flash, batch: true}\n")
    proc = judgebench("run", "--task", MINI, "--models-file", str(models), "--model", "g",
                      "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and "batch: true on g" in proc.stderr


CLAUDE = "anthropic/claude-haiku-4-5"


def test_anthropic_message_batches(judgebench, fast, tmp_path):
    """Message Batches: answers recorded like direct ones at the batch price; an errored request
    is asked directly through litellm's Anthropic client."""
    from anthropic_batch_server import AnthropicBatchServer

    failing = lambda params: "Busy at work" in (dialogue_of(params) or "")  # noqa: E731 - m1-en
    with AnthropicBatchServer(oracle(truth_map(MINI)), fail=failing) as srv:
        proc = judgebench("run", "--task", MINI, "--model", CLAUDE, "--api-base", srv.url, "--batch",
                          "--out", str(tmp_path / "r"), check=0, extra_env={"ANTHROPIC_API_KEY": "test-key"})
        assert "completed, 7/8 done, 1 failed" in proc.stderr
        assert len(srv.batches) == 1 and len(srv.lines) == 7 and len(srv.requests) == 1
        (batch,) = srv.batches.values()
        params = batch["requests"][0]["params"]
        assert params["model"] == "claude-haiku-4-5" and params["system"] and params["max_tokens"] == 512
        assert {m["role"] for m in params["messages"]} == {"user"}
    by_id = {r["sample_id"]: r for r in read_jsonl(tmp_path / "r" / "samples.jsonl")}
    assert len(by_id) == 8 and all(r["status"] == "ok" for r in by_id.values())
    assert by_id["m1-en"]["attempts"] == 2 and "batch_id" not in by_id["m1-en"]
    assert by_id["m2-en"]["batch_id"] == batch["obj"]["id"]
    # 100 prompt + 20 answer tokens at Haiku 4.5's batch rates, half what the direct call cost
    assert by_id["m2-en"]["cost_usd"] == pytest.approx(100 * 5e-7 + 20 * 2.5e-6)
    assert by_id["m2-en"]["cost_usd"] == pytest.approx(by_id["m1-en"]["cost_usd"] / 2)


def test_anthropic_batch_survives_a_kill_and_an_expiry(fast, tmp_path):
    from anthropic_batch_server import AnthropicBatchServer

    with AnthropicBatchServer(oracle(truth_map(MINI)), complete_after=600) as srv:
        out = tmp_path / "run"
        cmd = [sys.executable, "-m", "judgebench", "run", "--task", MINI, "--model", CLAUDE, "--api-base", srv.url,
               "--batch", "--out", str(out), "--quiet"]
        env = {**fast, "ANTHROPIC_API_KEY": "test-key"}
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(lambda: len(_batch_ids(out)) == 1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        srv.complete_after, srv.expire_after = 0.2, 5  # it ends with 5 answers, 3 requests expired
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert len(srv.batches) == 1 and len(srv.lines) == 5 and len(srv.requests) == 3
        lines = read_jsonl(out / "samples.jsonl")
        assert len(lines) == 8 and all(r["status"] == "ok" for r in lines)
        assert sum("batch_id" in r for r in lines) == 5
        assert json.loads((out / "batches.json").read_text())["batches"][0]["status"] == "expired"


def test_a_server_without_a_batch_api_stops_the_run_with_the_reason(judgebench, fast, tmp_path):
    from openai_server import OpenAIServer

    with OpenAIServer(oracle(truth_map(MINI))) as srv:  # chat completions only: /files is a 404
        proc = judgebench("run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--batch",
                          "--out", str(tmp_path / "r"))
        assert proc.returncode == 2, proc.stderr
        assert "could not submit a batch" in proc.stderr and "HTTP 404" in proc.stderr
        assert "Traceback" not in proc.stderr and srv.requests == []
        # nothing was created, so nothing is left to re-attach to
        assert json.loads((tmp_path / "r" / "batches.json").read_text())["batches"] == []


def test_a_damaged_batches_file_is_reported_not_crashed_on(judgebench, fast, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "batches.json").write_text('{"batches": [{"judge": "x", "requests": {"r0": ["mini", 3, 0]}}]}')
    with BatchServer(oracle(truth_map(MINI))) as srv:
        proc = judgebench("run", "--task", MINI, "--model", MODEL, "--api-base", srv.url, "--batch", "--out", str(out))
        assert proc.returncode == 2 and "batches.json: batches[0]: not a batch of this run" in proc.stderr
        assert srv.batches == {} and srv.requests == []
    proc = judgebench("batches", str(out))
    assert proc.returncode == 2 and "batches[0]" in proc.stderr
