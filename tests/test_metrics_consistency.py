"""Cross-language consistency: Holm, Bland-Altman, ΔMAE, and the CONSISTENCY block."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from judgebench.metrics import bland_altman, consistency_gaps, holm_adjust, run_metrics, wilcoxon_p
from judgebench.scales import PHQ9


def test_holm_hand_derived():
    # defined p: 0.01, 0.04, 0.03, 0.005 (m = 4); sorted 0.005, 0.01, 0.03, 0.04
    # 4 * 0.005 = 0.02 ; 3 * 0.01 = 0.03 ; 2 * 0.03 = 0.06 ; 1 * 0.04 = 0.04 -> running max 0.06
    assert holm_adjust([0.01, 0.04, 0.03, None, 0.005]) == pytest.approx([0.03, 0.06, 0.06, None, 0.02])
    # capped at 1: 2 * 0.5 = 1.0, then max(1.0, 0.6)
    assert holm_adjust([0.5, 0.6]) == [1.0, 1.0]
    assert holm_adjust([]) == [] and holm_adjust([None]) == [None]
    assert holm_adjust([0.2]) == [0.2]  # a family of one is not adjusted


def _step_down_rejections(p, alpha):
    """Holm's procedure as published: walk up the sorted p-values while p_(i) <= alpha / (m - i + 1)."""
    order = np.argsort(p, kind="stable")
    m = len(p)
    rejected = set()
    for i, j in enumerate(order):
        if p[j] > alpha / (m - i):
            break
        rejected.add(int(j))
    return rejected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=8), st.sampled_from([0.01, 0.05, 0.1]))
def test_holm_matches_the_step_down_procedure(p, alpha):
    adj = holm_adjust(p)
    assert all(a >= q - 1e-15 and a <= 1 for a, q in zip(adj, p))
    assert {i for i, a in enumerate(adj) if a <= alpha} == _step_down_rejections(np.array(p), alpha)


def test_bland_altman_hand_derived():
    # d = other - baseline = [2, 0, -4]; bias = -2/3
    # deviations 8/3, 2/3, -10/3 -> squares (64 + 4 + 100) / 9 = 56/3 ; / (n - 1) = 28/3
    ba = bland_altman([4, 9, 12], [6, 9, 8])
    sd = math.sqrt(28 / 3)
    assert ba["bias"] == pytest.approx(-2 / 3) and ba["sd"] == pytest.approx(sd)
    assert ba["loa_low"] == pytest.approx(-2 / 3 - 1.96 * sd) and ba["loa_high"] == pytest.approx(-2 / 3 + 1.96 * sd)
    assert bland_altman([3], [5]) == {"bias": 2.0, "sd": None, "loa_low": None, "loa_high": None}
    assert bland_altman([], []) == {"bias": None, "sd": None, "loa_low": None, "loa_high": None}


def test_delta_mae_hand_derived():
    # truth [5, 9, 10] in both languages
    # baseline preds [4, 9, 12]: errors 1, 0, 2 -> MAE 1
    # other preds    [7, 9, 8]:  errors 2, 0, 2 -> MAE 4/3  -> ΔMAE = 1/3 (the other language is worse)
    g = consistency_gaps(np.array([4, 9, 12]), np.array([7, 9, 8]), scale=PHQ9,
                         truth_baseline=np.array([5, 9, 10]), truth_other=np.array([5, 9, 10]))
    assert g["delta_mae"] == pytest.approx(1 / 3)
    lo, hi = g["delta_mae_ci95"]
    assert lo <= 1 / 3 <= hi
    assert g["bland_altman"]["bias"] == pytest.approx(g["mean_signed_gap"])
    # without truths ΔMAE is undefined, and says why
    g = consistency_gaps(np.array([4, 9, 12]), np.array([7, 9, 8]), scale=PHQ9)
    assert g["delta_mae"] is None and g["undefined"]["delta_mae"] == "true totals not given"


def test_no_pairs_every_value_explained():
    g = consistency_gaps(np.array([]), np.array([]), scale=PHQ9, truth_baseline=np.array([]), truth_other=np.array([]))
    assert g["n_pairs"] == 0
    nulls = ({k for k, v in g.items() if v is None}
             | {f"{block}.{k}" for block in ("bland_altman", "equivalence") for k, v in g[block].items() if v is None})
    assert nulls and set(g["undefined"]) == nulls


def _rec(pair, lang, pred, truth, *, repeat=0, status="ok", arm=None, model="m"):
    return {"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang, "arm": arm,
            "model": model, "repeat": repeat, "status": status, "pred_total": pred if status == "ok" else None,
            "true_total": truth}


