"""`judgebench run` end to end against a real OpenAI-compatible server on 127.0.0.1."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from conftest import MINI, REPO, read_jsonl
from openai_server import OpenAIServer, Reply, dialogue_hash, dialogue_of

METRIC_KEYS = {"n", "n_scored", "mae", "rmse", "pearson_r", "spearman_rho", "ccc", "auc", "qwk_bands",
               "parse_failure_rate", "refusal_rate", "error_rate"}
CONSISTENCY_KEYS = {"n_pairs", "mean_signed_gap", "mean_abs_gap", "signed_gap_ci95", "wilcoxon_p",
                    "band_flip_rate", "cutoff_flip_rate"}


def test_run_writes_contract_files_and_rerun_is_fully_cached(judgebench, truth_server, tmp_path):
    srv = truth_server(bias={"zh": 2})
    out = tmp_path / "run"
    args = ["run", "--task", MINI, "--model", "openai/any", "--api-base", srv.url, "--repeats", "2"]
    judgebench(*args, "--out", str(out), check=0)
    assert len(srv.requests) == 8 * 2  # every sample x repeat asked once; repeats are distinct entries

    lines = read_jsonl(out / "samples.jsonl")
    assert len(lines) == 16
    assert Counter((r["sample_id"], r["repeat"]) for r in lines).most_common(1)[0][1] == 1
    for r in lines:
        assert r["status"] == "ok" and r["cached"] is False and r["model"] == "openai/any"
        assert {"sample_id", "pair_id", "language", "repeat", "pred_total", "pred_items", "true_total",
                "raw", "error", "latency_s", "usage", "cost_usd"} <= set(r)
    run = json.loads((out / "run.json").read_text())
    assert run["repeats"] == 2 and run["tasks"][0]["content_hash"] and run["prompt_hash"]
    assert run["started_at"] and run["finished_at"]

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["schema_version"] == 1 and metrics["baseline_language"] == "en"
    block = metrics["models"]["openai/any"]
    assert METRIC_KEYS <= set(block["overall"])
    assert set(block["overall"]["auc"]) == {str(k) for k in range(3, 25)}
    assert block["by_language"]["en"]["mae"] == 0.0
    # the server adds +2 to every Chinese total: the gap recovers it exactly
    zh = block["consistency"]["zh"]
    assert CONSISTENCY_KEYS <= set(zh)  # the contract keys; more may be added
    assert zh["n_pairs"] == 4 and zh["mean_signed_gap"] == 2.0 and zh["signed_gap_ci95"] == [2.0, 2.0]

    # An identical second run into a new directory asks nothing and scores the same.
    out2 = tmp_path / "run2"
    proc = judgebench(*args, "--out", str(out2), check=0)
    assert len(srv.requests) == 16, "the second run must be served from the cache"
    assert all(r["cached"] for r in read_jsonl(out2 / "samples.jsonl"))
    metrics2 = json.loads((out2 / "metrics.json").read_text())
    assert metrics2["models"] == metrics["models"]
    assert "16 from cache" in proc.stderr


def test_failures_are_recorded_never_scored(judgebench, tmp_path):
    def respond(body):
        d = dialogue_of(body) or ""
        if "failure" in d:
            return Reply(content="I'm sorry, I can't help with rating this. Please contact a crisis line.")
        if "3am" in d or "凌晨" in d:
            return Reply(content="about seven, I think")
        if "Busy at work" in d:
            return Reply(status=401)
        return Reply(content='{"items": [0,0,0,0,0,0,0,0,0], "total": 0}')

    with OpenAIServer(respond) as srv:
        out = tmp_path / "run"
        proc = judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url,
                          "--out", str(out), "--max-error-rate", "0.5", check=0)
        by_id = {r["sample_id"]: r for r in read_jsonl(out / "samples.jsonl")}
        assert by_id["m3-en"]["status"] == "refusal" and by_id["m3-en"]["pred_total"] is None
        assert by_id["m2-en"]["status"] == "parse_error" and by_id["m2-en"]["pred_total"] is None
        assert by_id["m1-en"]["status"] == "error" and by_id["m1-en"]["attempts"] == 1  # 401: no retry
        m = json.loads((out / "metrics.json").read_text())["models"]["openai/x"]["overall"]
        assert m["n"] == 8 and m["n_scored"] == 4  # m1-zh, m3-zh, m4-en, m4-zh
        assert m["refusal_rate"] == 0.125 and m["parse_failure_rate"] == 0.25 and m["error_rate"] == 0.125
        # and the error-rate gate decides the exit code
        proc = judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url,
                          "--out", str(out), "--max-error-rate", "0.1")
        assert proc.returncode == 1 and "error rate 12.5%" in proc.stderr


def test_transient_faults_are_retried_with_retry_after(judgebench, tmp_path):
    seen = Counter()

    def respond(body):
        h = dialogue_hash(dialogue_of(body))
        seen[h] += 1
        if seen[h] == 1:
            return Reply(status=429, headers={"Retry-After": "0.2"})
        if seen[h] == 2:
            return Reply(status=503)
        return Reply(content='{"items": [1,0,0,0,0,0,0,0,0], "total": 1}')

    with OpenAIServer(respond) as srv:
        out = tmp_path / "run"
        judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--out", str(out), check=0)
        lines = read_jsonl(out / "samples.jsonl")
        assert [r["status"] for r in lines] == ["ok"] * 8
        assert all(r["attempts"] == 3 for r in lines)
        assert len(srv.requests) == 24
        log = (out / "run.log").read_text()
        assert log.count("retry 1/4") == 8 and log.count("retry 2/4") == 8


def test_kill_mid_run_then_resume_requests_nothing_twice(env, tmp_path):
    """SIGKILL a running `judgebench run`, rerun with the same --out: completed judgments are
    neither re-requested nor duplicated."""
    from openai_server import oracle, truth_map

    srv = OpenAIServer(oracle(truth_map(MINI)), latency=0.4)
    with srv:
        out = tmp_path / "run"
        cmd = [sys.executable, "-m", "judgebench", "run", "--task", MINI, "--model", "openai/x",
               "--api-base", srv.url, "--out", str(out), "--concurrency", "1", "--repeats", "2", "--quiet"]
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples = out / "samples.jsonl"
        deadline = time.time() + 60
        while time.time() < deadline:
            if samples.exists() and samples.read_text().count("\n") >= 5:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done_before = {(r["sample_id"], r["repeat"]) for r in read_jsonl(samples)}
        assert 5 <= len(done_before) < 16
        n_requests_before = len(srv.requests)

        subprocess.run(cmd, cwd=REPO, env={**env, "JUDGEBENCH_CACHE_DIR": str(tmp_path / "fresh-cache")},
                       check=True, capture_output=True)
        lines = read_jsonl(samples)
        keys = [(r["sample_id"], r["repeat"]) for r in lines]
        assert len(keys) == 16 and len(set(keys)) == 16
        # Even with an empty cache, exactly the judgments missing from samples.jsonl are asked for
        # (the one in flight at the kill was never recorded, so it is asked again, once).
        assert len(srv.requests) - n_requests_before == 16 - len(done_before)

        # and the metrics equal those of a run that was never interrupted
        whole = tmp_path / "whole"
        subprocess.run([*cmd[:cmd.index("--out")], "--out", str(whole), *cmd[cmd.index("--out") + 2:]], cwd=REPO,
                       env={**env, "JUDGEBENCH_CACHE_DIR": str(tmp_path / "cache-whole")}, check=True, capture_output=True)
        resumed = json.loads((out / "metrics.json").read_text())["models"]
        assert resumed == json.loads((whole / "metrics.json").read_text())["models"]


def test_known_per_language_bias_is_recovered_within_the_cis(judgebench, tmp_path):
    """Truth + a known bias per language + zero-mean noise: each language's signed gap against
    English has a 95% CI containing the bias it was given."""
    import random

    from openai_server import truth_map

    truths = truth_map("phq9-multilingual")
    bias = {"en": 0, "zh": -1, "hi": 2, "bn": 1}

    def respond(body):
        h = dialogue_hash(dialogue_of(body))
        total, _, lang = truths[h]
        noise = random.Random(h).choice([-1, 0, 1])  # seeded by the dialogue: deterministic
        return Reply(content=json.dumps({"total": min(27, max(0, total + bias[lang] + noise))}))

    with OpenAIServer(respond) as srv:
        out = tmp_path / "run"
        judgebench("run", "--model", "openai/biased", "--api-base", srv.url, "--out", str(out),
                   "--concurrency", "32", check=0)
    cons = json.loads((out / "metrics.json").read_text())["models"]["openai/biased"]["consistency"]
    for lang in ("zh", "hi", "bn"):
        lo, hi = cons[lang]["signed_gap_ci95"]
        assert lo <= bias[lang] <= hi, (lang, cons[lang]["mean_signed_gap"], lo, hi)
        assert abs(cons[lang]["mean_signed_gap"] - bias[lang]) < 0.5
    # both arms of each language are reported on their own too, each against the same English cases
    arms = json.loads((out / "metrics.json").read_text())["models"]["openai/biased"]["by_arm"]
    assert arms["localized"]["consistency"]["hi"]["n_pairs"] == 40
    table = judgebench("report", str(out), check=0).stdout
    assert "hi · localized" in table and "hi · translated" in table
