"""The first hour of a new user: a missing key costs seconds, a failed run never looks like a
result, and a judge that says the same thing to everyone is called out."""

import json
import time

from conftest import MINI, read_jsonl
from openai_server import OpenAIServer, Reply, answer_json


def test_missing_key_fails_before_any_call(judgebench, tmp_path):
    out = tmp_path / "run"
    started = time.monotonic()
    proc = judgebench("run", "--task", MINI, "--model", "openai/gpt-4o-mini", "--out", str(out), check=2)
    assert time.monotonic() - started < 60
    assert "OPENAI_API_KEY is not set" in proc.stderr and "export OPENAI_API_KEY=" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "samples.jsonl").exists() or not (out / "samples.jsonl").read_text()


def test_a_server_needs_no_key(judgebench, truth_server, tmp_path):
    srv = truth_server()
    judgebench("run", "--task", MINI, "--model", "openai/gpt-4o-mini", "--api-base", srv.url,
               "--out", str(tmp_path / "run"), check=0)


def test_a_run_where_nothing_was_scored_exits_1_with_the_reason(judgebench, tmp_path):
    with OpenAIServer(lambda body: Reply(content="I cannot help with that request, sorry.")) as srv:
        proc = judgebench("run", "--task", MINI, "--model", "openai/m", "--api-base", srv.url,
                          "--out", str(tmp_path / "run"), check=1)
    assert "no judgment was scored" in proc.stderr and "8 of 8" in proc.stderr
    assert "most common" in proc.stderr and "Traceback" not in proc.stderr
    assert len(read_jsonl(tmp_path / "run" / "samples.jsonl")) == 8  # recorded, never scored


def test_same_answer_to_everyone_and_flags_are_reported(judgebench, tmp_path):
    same = answer_json([1] * 9, total=4)  # items sum to 9, total says 4: total_mismatch on every answer
    with OpenAIServer(lambda body: Reply(content=same)) as srv:
        proc = judgebench("run", "--task", MINI, "--model", "openai/m", "--api-base", srv.url,
                          "--out", str(tmp_path / "run"), check=0)
    assert "gave the same answer" in proc.stderr and "100% of the 8 scored dialogues" in proc.stderr
    assert "100% of scored answers flagged total_mismatch" in proc.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    answers = metrics["models"]["openai/m"]["answers"]
    assert answers == {"n_scored": 8, "n_distinct": 1, "most_common_share": 1.0, "most_common": [1] * 9,
                       "flag_rates": {"total_mismatch": 1.0}}
    report = judgebench("report", str(tmp_path / "run"), check=0)
    assert "gave the same answer" in report.stdout


def test_a_cached_rerun_counts_correctly(judgebench, truth_server, tmp_path):
    srv = truth_server()
    args = ["run", "--task", MINI, "--model", "openai/m", "--api-base", srv.url]
    judgebench(*args, "--out", str(tmp_path / "a"), check=0)
    proc = judgebench(*args, "--out", str(tmp_path / "b"), check=0)
    assert "8 judgments (0 asked this time, 8 from cache, 0 already done)" in proc.stderr