def test_holm_across_the_languages_of_a_model():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 28, 30)
    recs = []
    for lang, shift in (("en", 0), ("hi", 3), ("zh", 1), ("bn", 0)):
        noise = rng.integers(-2, 3, 30) if lang != "en" else 0
        for i in range(30):
            recs.append(_rec(f"p{i}", lang, int(np.clip(truth[i] + shift + (noise[i] if lang != "en" else 0), 0, 27)), int(truth[i])))
    cons = run_metrics(recs, scale=PHQ9, n_resamples=100).to_json()["models"]["m"]["consistency"]
    langs = sorted(cons)
    raw = [cons[lang]["wilcoxon_p"] for lang in langs]
    assert [cons[lang]["wilcoxon_p_holm"] for lang in langs] == pytest.approx(holm_adjust(raw))
    assert all(cons[lang]["wilcoxon_p_holm"] >= cons[lang]["wilcoxon_p"] for lang in langs)
    # ΔMAE equals the difference of the two MAEs over the same pairs (here all 30 pairs)
    en = np.array([r["pred_total"] for r in recs if r["language"] == "en"])
    hi = np.array([r["pred_total"] for r in recs if r["language"] == "hi"])
    assert cons["hi"]["delta_mae"] == pytest.approx(np.abs(hi - truth).mean() - np.abs(en - truth).mean())


def test_language_whose_judgments_all_failed_is_reported_with_reasons():
    recs = [_rec("a", "en", 5, 5), _rec("b", "en", 12, 12),
            _rec("a", "hi", None, 5, status="refusal"), _rec("b", "hi", None, 12, status="error")]
    cons = run_metrics(recs, scale=PHQ9).to_json()["models"]["m"]["consistency"]
    assert cons["hi"]["n_pairs"] == 0 and cons["hi"]["mean_signed_gap"] is None
    assert cons["hi"]["undefined"]["wilcoxon_p_holm"] == "no pair_id judged ok in both languages"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 27), st.integers(0, 27)), min_size=2, max_size=50))
def test_cross_check_scipy_wilcoxon_and_symmetry(data):
    b = np.array([x for x, _ in data], dtype=float)
    o = np.array([y for _, y in data], dtype=float)
    g = consistency_gaps(b, o, scale=PHQ9, n_resamples=50)
    swapped = consistency_gaps(o, b, scale=PHQ9, n_resamples=50)
    d = o - b
    if np.any(d != 0):
        assert g["wilcoxon_p"] == pytest.approx(stats.wilcoxon(d, zero_method="wilcox").pvalue)
    # swapping the languages: signed quantities change sign, unsigned ones stay
    assert swapped["mean_signed_gap"] == pytest.approx(-g["mean_signed_gap"])
    for key in ("mean_abs_gap", "band_flip_rate", "cutoff_flip_rate", "wilcoxon_p"):
        assert swapped[key] == pytest.approx(g[key])
    assert swapped["bland_altman"]["sd"] == pytest.approx(g["bland_altman"]["sd"])
    assert swapped["bland_altman"]["loa_low"] == pytest.approx(-g["bland_altman"]["loa_high"])


def test_pooled_gap_weighs_arms_not_successful_repeats():
    # A language with two arms: translated reads +2 over English with 3 ok repeats, localized -4
    # with 1 ok repeat (2 failed). Repeats are averaged per sample first, then the arms:
    # ((10 + 2) + (10 - 4)) / 2 - 10 = -1.0. Averaging the 4 ok rows would give +0.5.
    def arm(pred, arm, repeat, status="ok"):
        return {**_rec("p1", "hi", pred, 10, repeat=repeat, arm=arm, status=status), "sample_id": f"p1-hi-{arm}"}

    recs = [_rec("p1", "en", 10, 10)]
    recs += [arm(12, "translated", r) for r in range(3)]
    recs += [arm(6, "localized", 0)] + [arm(None, "localized", r, "error") for r in (1, 2)]
    cons = run_metrics(recs, scale=PHQ9, n_resamples=0).to_json()["models"]["m"]["consistency"]["hi"]
    assert cons["mean_signed_gap"] == pytest.approx(-1.0)


def test_wilcoxon_sees_ties_between_averaged_repeats():
    # Gaps that are equal in exact arithmetic but differ in the last bit after averaging three
    # repeats (22/3 - 7 vs 1/3): the exact test must treat them as ties. Hand check: the
    # per-sample means below give gaps [1/3]*5 + [-1/3, 2/3, 1, -2/3, 4/3].
    from scipy import stats

    gaps = [(22 / 3) - 7] * 3 + [1 / 3] * 2 + [-1 / 3, 2 / 3, 1.0, -2 / 3, 4 / 3]
    rounded = np.round(gaps, 9)
    expected = stats.wilcoxon(rounded, zero_method="wilcox").pvalue
    assert wilcoxon_p(np.asarray(gaps)) == pytest.approx(expected, rel=1e-12)
