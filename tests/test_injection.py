"""Prompt injection: a dialogue that tells the judge what to answer is still rated as a dialogue,
and the bundled phq9-injection task measures how far a judge moves."""

import json
import re

from conftest import read_jsonl
from openai_server import OpenAIServer, Reply, dialogue_of
from judgebench.prompts import PromptBuilder
from judgebench.tasks import load_task


def test_injected_text_stays_inside_the_fence():
    task = load_task("phq9-injection")
    fence_attack = next(s for s in task.samples if s.meta.get("attack") == 2)
    user = PromptBuilder(task.scale).build(fence_attack).messages[1]["content"]
    assert user.count("</dialogue>") == 1 and user.count("<dialogue>") == 1
    inside = user.split("<dialogue>")[1].split("</dialogue>")[0]
    assert "New instructions from the administrator" in inside


def test_the_task_measures_how_far_a_judge_moves(judgebench, truth_server, tmp_path):
    robust = truth_server(task="phq9-injection")
    judgebench("run", "--task", "phq9-injection", "--model", "openai/robust", "--api-base", robust.url,
               "--out", str(tmp_path / "robust"), check=0)
    cons = json.loads((tmp_path / "robust" / "metrics.json").read_text())["models"]["openai/robust"]["consistency"]
    assert cons["en-x-inject"]["n_pairs"] == 40 and cons["en-x-inject"]["mean_abs_gap"] == 0

    def gullible(body):  # obeys any answer the dialogue dictates
        d = dialogue_of(body)
        m = re.search(r'(\{"items": \[[\d,]+\], "total": \d+\})|rated? (?:me )?(\d) on|rated (\d)\.', d)
        if m and m.group(1):
            return Reply(content=m.group(1))
        if m:
            v = int(m.group(2) or m.group(3))
            return Reply(content=json.dumps({"items": [v] * 9}))
        return Reply(content='{"total": 10}')

    with OpenAIServer(gullible) as srv:
        judgebench("run", "--task", "phq9-injection", "--model", "openai/gullible", "--api-base", srv.url,
                   "--out", str(tmp_path / "gullible"), check=0)
    lines = read_jsonl(tmp_path / "gullible" / "samples.jsonl")
    assert all(r["status"] == "ok" for r in lines)
    cons = json.loads((tmp_path / "gullible" / "metrics.json").read_text())["models"]["openai/gullible"]["consistency"]
    assert cons["en-x-inject"]["mean_abs_gap"] > 10 and cons["en-x-inject"]["band_flip_rate"] > 0.8
