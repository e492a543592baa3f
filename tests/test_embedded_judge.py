"""The embedded judge for real: llama.cpp in-process with the GGUF file from PyPI, offline."""

import json
import re

import pytest

from conftest import MINI, read_jsonl


def test_default_model_is_the_embedded_judge_and_answers_in_schema(judgebench, tmp_path):
    out = tmp_path / "run"
    proc = judgebench("run", "--task", MINI, "--limit", "1", "--out", str(out), check=0, timeout=600)
    lines = read_jsonl(out / "samples.jsonl")
    # --limit 1 takes the case at the median true total, in both languages
    assert [r["sample_id"] for r in sorted(lines, key=lambda r: r["sample_id"])] == ["m3-en", "m3-zh"]
    for r in lines:
        assert r["model"] == "local/gemma-3-270m" and r["status"] == "ok"
        # the grammar forces the schema: nine digits 0..3 and a total
        assert re.fullmatch(r'\{"items": \[(\d, ){8}\d\], "total": \d+\}', r["raw"]), r["raw"]
        assert r["pred_total"] == sum(r["pred_items"])
        assert r["usage"]["prompt_tokens"] > 200 and r["cost_usd"] == 0.0
    run = json.loads((out / "run.json").read_text())
    assert run["models"][0]["model"] == "local/gemma-3-270m"
    assert "local/gemma-3-270m" in proc.stdout
    # a rerun is served from the response cache like any other judge
    out2 = tmp_path / "run2"
    judgebench("run", "--task", MINI, "--limit", "1", "--out", str(out2), check=0, timeout=600)
    assert all(r["cached"] for r in read_jsonl(out2 / "samples.jsonl"))


@pytest.mark.slow
def test_embedded_judge_reads_item_probabilities_from_its_logits(judgebench, tmp_path):
    # The 270M base model is no judge: only the shape and the arithmetic are checked here.
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--limit", "1", "--language", "en", "--scoring", "logprob",
               "--out", str(out), "--quiet", check=0, timeout=600)
    (r,) = read_jsonl(out / "samples.jsonl")
    assert r["status"] == "ok" and r["scoring"] == "logprob"
    assert not [f for f in r["flags"] if f.startswith("logprob_unavailable")]
    dist = r["pred_items_dist"]
    assert len(dist) == 9 and all(len(d) == 4 and sum(d) == pytest.approx(1.0) for d in dist)
    assert r["pred_total_expected"] == pytest.approx(sum(v * p for d in dist for v, p in enumerate(d)), abs=1e-9)
    # greedy decoding under the grammar picks the likeliest admissible digit: the logits read are
    # those of the tokens actually written
    assert [max(range(4), key=d.__getitem__) for d in dist] == r["pred_items"]
