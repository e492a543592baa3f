"""Core metrics: hand-derived values (working in comments) and cross-checks with scipy/sklearn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from judgebench.metrics import (
    auc_at, ccc, consistency_gaps, mae, pearson_r, quadratic_weighted_kappa, rmse, run_metrics, spearman_rho,
)
from judgebench.scales import PHQ9


def test_hand_derived_errors():
    t, p = [0, 10, 20], [2, 10, 17]
    # |2| + 0 + |-3| = 5 -> 5/3 ; squares 4 + 0 + 9 = 13 -> sqrt(13/3)
    assert mae(t, p) == pytest.approx(5 / 3)
    assert rmse(t, p) == pytest.approx((13 / 3) ** 0.5)


def test_hand_derived_ccc():
    # t = [1, 2, 3], p = [2, 3, 4]: perfectly correlated, shifted by +1.
    # var_t = var_p = 2/3, cov = 2/3, (mean diff)^2 = 1 -> ccc = (4/3) / (2/3 + 2/3 + 1) = 4/7
    assert ccc([1, 2, 3], [2, 3, 4]) == pytest.approx(4 / 7)
    assert pearson_r([1, 2, 3], [2, 3, 4]) == pytest.approx(1.0)


def test_hand_derived_auc():
    # truth >= 10: positives have scores {12, 9}, negatives {3, 9}.
    # pairs (pos, neg): (12,3)=1 (12,9)=1 (9,3)=1 (9,9)=0.5 -> 3.5 / 4
    assert auc_at([15, 11, 2, 5], [12, 9, 3, 9], threshold=10) == pytest.approx(0.875)
    assert auc_at([15, 11], [12, 9], threshold=10) is None  # one class only


def test_undefined_is_none_not_nan():
    assert pearson_r([1, 2, 3], [5, 5, 5]) is None
    assert spearman_rho([1, 2], [1, 2]) is None
    assert mae([], []) is None
    assert ccc([4, 4], [4, 4]) is None


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 27), st.integers(0, 27)), min_size=4, max_size=60))
def test_cross_checks_against_scipy_and_sklearn(pairs):
    t = np.array([a for a, _ in pairs], dtype=float)
    p = np.array([b for _, b in pairs], dtype=float)
    if np.ptp(t) > 0 and np.ptp(p) > 0:
        assert pearson_r(t, p) == pytest.approx(stats.pearsonr(t, p).statistic, abs=1e-9)
        assert spearman_rho(t, p) == pytest.approx(stats.spearmanr(t, p).statistic, abs=1e-9)
    y = t >= 10
    if 0 < y.sum() < len(y):
        assert auc_at(t, p, threshold=10) == pytest.approx(roc_auc_score(y, p))
    bt = [PHQ9.band(x) for x in t]
    bp = [PHQ9.band(x) for x in p]
    q = quadratic_weighted_kappa(bt, bp, n_categories=5)
    if len(set(bt) | set(bp)) > 1:
        assert q == pytest.approx(cohen_kappa_score(bt, bp, weights="quadratic", labels=range(5)), abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 27), min_size=2, max_size=40))
def test_perfect_agreement(values):
    assert mae(values, values) == 0
    gaps = consistency_gaps(np.array(values), np.array(values), scale=PHQ9)
    assert gaps["mean_signed_gap"] == 0 and gaps["band_flip_rate"] == 0 and gaps["wilcoxon_p"] is None
    if len(set(values)) > 1:
        assert ccc(values, values) == pytest.approx(1.0)


def test_consistency_hand_derived():
    # baseline [4, 9, 12], other [6, 9, 8]: gaps +2, 0, -4 -> mean -2/3, abs mean 2
    # bands: 4 minimal -> 6 mild (flip), 9 -> 9, 12 moderate -> 8 mild (flip): 2/3
    # cut-off >= 10: only 12 -> 8 crosses it: 1/3
    g = consistency_gaps(np.array([4, 9, 12]), np.array([6, 9, 8]), scale=PHQ9)
    assert g["n_pairs"] == 3
    assert g["mean_signed_gap"] == pytest.approx(-2 / 3) and g["mean_abs_gap"] == pytest.approx(2)
    assert g["band_flip_rate"] == pytest.approx(2 / 3) and g["cutoff_flip_rate"] == pytest.approx(1 / 3)
    lo, hi = g["signed_gap_ci95"]
    assert -4 <= lo <= -2 / 3 <= hi <= 2


def test_run_metrics_averages_repeats_per_pair_and_counts_coverage():
    recs = []
    for pair, truth in (("a", 5), ("b", 12)):
        for lang, shift in (("en", 0), ("hi", 3)):
            for rep, noise in ((0, 0), (1, 2)):
                recs.append({"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang,
                             "arm": None, "model": "m", "repeat": rep, "status": "ok",
                             "pred_total": truth + shift + noise, "true_total": truth})
    recs.append({"task": "t", "sample_id": "c-hi", "pair_id": "c", "language": "hi", "arm": None, "model": "m",
                 "repeat": 0, "status": "refusal", "pred_total": None, "true_total": 20})
    m = run_metrics(recs, scale=PHQ9).to_json()["models"]["m"]
    assert m["overall"]["n"] == 9 and m["overall"]["n_scored"] == 8
    assert m["by_language"]["hi"]["refusal_rate"] == pytest.approx(1 / 5)
    # per pair, repeats averaged: en a=6 b=13, hi a=9 b=16 -> gaps 3, 3 ; pair c has no en: excluded
    assert m["consistency"]["hi"]["n_pairs"] == 2 and m["consistency"]["hi"]["mean_signed_gap"] == 3


CONTRACT_METRICS = {"n", "n_scored", "mae", "rmse", "pearson_r", "spearman_rho", "ccc", "auc", "qwk_bands",
                    "parse_failure_rate", "refusal_rate", "error_rate", "mean_signed_error"}
NEW_METRICS = {"sensitivity_at_10", "specificity_at_10", "band_confusion", "mean_signed_error_by_band", "sd_ratio",
               "n_with_items", "item_mae", "item9_mae", "item_mae_1_8", "ci95", "reliability", "coverage_rate",
               "n_covered", "mae_covered", "coverage_by_band", "undefined"}
CONTRACT_CONSISTENCY = {"n_pairs", "mean_signed_gap", "mean_abs_gap", "signed_gap_ci95", "wilcoxon_p",
                        "band_flip_rate", "cutoff_flip_rate"}
NEW_CONSISTENCY = {"wilcoxon_p_holm", "bland_altman", "delta_mae", "delta_mae_ci95", "undefined"}


def test_document_keeps_contract_keys_and_adds_new_ones_in_every_block_including_by_arm():
    recs = []
    for i, truth in enumerate((2, 7, 11, 16, 22)):
        recs.append({"task": "t", "sample_id": f"p{i}-en", "pair_id": f"p{i}", "language": "en", "arm": "baseline",
                     "model": "m", "repeat": 0, "status": "ok", "pred_total": truth, "true_total": truth})
        for arm, shift in (("translated", 1), ("localized", -2)):
            recs.append({"task": "t", "sample_id": f"p{i}-hi-{arm}", "pair_id": f"p{i}", "language": "hi",
                         "arm": arm, "model": "m", "repeat": 0, "status": "ok",
                         "pred_total": max(0, truth + shift + i % 2), "true_total": truth})
    doc = run_metrics(recs, scale=PHQ9, n_resamples=50).to_json()
    assert doc["schema_version"] == 1 and doc["cutoff"] == 10
    m = doc["models"]["m"]
    for block in (m["overall"], *m["by_language"].values(), *m["by_arm"]["localized"]["by_language"].values()):
        assert CONTRACT_METRICS | NEW_METRICS <= set(block)
    for block in (*m["consistency"].values(), *(c for a in m["by_arm"].values() for c in a["consistency"].values())):
        assert CONTRACT_CONSISTENCY | NEW_CONSISTENCY <= set(block)
    assert set(m["by_arm"]) == {"translated", "localized"}
    assert set(m["by_arm"]["localized"]) == {"by_language", "consistency"}
    # localized hi is 2 below en, minus 1 on odd pairs: gaps -2, -1, -2, -1, -2 -> -8/5
    assert m["by_arm"]["localized"]["consistency"]["hi"]["mean_signed_gap"] == pytest.approx(-8 / 5)
