"""Run-to-run reliability: ICC(2,1), Krippendorff's alpha (interval), within-sample SD."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgebench.metrics import (
    icc_2_1, krippendorff_alpha_interval, mean_within_sample_sd, reliability_block, run_metrics,
)
from judgebench.scales import PHQ9

nan = float("nan")
TINY = [[2, 4], [6, 6], [10, 8]]  # 3 samples x 2 repeats


def test_icc_hand_derived():
    # row means 3, 6, 9 ; column means 6, 6 ; grand mean 6 ; n = 3, k = 2
    # SSR = k * sum (row - m)^2 = 2 * (9 + 0 + 9) = 36 -> MSR = 36 / 2 = 18
    # SSC = n * sum (col - m)^2 = 0 -> MSC = 0
    # SST = 16 + 4 + 0 + 0 + 16 + 4 = 40 ; SSE = 40 - 36 - 0 = 4 -> MSE = 4 / (2 * 1) = 2
    # ICC = (18 - 2) / (18 + 1 * 2 + 2 * (0 - 2) / 3) = 16 / (56/3) = 6/7
    assert icc_2_1(TINY) == pytest.approx(6 / 7)


def test_icc_published_value_shrout_fleiss_1979():
    # Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges; ICC(2,1) = .29
    y = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    assert icc_2_1(y) == pytest.approx(0.29, abs=0.005)


def test_krippendorff_alpha_hand_derived():
    # units (2,4) (6,6) (10,8): m_u = 2 ; SS_u = 2, 0, 2 ; N = 6 ; SS of all 6 values about 6 = 40
    # alpha = 1 - (N - 1) sum(m_u SS_u / (m_u - 1)) / (N SS) = 1 - 5 * (4 + 0 + 4) / (6 * 40) = 5/6
    assert krippendorff_alpha_interval(TINY) == pytest.approx(5 / 6)


def test_krippendorff_alpha_published_example():
    # Krippendorff (2011) "Computing Krippendorff's alpha-reliability", the 4 coders x 12 units
    # example with missing values: interval alpha = 0.849 (unit 12 has one value: not pairable)
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert krippendorff_alpha_interval(np.array(coders).T) == pytest.approx(0.849, abs=0.0005)


def test_within_sample_sd_hand_derived():
    # SDs (ddof 1): (2, 4) -> sqrt(2) ; (6, 6) -> 0 ; (10, 8) -> sqrt(2) ; mean 2 sqrt(2) / 3
    assert mean_within_sample_sd(TINY) == pytest.approx(2 * math.sqrt(2) / 3)
    # a sample with one scored repeat is skipped
    assert mean_within_sample_sd([[2, 4], [7, nan]]) == pytest.approx(math.sqrt(2))


def test_undefined_reliability():
    assert icc_2_1([[1, 1], [2, nan]]) is None  # one complete sample
    assert icc_2_1([[3, 3], [3, 3]]) is None  # no variance at all
    assert krippendorff_alpha_interval([[3, 3], [3, 3]]) is None
    assert krippendorff_alpha_interval([[3, nan], [4, nan]]) is None  # nothing pairable
    block, why = reliability_block(np.array([[3.0], [5.0]]))
    assert block["n_repeats"] == 1 and block["icc_2_1"] is None
    assert why == {k: "one judgment per sample (no repeats)"
                   for k in ("icc_2_1", "krippendorff_alpha_interval", "mean_within_sample_sd")}
    block, why = reliability_block(np.array([[3.0, nan], [5.0, nan]]))
    assert why["icc_2_1"] == "fewer than 2 samples scored ok in every repeat"


ratings = st.lists(st.lists(st.integers(0, 27), min_size=3, max_size=3), min_size=2, max_size=20)


@settings(max_examples=60, deadline=None)
@given(ratings)
def test_identical_repeats_give_perfect_reliability(rows):
    y = np.array([[r[0]] * 3 for r in rows], dtype=float)  # every repeat the same score
    if np.ptp(y[:, 0]) > 0:
        assert icc_2_1(y) == pytest.approx(1.0) and krippendorff_alpha_interval(y) == pytest.approx(1.0)
    assert mean_within_sample_sd(y) == 0


@settings(max_examples=60, deadline=None)
@given(ratings, st.randoms(use_true_random=False))
def test_invariant_to_sample_and_repeat_order(rows, rnd):
    y = np.array(rows, dtype=float)
    perm_rows = list(range(len(rows)))
    rnd.shuffle(perm_rows)
    perm_cols = [2, 0, 1]
    z = y[perm_rows][:, perm_cols]
    for f in (icc_2_1, krippendorff_alpha_interval, mean_within_sample_sd):
        a, b = f(y), f(z)
        assert (a is None and b is None) or a == pytest.approx(b)


def test_run_metrics_reliability_per_language():
    # two samples per language, 2 repeats; en repeats agree exactly, hi drifts by 2 on sample b
    recs = []
    for lang, drift in (("en", 0), ("hi", 2)):
        for pair, truth in (("a", 4), ("b", 16)):
            for rep in (0, 1):
                pred = truth + (drift if pair == "b" and rep == 1 else 0)
                recs.append({"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang,
                             "arm": None, "model": "m", "repeat": rep, "status": "ok",
                             "pred_total": pred, "true_total": truth})
    m = run_metrics(recs, scale=PHQ9, n_resamples=0).to_json()["models"]["m"]
    en, hi = m["by_language"]["en"]["reliability"], m["by_language"]["hi"]["reliability"]
    assert en["icc_2_1"] == pytest.approx(1.0) and en["mean_within_sample_sd"] == 0
    # hi: matrix [[4, 4], [16, 18]] -> within SDs 0 and sqrt(2) -> mean sqrt(2)/2
    assert hi["mean_within_sample_sd"] == pytest.approx(math.sqrt(2) / 2)
    assert hi["icc_2_1"] == pytest.approx(icc_2_1([[4, 4], [16, 18]]))
    assert hi["n_repeats"] == 2 and hi["n_samples_complete"] == 2
