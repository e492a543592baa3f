"""Pairwise mode on the bundled talkdep-pairwise task, against local servers."""

import json

from conftest import read_jsonl
from openai_server import OpenAIServer, Reply, pair_oracle, truth_map


def test_truthful_judge_is_accurate_and_position_consistent(judgebench, tmp_path):
    with OpenAIServer(pair_oracle(truth_map("talkdep-pairwise"))) as srv:
        out = tmp_path / "run"
        judgebench("run", "--task", "talkdep-pairwise", "--model", "openai/oracle", "--api-base", srv.url,
                   "--concurrency", "32", "--out", str(out), check=0)
    assert len(srv.requests) == 4 * 132  # 66 pairs per language, both orders
    lines = read_jsonl(out / "samples.jsonl")
    assert len(lines) == 528 and all(r["status"] == "ok" for r in lines)
    m = json.loads((out / "metrics.json").read_text())
    assert m["mode"] == "pairwise"
    block = m["models"]["openai/oracle"]
    for lang in ("en", "zh", "hi", "bn"):
        by = block["by_language"][lang]
        assert by["n"] == 132 and by["accuracy"] == 1.0 and by["position_consistency"] == 1.0
        assert by["tie_rate"] == 0.0 and by["tie_distance"] is None and by["position_bias"] == 0.5
    assert block["consistency"]["hi"] == {"n_pairs": 132, "agreement": 1.0}
    table = judgebench("report", str(out), check=0).stdout
    assert "accuracy" in table and "pos. consistency" in table and "agrees w/ en" in table


def test_always_first_judge_shows_position_bias(judgebench, tmp_path):
    with OpenAIServer(lambda body: Reply(content='{"more_depressed": "a"}')) as srv:
        out = tmp_path / "run"
        judgebench("run", "--task", "talkdep-pairwise", "--model", "openai/first", "--api-base", srv.url,
                   "--language", "en", "--concurrency", "32", "--out", str(out), check=0)
    by = json.loads((out / "metrics.json").read_text())["models"]["openai/first"]["by_language"]["en"]
    assert by["position_consistency"] == 0.0 and by["position_bias"] == 1.0
    assert by["accuracy"] == 0.5  # right exactly when the more depressed person happened to be shown first


def test_pairwise_leaderboard_and_gate(judgebench, tmp_path):
    with OpenAIServer(pair_oracle(truth_map("talkdep-pairwise"))) as good, \
         OpenAIServer(lambda body: Reply(content='{"more_depressed": "A"}')) as first:
        for name, srv in (("good", good), ("first", first)):
            judgebench("run", "--task", "talkdep-pairwise", "--model", "openai/judge", "--api-base", srv.url,
                       "--language", "en", "--concurrency", "32", "--out", str(tmp_path / name), "--no-cache", check=0)
    rows = json.loads(judgebench("leaderboard", str(tmp_path / "first"), str(tmp_path / "good"), "--format", "json",
                                 check=0).stdout)["rows"]
    assert [r["run"] for r in rows] == ["good", "first"] and rows[0]["accuracy"] == 1.0
    proc = judgebench("check", str(tmp_path / "first"), "--baseline", str(tmp_path / "good"))
    assert proc.returncode == 1 and "accuracy (overall)" in proc.stderr and "position_consistency" in proc.stderr
