"""Time ``run_metrics`` on ~100,000 synthetic judgments with 1,000 bootstrap resamples.

    python bench/metrics.py [--cases 2222] [--resamples 1000] [--rounds 3]

3 models x 5 languages x 2,222 cases x 3 repeats = 99,990 judgments with item vectors, ~6%
failures (refusals concentrated in severe cases), per-language bias, per-model range
compression and noise, mostly systematic per case with a little run-to-run drift. Only ``run_metrics`` (records in, metrics.json document out) is timed; generating
the records is not. Target: under 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from judgebench.metrics import run_metrics
from judgebench.scales import PHQ9

MODELS = {"judge-a": (0.9, 2.0), "judge-b": (0.7, 3.0), "judge-c": (1.0, 4.0)}
"""model -> (slope towards the middle: range compression, noise SD in points)"""
LANGUAGES = {"en": 0.0, "zh": -1.5, "hi": 1.0, "bn": 1.5, "sw": 0.5}
"""language -> bias in points (en is the baseline)"""


def synthetic_records(n_cases: int, *, repeats: int = 3, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    # item vectors skewed towards low scores, like a screening population
    true_items = rng.choice(4, size=(n_cases, 9), p=[0.45, 0.3, 0.15, 0.1])
    true_total = true_items.sum(axis=1)
    records = []
    for model, (slope, noise) in MODELS.items():
        for lang, bias in LANGUAGES.items():
            # a judge's error on a case is mostly systematic; repeats add a little drift
            case_error = rng.normal(0, noise / 3, size=(n_cases, 9)) + bias / 9
            for rep in range(repeats):
                item_noise = case_error + rng.normal(0, 0.25, size=(n_cases, 9))
                pred_items = np.clip(np.rint(13.5 / 9 + slope * (true_items - 13.5 / 9) + item_noise), 0, 3).astype(int)
                pred_total = pred_items.sum(axis=1)
                u = rng.random(n_cases)
                refuse_p = np.where(true_total >= 20, 0.10, 0.01)
                status = np.where(u < refuse_p, "refusal",
                                  np.where(u < refuse_p + 0.03, "parse_error",
                                           np.where(u < refuse_p + 0.04, "error", "ok")))
                for i in range(n_cases):
                    ok = status[i] == "ok"
                    records.append({
                        "task": "bench", "sample_id": f"c{i}-{lang}", "pair_id": f"c{i}", "language": lang,
                        "arm": "baseline" if lang == "en" else "translated", "model": model, "repeat": rep,
                        "status": str(status[i]),
                        "pred_total": int(pred_total[i]) if ok else None,
                        "pred_items": pred_items[i].tolist() if ok else None,
                        "true_total": int(true_total[i]), "true_items": true_items[i].tolist(),
                    })
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2222)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3, help="timed runs; the best and all are printed")
    args = ap.parse_args()

    t0 = time.perf_counter()
    records = synthetic_records(args.cases)
    gen_s = time.perf_counter() - t0
    times = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        doc = run_metrics(records, scale=PHQ9, baseline_language="en", run_id="bench", n_resamples=args.resamples)
        times.append(time.perf_counter() - t0)
    json.dumps(doc, allow_nan=False)  # the document must be valid JSON: no NaN anywhere
    m = doc["models"]["judge-b"]
    print(f"judgments: {len(records):,}  models: {len(MODELS)}  languages: {len(LANGUAGES)}  "
          f"bootstrap resamples: {args.resamples:,}")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print(f"records generated in {gen_s:.1f} s (not timed)")
    print(f"run_metrics: best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)} s "
          f"(target < 10 s)")
    o = m["overall"]
    print(f"sanity (judge-b overall): mae {o['mae']:.2f} ci95 {o['ci95']['mae']}, "
          f"auc10 {o['auc']['10']:.3f}, icc {o['reliability']['icc_2_1']:.3f}, "
          f"zh gap {m['consistency']['zh']['mean_signed_gap']:+.2f}")


if __name__ == "__main__":
    main()
