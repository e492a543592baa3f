"""Accuracy against truth: screening at the cut-off, bands, spread, items, coverage.

Hand-derived values (working in comments), then cross-checks against scikit-learn.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, recall_score, roc_auc_score

from judgebench.metrics import (
    auc_by_threshold, band_confusion, band_index, coverage_by_band, item_mae, item_summary, items_matrix,
    mean_signed_error_by_band, run_metrics, sd_ratio, sensitivity_specificity, status_rates,
)
from judgebench.scales import BDI2, PHQ8, PHQ9

# One small case used by several tests below.
T = [12, 15, 3, 8, 10]
P = [11, 7, 2, 10, 9]


def test_sensitivity_specificity_hand_derived():
    # truth >= 10 at indices 0, 1, 4 (12, 15, 10); flagged pred >= 10: 11 yes, 7 no, 9 no -> TP 1, FN 2
    # truth < 10 at indices 2, 3 (3, 8); pred 2 not flagged (TN), 10 flagged (FP) -> TN 1, FP 1
    sens, spec = sensitivity_specificity(T, P, threshold=10)
    assert sens == pytest.approx(1 / 3) and spec == pytest.approx(1 / 2)


def test_band_confusion_hand_derived():
    # true bands: 12 moderate(2), 15 mod. severe(3), 3 minimal(0), 8 mild(1), 10 moderate(2)
    # pred bands: 11 moderate(2), 7 mild(1),      2 minimal(0), 10 moderate(2), 9 mild(1)
    # (true, pred) = (2,2) (3,1) (0,0) (1,2) (2,1)
    c = band_confusion(T, P, scale=PHQ9)
    assert c["labels"] == ["minimal", "mild", "moderate", "moderately severe", "severe"]
    assert c["matrix"] == [
        [1, 0, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 1, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]


def test_mean_signed_error_by_band_hand_derived():
    # minimal: 2-3 = -1 ; mild: 10-8 = +2 ; moderate: (11-12) and (9-10) -> -1 ;
    # moderately severe: 7-15 = -8 ; severe: no case -> None
    assert mean_signed_error_by_band(T, P, scale=PHQ9) == {
        "minimal": -1.0, "mild": 2.0, "moderate": -1.0, "moderately severe": -8.0, "severe": None,
    }


def test_sd_ratio_hand_derived():
    # t mean 9.6, squared deviations 5.76 + 29.16 + 43.56 + 2.56 + 0.16 = 81.2
    # p mean 7.8, squared deviations 10.24 + 0.64 + 33.64 + 4.84 + 1.44 = 50.8
    # SD ratio = sqrt(50.8 / 81.2) (the 1/n cancels)
    assert sd_ratio(T, P) == pytest.approx(math.sqrt(50.8 / 81.2))
    assert sd_ratio([5, 5, 5], [1, 2, 3]) is None  # SD(true) = 0
    assert sd_ratio([5], [4]) is None
    assert sd_ratio([1, 2, 3], [7, 7, 7]) == 0.0  # constant predictions: defined, fully compressed


def test_item_mae_hand_derived():
    true = [[1, 0, 0, 0, 0, 0, 0, 0, 2], [3, 3, 3, 3, 3, 3, 3, 3, 0], [1, 1, 1, 1, 1, 1, 1, 1, 1]]
    pred = [[1, 1, 0, 0, 0, 0, 0, 0, 0], [3, 3, 3, 3, 3, 3, 3, 2, 1], None]
    t = items_matrix(true, n_items=9)
    p = items_matrix(pred, n_items=9)  # the third judgment has no items: skipped
    per_item = item_mae(t, p)
    # item 2: |1-0| and 0 -> 0.5 ; item 8: 0 and |2-3| -> 0.5 ; item 9: |0-2| = 2 and |1-0| = 1 -> 1.5
    assert per_item == [0, 0.5, 0, 0, 0, 0, 0, 0.5, 1.5]
    s = item_summary(per_item, n_items=9)
    # items 1-8: (0.5 + 0.5) / 8 = 0.125 ; item 9 apart
    assert s == {"item9_mae": 1.5, "item_mae_1_8": 0.125}
    assert item_mae(items_matrix([None], n_items=9), items_matrix([[0] * 9], n_items=9)) is None
    # a partial vector is not an item vector
    assert np.isnan(items_matrix([[1, 2, 3]], n_items=9)).all()
    # PHQ-8 has no item 9: the summary is the mean of its 8 items
    assert item_summary([1.0] * 8, n_items=8) == {"item9_mae": None, "item_mae_1_8": 1.0}


def test_coverage_by_band_hand_derived():
    truth = [3, 3, 22, 22, 12]
    status = ["ok", "parse_error", "refusal", "ok", "error"]
    c = coverage_by_band(truth, status, scale=PHQ9)
    # minimal: 2 judgments, 1 parse error ; severe: 2 judgments, 1 refusal ; moderate: 1, 1 error
    assert c["minimal"] == {"n": 2, "parse_failure_rate": 0.5, "refusal_rate": 0.0, "error_rate": 0.0}
    assert c["severe"] == {"n": 2, "parse_failure_rate": 0.0, "refusal_rate": 0.5, "error_rate": 0.0}
    assert c["moderate"] == {"n": 1, "parse_failure_rate": 0.0, "refusal_rate": 0.0, "error_rate": 1.0}
    assert c["mild"] == {"n": 0, "parse_failure_rate": None, "refusal_rate": None, "error_rate": None}
    assert status_rates(status) == {"parse_failure_rate": 0.2, "refusal_rate": 0.2, "error_rate": 0.2}
    assert status_rates([]) == {"parse_failure_rate": None, "refusal_rate": None, "error_rate": None}


def _rec(pair, truth, pred, *, status="ok", lang="en", items=None, true_items=None, repeat=0):
    return {"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang, "arm": None,
            "model": "m", "repeat": repeat, "status": status, "pred_total": pred if status == "ok" else None,
            "true_total": truth, "pred_items": items, "true_items": true_items}


def test_run_metrics_new_accuracy_keys_hand_derived():
    recs = [_rec(f"p{i}", t, p) for i, (t, p) in enumerate(zip(T, P))]
    recs.append(_rec("p9", 22, None, status="refusal"))
    m = run_metrics(recs, scale=PHQ9, n_resamples=50).to_json()["models"]["m"]["overall"]
    assert m["sensitivity_at_10"] == pytest.approx(1 / 3) and m["specificity_at_10"] == pytest.approx(1 / 2)
    assert m["band_confusion"] == band_confusion(T, P, scale=PHQ9)
    assert m["mean_signed_error_by_band"]["severe"] is None
    assert "severe" in m["undefined"]["mean_signed_error_by_band.severe"]
    # coverage: 5 of 6 scored; the one refusal is the only severe case
    assert m["n_covered"] == m["n_scored"] == 5 and m["mae_covered"] == m["mae"]
    assert m["coverage_rate"] == pytest.approx(5 / 6)
    assert m["coverage_by_band"]["severe"] == {"n": 1, "parse_failure_rate": 0.0, "refusal_rate": 1.0, "error_rate": 0.0}
    assert m["item_mae"] is None and m["n_with_items"] == 0 and "items" in m["undefined"]["item_mae"]


def test_run_metrics_item_mae_from_records():
    recs = [
        _rec("a", 3, 2, items=[1, 1, 0, 0, 0, 0, 0, 0, 0], true_items=[1, 0, 0, 0, 0, 0, 0, 0, 2]),
        _rec("b", 24, 25, items=[3, 3, 3, 3, 3, 3, 3, 2, 1], true_items=[3, 3, 3, 3, 3, 3, 3, 3, 0]),
        _rec("c", 9, 9, true_items=[1] * 9),  # totals only: not in the item metrics
    ]
    m = run_metrics(recs, scale=PHQ9, n_resamples=0).to_json()["models"]["m"]["overall"]
    assert m["n_with_items"] == 2
    assert m["item_mae"] == [0, 0.5, 0, 0, 0, 0, 0, 0.5, 1.5]  # as in test_item_mae_hand_derived
    assert m["item9_mae"] == 1.5 and m["item_mae_1_8"] == 0.125


def test_band_index_matches_scale_band():
    for scale in (PHQ9, PHQ8, BDI2):
        values = np.arange(-1, scale.max_total + 2) / 1.0
        assert band_index(values, scale=scale).tolist() == [scale.band(v) for v in values]
    assert band_index([9.5, 9.99, 10.0], scale=PHQ9).tolist() == [1, 1, 2]


pairs = st.lists(st.tuples(st.integers(0, 27), st.integers(0, 27)), min_size=2, max_size=80)


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_cross_check_sklearn(data):
    t = np.array([a for a, _ in data], dtype=float)
    p = np.array([b for _, b in data], dtype=float)
    bt, bp = band_index(t, scale=PHQ9), band_index(p, scale=PHQ9)
    assert band_confusion(t, p, scale=PHQ9)["matrix"] == confusion_matrix(bt, bp, labels=range(5)).tolist()
    y = (t >= 10).astype(int)
    flagged = (p >= 10).astype(int)
    sens, spec = sensitivity_specificity(t, p, threshold=10)
    if 0 < y.sum() < y.size:
        assert sens == pytest.approx(recall_score(y, flagged, pos_label=1))
        assert spec == pytest.approx(recall_score(y, flagged, pos_label=0))
    for k, auc in auc_by_threshold(t, p, thresholds=range(3, 25)).items():
        yk = t >= int(k)
        if 0 < yk.sum() < yk.size:
            assert auc == pytest.approx(roc_auc_score(yk, p))
        else:
            assert auc is None


@settings(max_examples=60, deadline=None)
@given(pairs)
def test_band_properties(data):
    t = [a for a, _ in data]
    p = [b for _, b in data]
    c = np.array(band_confusion(t, p, scale=PHQ9)["matrix"])
    # swapping the raters transposes the matrix; the total is the number of judgments
    assert (np.array(band_confusion(p, t, scale=PHQ9)["matrix"]) == c.T).all() and c.sum() == len(t)
    # perfect agreement: everything on the diagonal, no error in any band
    same = np.array(band_confusion(t, t, scale=PHQ9)["matrix"])
    assert (same == np.diag(np.diag(same))).all()
    assert all(v in (None, 0.0) for v in mean_signed_error_by_band(t, t, scale=PHQ9).values())
    if np.ptp(t) > 0 and np.ptp(p) > 0:
        assert sd_ratio(t, p) * sd_ratio(p, t) == pytest.approx(1.0)
        assert sd_ratio(t, t) == pytest.approx(1.0)
