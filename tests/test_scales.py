"""Scales are data: the prompt, the answer schema, the metrics and the reports follow the task's
scale (PHQ-8, BDI-II, a GAD-7 defined inline in task.yaml), end to end against a local server."""

import json
import random

import pytest

from conftest import REPO, read_jsonl
from judgebench.errors import InputError
from judgebench.prompts import PromptBuilder, response_schema
from judgebench.scales import BDI2, PHQ8, PHQ9, Scale, scale_from_mapping
from judgebench.tasks import load_task

GAD7 = {
    "name": "gad7", "title": "GAD-7", "max_total": 21, "n_items": 7, "item_max": 3, "cutoff": 10,
    "bands": {"minimal": 0, "mild": 5, "moderate": 10, "severe": 15},
    "anchors": ["not at all", "several days", "more than half the days", "nearly every day"],
    "item_labels": ["nervous, anxious or on edge", "not able to stop or control worrying",
                    "worrying too much about different things", "trouble relaxing",
                    "so restless that it is hard to sit still", "easily annoyed or irritable",
                    "afraid as if something awful might happen"],
}


def _write_task(root, scale_spec, n_items, item_max):
    import yaml

    rng = random.Random(n_items)
    root.mkdir()
    scale_yaml = scale_spec if isinstance(scale_spec, str) else scale_spec
    (root / "task.yaml").write_text(yaml.safe_dump({"name": root.name, "scale": scale_yaml, "data": ["s.jsonl"]}))
    lines = []
    for i in range(8):
        items = [rng.randint(0, item_max) for _ in range(n_items)]
        for lang in ("en", "zh"):
            lines.append({"id": f"c{i}-{lang}", "pair_id": f"c{i}", "language": lang,
                          "turns": [{"role": "clinician", "text": f"How are you? ({i})"},
                                    {"role": "patient", "text": f"{lang}: case {i}, answers {items}"}],
                          "truth": {"total": sum(items), "items": items}})
    (root / "s.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return root


@pytest.mark.parametrize("spec, title, n_items, words, cutoff", [
    ("phq8", "PHQ-8", 8, "eight integers 0-3", 10),
    ("bdi2", "BDI-II", 21, "twenty-one integers 0-3", 20),
    (GAD7, "GAD-7", 7, "seven integers 0-3", 10),
])
def test_pointwise_run_follows_the_scale(spec, title, n_items, words, cutoff, judgebench, truth_server, tmp_path):
    task_dir = _write_task(tmp_path / f"t-{title.lower()}", spec, n_items, 3)
    srv = truth_server(str(task_dir))
    out = tmp_path / "run"
    judgebench("run", "--task", str(task_dir), "--model", "openai/m", "--api-base", srv.url, "--out", str(out), check=0)
    system = srv.requests[0]["body"]["messages"][0]["content"]
    user = srv.requests[0]["body"]["messages"][1]["content"]
    assert f"with the {title} from a conversation" in system and words in system, system
    assert "PHQ-9" not in system and "nine" not in system
    assert f"Rate the {title} items" in user
    metrics = json.loads((out / "metrics.json").read_text())
    overall = metrics["models"]["openai/m"]["overall"]
    assert overall["mae"] == 0.0 and overall["n_scored"] == 16
    assert len(overall["item_mae"]) == n_items and metrics["cutoff"] == cutoff
    assert all(r["status"] == "ok" and len(r["pred_items"]) == n_items for r in read_jsonl(out / "samples.jsonl"))
    report = judgebench("report", str(out), "--format", "markdown", check=0).stdout
    assert f"AUC≥{cutoff}" in report
    assert cutoff == 10 or "AUC≥10" not in report


def test_phq9_prompt_is_the_one_the_baseline_run_used():
    """Building the prompt from the scale must not change PHQ-9 runs: the committed baseline's
    prompt hash still matches, so `judgebench check` keeps comparing against it."""
    run = json.loads((REPO / "results" / "baseline" / "run.json").read_text())
    assert PromptBuilder(PHQ9).hash == run["prompt_hash"]


def test_schema_has_the_scales_item_count():
    for scale in (PHQ9, PHQ8, BDI2):
        items = response_schema(scale)["properties"]["items"]
        assert items["minItems"] == items["maxItems"] == scale.n_items
    totals_only = Scale(name="x", max_total=40, n_items=0, item_max=3, bands=(("low", 0), ("high", 20)), cutoff=20)
    assert set(response_schema(totals_only)["properties"]) == {"total"}
    assert '{"total": an integer 0-40}' in PromptBuilder(totals_only).system


@pytest.mark.parametrize("change, message", [
    ({"cutoff": 30}, "cutoff 30 must be in 1..21"),
    ({"bands": {"low": 5, "high": 10}}, "bands must start at 0"),
    ({"n_items": 6}, "6 items of 0..3 sum to 18, not max_total 21"),
    ({"anchors": ["no", "yes"]}, "2 anchors for item values 0..3"),
])
def test_inconsistent_scales_are_refused(change, message):
    with pytest.raises(InputError, match="task.yaml:3: scale: .*" + message.replace("(", r"\(").replace(".", r"\.")):
        scale_from_mapping({**GAD7, **change}, "task.yaml:3")


def test_scale_round_trips_through_metrics_json():
    gad = scale_from_mapping(GAD7, "x")
    from dataclasses import asdict

    assert Scale.from_json(json.loads(json.dumps(asdict(gad)))) == gad


def test_bundled_tasks_load_with_their_scales():
    assert load_task("talkdep-pairwise").scale == BDI2
