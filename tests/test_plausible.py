"""truth.items_range and truth.hidden_items: validated on load, scored as ``plausible``."""

import json

import numpy as np
import pytest

from judgebench.errors import TaskError
from judgebench.metrics import in_range_rate, run_metrics, visible_total_mae
from judgebench.scales import PHQ9
from judgebench.tasks import load_task

ITEMS = [1, 2, 0, 3, 1, 2, 3, 1, 0]
RANGE = [[0, 1], [2, 3], [0, 0], [3, 3], [0, 1], [1, 2], [2, 3], [1, 1], [0, 0]]


def _sample(**truth):
    return {"id": "a-en", "pair_id": "a", "language": "en", "turns": [{"role": "user", "text": "hi"}],
            "truth": {"total": 13, "items": ITEMS, **truth}}


def _load(tmp_path, obj):
    f = tmp_path / "t.jsonl"
    f.write_text(json.dumps(obj) + "\n")
    return load_task(str(f))


def test_ranges_and_hidden_items_load_and_export(tmp_path):
    task = _load(tmp_path, _sample(items_range=RANGE, hidden_items=[5]))
    s = task.samples[0]
    assert s.true_items_range == tuple(tuple(r) for r in RANGE) and s.hidden_items == (5,)
    assert s.to_json()["truth"]["items_range"] == RANGE and s.to_json()["truth"]["hidden_items"] == [5]


@pytest.mark.parametrize("truth, message", [
    ({"items_range": RANGE[:8]}, "truth.items_range: must be a list of exactly 9 [lo, hi] pairs"),
    ({"items_range": [[0, 4]] + RANGE[1:]}, "truth.items_range[0]: [0, 4] must satisfy 0 <= lo <= hi <= 3"),
    ({"items_range": [[1, 0]] + RANGE[1:]}, "truth.items_range[0]: [1, 0] must satisfy"),
    ({"items_range": [[2, 3]] + RANGE[1:]}, "truth.items_range[0]: [2, 3] does not contain truth.items[0] = 1"),
    ({"items_range": [["a", 1]] + RANGE[1:]}, "truth.items_range[0]: ['a', 1] must be a pair of integers"),
    ({"hidden_items": [0]}, "truth.hidden_items: must be a list of distinct item numbers in 1..9"),
    ({"hidden_items": [2, 2]}, "truth.hidden_items: must be a list of distinct item numbers in 1..9"),
])
def test_bad_ranges_name_file_line_and_field(tmp_path, truth, message):
    with pytest.raises(TaskError) as e:
        _load(tmp_path, _sample(**truth))
    assert f"t.jsonl:1: {message}" in str(e.value)


def test_in_range_rate_and_visible_mae_hand_derived():
    # totals 3, 7, 12 against ranges [2,4], [8,9], [10,12]: in, out, in -> 2/3
    assert in_range_rate([3, 7, 12], [2, 8, 10], [4, 9, 12]) == pytest.approx(2 / 3)
    # row 1: item 2 hidden, visible error (1-1) = 0; row 2: all visible, |1 + 0| = 1 -> mean 0.5
    assert visible_total_mae([[1, 2], [0, 3]], [[1, 0], [1, 3]], [[1, 0], [1, 1]]) == 0.5
    assert in_range_rate([], [], []) is None


def _rec(pid, pred_items, *, ranges=RANGE, hidden=(5,), status="ok"):
    return {"task": "t", "sample_id": f"{pid}-en", "pair_id": pid, "language": "en", "model": "m", "status": status,
            "pred_total": sum(pred_items) if status == "ok" else None, "pred_items": pred_items if status == "ok" else None,
            "true_total": 13, "true_items": ITEMS, "true_items_range": ranges, "hidden_items": list(hidden)}


def test_plausible_block_in_metrics():
    # plausible total range: lo = 0+2+0+3+0+1+2+1+0 = 9, hi = 1+3+0+3+1+2+3+1+0 = 14
    exact_but_hidden_missed = [1, 2, 0, 3, 0, 2, 3, 1, 0]   # 12: in range; visible error 0
    too_high = [3, 3, 3, 3, 1, 2, 3, 1, 0]                  # 19: out; visible error |2+1+3| = 6
    failed = [0] * 9
    recs = [_rec("a", exact_but_hidden_missed), _rec("b", too_high), _rec("c", failed, status="error")]
    block = run_metrics(recs, scale=PHQ9, n_resamples=0).to_json()["models"]["m"]["overall"]["plausible"]
    assert block == {"n": 2, "in_range_rate": 0.5, "mae_visible": 3.0}


def test_tasks_without_ranges_are_unaffected():
    recs = [{**_rec("a", ITEMS), "true_items_range": None, "hidden_items": None}]
    overall = run_metrics(recs, scale=PHQ9, n_resamples=0).to_json()["models"]["m"]["overall"]
    assert "plausible" not in overall and not any(k.startswith("plausible") for k in overall["undefined"])
    assert np.isclose(overall["mae"], 0.0)
