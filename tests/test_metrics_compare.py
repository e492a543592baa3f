"""Paired comparisons between judges: permutation, McNemar, paired bootstrap, Holm, rank intervals."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from judgebench.metrics import (
    bootstrap_p, compare_judges, compare_pair, holm_adjust, mcnemar_p, rank_intervals, records_frame, run_metrics,
    sign_flip_p,
)
from judgebench.scales import PHQ9


def test_sign_flip_hand_derived():
    # d = [1, 2, 3]; T = 6. Of the 8 sign vectors only (+,+,+) and (-,-,-) reach |sum| >= 6 -> p = 2/8
    assert sign_flip_p([1, 2, 3]) == pytest.approx(0.25)
    # clusters flip as units: two clusters with sums 3 and 3 -> 4 vectors, 2 reach 6 -> 1/2
    assert sign_flip_p([1, 2, 3], ["a", "a", "b"]) == pytest.approx(0.5)
    assert sign_flip_p([0, 0, 0]) == 1.0
    assert sign_flip_p([5]) is None


@pytest.mark.parametrize("n", [6, 11])
def test_sign_flip_exact_matches_scipy(n):
    rng = np.random.default_rng(n)
    x, y = rng.integers(0, 10, n).astype(float), rng.integers(0, 10, n).astype(float)
    ref = stats.permutation_test((x, y), lambda a, b: np.mean(a - b), permutation_type="samples",
                                 n_resamples=np.inf, alternative="two-sided").pvalue
    assert sign_flip_p(x - y) == pytest.approx(ref)


def test_sign_flip_monte_carlo_close_to_scipy():
    rng = np.random.default_rng(3)
    x = rng.normal(0.4, 1, 40)
    y = rng.normal(0, 1, 40)
    ref = stats.permutation_test((x, y), lambda a, b: np.mean(a - b), permutation_type="samples",
                                 n_resamples=20000, alternative="two-sided", random_state=1).pvalue
    ours = sign_flip_p(x - y, n_permutations=20000, seed=2)
    assert abs(ours - ref) < 0.01  # two Monte Carlo estimates of the same p (~0.05): SE ~0.0015 each


@pytest.mark.parametrize("b,c", [(0, 5), (3, 9), (7, 7), (40, 22), (1, 0)])
def test_mcnemar_matches_binomtest_and_statsmodels(b, c):
    from statsmodels.stats.contingency_tables import mcnemar

    ref = stats.binomtest(b, b + c, 0.5).pvalue
    sm = mcnemar([[10, b], [c, 10]], exact=True).pvalue
    assert mcnemar_p(b, c) == pytest.approx(ref) and mcnemar_p(b, c) == pytest.approx(sm)
    assert mcnemar_p(0, 0) is None


def test_bootstrap_p():
    assert bootstrap_p(np.array([1.0, 2, 3, -1])) == pytest.approx(0.5)  # 2 * min(1/4, 3/4)
    assert bootstrap_p(np.array([0.0, 0.0])) == 1.0
    assert bootstrap_p(np.array([np.nan])) is None


def test_compare_pair_values():
    # truth [2, 12, 15, 4]; a errors |2-2| |11-12| |15-15| |6-4| = 0 1 0 2 -> MAE 0.75
    # b errors |5-2| |7-12| |16-15| |4-4| = 3 5 1 0 -> MAE 2.25; diff = -1.5
    t, a, b = [2, 12, 15, 4], [2, 11, 15, 6], [5, 7, 16, 4]
    rows = {r["metric"]: r for r in compare_pair(t, a, b, ["p1", "p2", "p3", "p4"], scale=PHQ9, n_resamples=500)}
    assert rows["mae"]["diff"] == pytest.approx(-1.5) and rows["mae"]["n"] == 4
    assert rows["mae"]["p"] == pytest.approx(sign_flip_p(np.array([0, 1, 0, 2]) - [3, 5, 1, 0]))
    lo, hi = rows["mae"]["ci"]
    assert lo <= -1.5 <= hi
    auc = roc_auc_score(np.array(t) >= 10, a) - roc_auc_score(np.array(t) >= 10, b)
    assert rows["auc_10"]["diff"] == pytest.approx(auc)
    # at >= 10 truth is [-, +, +, -]; a says [-, +, +, -] (all right), b [-, -, +, -] (one wrong)
    assert rows["accuracy_10"]["diff"] == pytest.approx(0.25)
    assert rows["accuracy_10"]["p"] == pytest.approx(stats.binomtest(1, 1, 0.5).pvalue)


def _rec(pair, lang, model, pred, truth, *, repeat=0, status="ok"):
    return {"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang, "model": model,
            "repeat": repeat, "status": status, "pred_total": pred if status == "ok" else None, "true_total": truth}


def test_compare_judges_pairs_repeats_and_holm():
    rng = np.random.default_rng(0)
    recs = []
    for i in range(30):
        t = int(rng.integers(0, 28))
        recs.append(_rec(str(i), "en", "exact", t, t))
        # repeats 3 and 5 average to 4 away from the truth... unless one failed
        recs.append(_rec(str(i), "en", "far", min(27, t + 3), t, repeat=0))
        recs.append(_rec(str(i), "en", "far", min(27, t + 5), t, repeat=1, status="ok" if i else "parse_error"))
        if i % 2:
            recs.append(_rec(str(i), "en", "near", min(27, t + 1), t))
        else:
            recs.append(_rec(str(i), "en", "near", None, t, status="refusal"))
    comps = compare_judges(records_frame(recs), scale=PHQ9, n_resamples=200)
    assert comps == run_metrics(recs, scale=PHQ9, n_resamples=200).to_json()["comparisons"]
    pairs = {(r["a"], r["b"], r["metric"]): r for r in comps}
    assert set(pairs) == {(a, b, m) for a, b in [("exact", "far"), ("exact", "near"), ("far", "near")]
                          for m in ("mae", "auc_10", "accuracy_10")}
    # near judged only odd cases: n = 15 whenever it is involved
    assert pairs[("exact", "near", "mae")]["n"] == 15 and pairs[("exact", "far", "mae")]["n"] == 30
    # exact - far: repeats averaged per sample first (case 0 has only its +3 repeat)
    truths = [r["true_total"] for r in recs if r["model"] == "exact"]
    far = [abs(min(27, t + 3) - t) if i == 0 else (abs(min(27, t + 3) - t) + abs(min(27, t + 5) - t)) / 2
           for i, t in enumerate(truths)]
    assert pairs[("exact", "far", "mae")]["diff"] == pytest.approx(-np.mean(far))
    maes = [r for r in comps if r["metric"] == "mae"]
    assert [r["p_holm"] for r in maes] == pytest.approx(holm_adjust([r["p"] for r in maes]))
    assert all(r["undefined"] == {} for r in maes)


def test_identical_judges_are_not_different():
    recs = [_rec(str(i), "en", m, (i * 7) % 28, (i * 5) % 28) for i in range(20) for m in ("a", "b")]
    rows = {r["metric"]: r for r in run_metrics(recs, scale=PHQ9, n_resamples=100).to_json()["comparisons"]}
    assert rows["mae"]["diff"] == 0 and rows["mae"]["p"] == 1.0
    assert rows["auc_10"]["diff"] == 0 and rows["auc_10"]["p"] == 1.0
    assert rows["accuracy_10"]["p"] is None and "discordant" in rows["accuracy_10"]["undefined"]["p"]


def test_one_judge_no_comparisons():
    recs = [_rec(str(i), "en", "a", i, i) for i in range(5)]
    assert run_metrics(recs, scale=PHQ9, n_resamples=10).to_json()["comparisons"] == []


def test_rank_intervals():
    rng = np.random.default_rng(5)
    n = 80
    e = np.column_stack([np.abs(rng.normal(0, s, n)) for s in (0.1, 3.0, 3.05, 6.0)])
    r = rank_intervals(e, np.arange(n), n_resamples=400)
    assert r["best"] == 0 and r["rank_ci"][0] == [1, 1] and r["rank_ci"][3] == [4, 4]
    lo, hi = r["rank_ci"][1]
    assert lo == 2 and hi == 3  # judges 1 and 2 are indistinguishable
    assert r["tied_with_best"] == [True, False, False, False]
    # two indistinguishable judges at the top: both tied with the best
    r = rank_intervals(e[:, [1, 2]], np.arange(n), n_resamples=100)
    assert r["tied_with_best"] == [True, True]
