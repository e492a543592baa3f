"""Turn the blind reading panel (panel.jsonl) into run directories that judgebench's reports and
leaderboard read like any judge's run, on the English baselines (every one read by three readers
in its current text):

    python tasks/phq9-passive/panel_run.py results/passive-en-panel

One "judge": a blind reader, the three readings of a dialogue being its repeats (so the metrics'
reliability block is the readers' agreement with each other; the panel mean is in README.md).
The readers are language models given the judge's rubric, not clinicians (see README.md).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

from judgebench.metrics import run_metrics
from judgebench.prompts import PromptBuilder
from judgebench.tasks import load_task

HERE = Path(__file__).parent


def main(out: Path) -> None:
    task = load_task(str(HERE)).select(languages=["en"])
    samples = {s.id: s for s in task.samples}
    readings = defaultdict(list)
    for line in open(HERE / "panel.jsonl", encoding="utf-8"):
        r = json.loads(line)
        if r["text"] == "current" and r["sample_id"] in samples:
            readings[r["sample_id"]].append(r)
    records = []
    for sid, rs in sorted(readings.items()):
        s = samples[sid]
        common = {"task": task.name, "sample_id": sid, "pair_id": s.pair_id, "language": "en", "arm": s.arm,
                  "status": "ok", "error": None, "flags": [], "cached": False, "latency_s": None,
                  "usage": None, "cost_usd": None, "attempts": 0,
                  "true_total": s.true_total, "true_items": list(s.true_items),
                  "true_items_range": [list(x) for x in s.true_items_range], "hidden_items": list(s.hidden_items or ())}
        for i, r in enumerate(rs[:3]):
            records.append({**common, "model": "blind LLM reader (one of three)", "repeat": i,
                            "raw": json.dumps({"items": r["items"], "total": r["total"]}),
                            "pred_items": r["items"], "pred_total": r["total"]})
    metrics = run_metrics(records, scale=task.scale, baseline_language="en", run_id=out.name)
    metrics["provenance"] = {"tasks": [{"name": task.name, "content_hash": task.content_hash}],
                             "prompt_hash": PromptBuilder(task.scale, task.prompt_template).hash,
                             "models": {m: "blind reading panel" for m in metrics["models"]},
                             "repeats": 3, "temperature": None}
    metrics["scale_def"] = asdict(task.scale)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with open(out / "samples.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(readings)} dialogues, {len(records)} records -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
