"""Per-item cross-language shifts: which items a judge reads higher in one language."""

import numpy as np
import pytest

from judgebench.metrics import run_metrics
from judgebench.scales import PHQ9


def _rec(pair, lang, items, *, repeat=0, arm=None, model="m"):
    return {"task": "t", "sample_id": f"{pair}-{lang}-{arm}", "pair_id": pair, "language": lang, "arm": arm,
            "model": model, "repeat": repeat, "status": "ok", "pred_total": sum(items), "pred_items": items,
            "true_total": 9, "true_items": [1] * 9}


def test_item_shift_hand_derived():
    base = [[1, 0, 0, 0, 0, 0, 0, 0, 0], [2, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 3, 0, 0, 0, 0, 0, 0]]
    # zh reads item 3 (sleep) one higher in every case, and item 1 +2 in case 0 only
    zh = [[3, 0, 1, 0, 0, 0, 0, 0, 0], [2, 1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 3, 0, 0, 0, 0, 0, 0]]
    zh[2][2] = 3  # ... except case 2, already at the top: 3 -> 3
    recs = [_rec(str(c), "en", base[c]) for c in range(3)] + [_rec(str(c), "zh", zh[c]) for c in range(3)]
    # repeats averaged first: a second zh repeat of case 1 reads item 3 at 3 -> case 1 item 3 = (1 + 3)/2 = 2
    recs.append(_rec("1", "zh", [2, 1, 3, 0, 0, 0, 0, 0, 0], repeat=1))
    shift = run_metrics(recs, scale=PHQ9, n_resamples=200).to_json()["models"]["m"]["consistency"]["zh"]["item_shift"]
    # item 1: shifts (2, 0, 0) -> 2/3; item 3: (1, 2, 0) -> 1
    assert shift["n"] == 3 and shift["mean"][0] == pytest.approx(2 / 3) and shift["mean"][2] == pytest.approx(1)
    assert shift["mean"][1] == 0 and shift["ci95"][1] == [0, 0]
    lo, hi = shift["ci95"][2]
    assert 0 <= lo <= 1 <= hi <= 2


def test_item_shift_undefined_without_items():
    recs = [{**_rec(str(c), lang, [0] * 9), "pred_items": None} for c in range(3) for lang in ("en", "hi")]
    block = run_metrics(recs, scale=PHQ9, n_resamples=20).to_json()["models"]["m"]["consistency"]["hi"]
    assert block["item_shift"] is None and "item vector" in block["undefined"]["item_shift"]


def test_a_plus_one_item_bias_comes_out_with_noise():
    rng = np.random.default_rng(4)
    recs = []
    for c in range(60):
        items = rng.integers(0, 3, 9)
        recs.append(_rec(str(c), "en", [int(x) for x in items]))
        shifted = items.copy()
        shifted[5] += 1  # item 6 read one point higher in hi
        noise = rng.integers(-1, 2, 9) * (rng.random(9) < 0.2)
        recs.append(_rec(str(c), "hi", [int(x) for x in np.clip(shifted + noise, 0, 3)]))
    shift = run_metrics(recs, scale=PHQ9, n_resamples=300).to_json()["models"]["m"]["consistency"]["hi"]["item_shift"]
    assert shift["ci95"][5][0] > 0.5  # item 6's CI is well above zero
    assert all(lo <= 0 <= hi for j, (lo, hi) in enumerate(shift["ci95"]) if j != 5)


def test_item_shift_heatmap_in_the_html_report(judgebench, truth_server, tmp_path):
    import json

    from conftest import MINI

    srv = truth_server()  # answers every sample with its true item vector
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--out", str(out), check=0)
    consistency = json.loads((out / "metrics.json").read_text())["models"]["openai/x"]["consistency"]
    shifted = {lang: c["item_shift"] for lang, c in consistency.items()}
    assert shifted and all(s is not None and s["n"] >= 1 for s in shifted.values())
    judgebench("report", str(out), "--format", "html", check=0)
    page = (out / "report.html").read_text()
    assert "Per-item shift per language" in page and page.count("<img class='plot'") == 6
