"""A judge spread over several servers by litellm's Router (models file `deployments`)."""

import json

from conftest import MINI, read_jsonl
from openai_server import OpenAIServer, oracle, truth_map


def test_two_servers_share_the_judgments(judgebench, tmp_path):
    truths = truth_map(MINI)
    with OpenAIServer(oracle(truths)) as a, OpenAIServer(oracle(truths)) as b:
        models = tmp_path / "models.yaml"
        models.write_text(
            "judges:\n  fleet:\n    model: openai/qwen\n    concurrency: 8\n    deployments:\n"
            f"      - {{api_base: {a.url}, rpm: 6000}}\n      - {{api_base: {b.url}, rpm: 6000}}\n")
        out = tmp_path / "run"
        # --workers: a fleet still calls from the runner, as litellm's Router keeps each replica's
        # rpm budget per process (N workers would each spend all of it)
        judgebench("run", "--task", MINI, "--models-file", str(models), "--model", "fleet", "--repeats", "4",
                   "--workers", "2", "--out", str(out), check=0)
        lines = read_jsonl(out / "samples.jsonl")
        assert len(lines) == 32 and all(r["status"] == "ok" and r["model"] == "fleet" for r in lines)
        assert len(a.requests) + len(b.requests) == 32
        assert len(a.requests) >= 4 and len(b.requests) >= 4  # both replicas took a share
        run = json.loads((out / "run.json").read_text())
        assert [d["api_base"] for d in run["models"][0]["deployments"]] == [a.url, b.url]
        assert "call worker" not in (out / "run.log").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text("judges:\n  fleet:\n    model: openai/qwen\n    deployments:\n      - {rpm: 5}\n")
    proc = judgebench("run", "--task", MINI, "--models-file", str(bad), "--model", "fleet")
    assert proc.returncode == 2 and "deployments[0].api_base: required" in proc.stderr
