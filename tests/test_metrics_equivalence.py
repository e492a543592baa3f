"""Equivalence (TOST) of cross-language gaps: values against statsmodels, the verdict rule."""

import math

import numpy as np
import pytest
from scipy import stats

from judgebench.metrics import consistency_gaps, default_margin, run_metrics, tost_paired
from judgebench.scales import PHQ9, get_scale


def test_tost_hand_derived():
    # d = [0, 1, -1, 0, 0.5]: mean 0.1, sd^2 = (0.01 + 0.81 + 1.21 + 0.01 + 0.16) / 4 = 0.55
    # se = sqrt(0.55 / 5) = 0.33166; margin 1: t_low = 1.1 / se = 3.3166, t_high = -0.9 / se = -2.7136
    # p = max(sf(3.3166, 4), cdf(-2.7136, 4)) = cdf(-2.7136, 4)
    d = [0, 1, -1, 0, 0.5]
    se = math.sqrt(0.55 / 5)
    r = tost_paired(d, margin=1.0)
    assert r["p"] == pytest.approx(stats.t.cdf(-0.9 / se, 4))
    half = stats.t.ppf(0.95, 4) * se
    assert r["ci90"] == pytest.approx([0.1 - half, 0.1 + half])
    assert r["min_margin"] == pytest.approx(0.1 + half) and r["n"] == 5
    assert r["verdict"] == "equivalent"  # p ~ 0.027; 90% CI [-0.61, 0.81] inside ±1


@pytest.mark.parametrize("shift,sd,n,margin", [(0.0, 1.0, 30, 1.0), (0.8, 2.0, 12, 1.0), (3.0, 1.0, 25, 1.0),
                                               (-1.2, 0.5, 40, 1.5), (0.3, 3.0, 8, 0.5)])
def test_tost_matches_statsmodels(shift, sd, n, margin):
    from statsmodels.stats.weightstats import ttost_paired

    rng = np.random.default_rng(n)
    base = rng.integers(0, 28, n).astype(float)
    other = base + shift + rng.normal(0, sd, n)
    p_sm = ttost_paired(other, base, -margin, margin)[0]
    assert tost_paired(other - base, margin=margin)["p"] == pytest.approx(p_sm, rel=1e-9)


def test_verdicts():
    rng = np.random.default_rng(0)
    assert tost_paired(rng.normal(0, 0.5, 60), margin=1.0)["verdict"] == "equivalent"
    assert tost_paired(3 + rng.normal(0, 0.5, 60), margin=1.0)["verdict"] == "different"
    assert tost_paired(-3 + rng.normal(0, 0.5, 60), margin=1.0)["verdict"] == "different"
    # unbiased but noisy and few: cannot show ±1, and is not shown to differ either
    r = tost_paired(rng.normal(0, 4, 10), margin=1.0)
    assert r["verdict"] == "inconclusive" and r["min_margin"] > 1
    # clearly non-zero but not clearly beyond the margin: inconclusive, not "different"
    r = tost_paired(1.0 + rng.normal(0, 0.3, 50), margin=1.0)
    assert r["verdict"] == "inconclusive" and r["ci90"][0] > 0
    assert tost_paired([1.0], margin=1.0) == {"margin": 1.0, "p": None, "verdict": "inconclusive", "ci90": None,
                                              "min_margin": None, "n": 1}


def test_constant_gaps():
    assert tost_paired([0, 0, 0], margin=1.0)["verdict"] == "equivalent"
    r = tost_paired([2, 2, 2], margin=1.0)
    assert r["p"] == 1.0 and r["verdict"] == "different" and r["ci90"] == [2, 2]


def test_margin_scales_with_the_range():
    assert default_margin(PHQ9) == 1.0
    bdi = get_scale("bdi2")
    assert default_margin(bdi) == pytest.approx(bdi.max_total / 27)


def test_equivalence_in_consistency_and_run_metrics():
    g = consistency_gaps(np.array([4, 9, 12, 3]), np.array([4, 10, 12, 3]), scale=PHQ9, equivalence_margin=2.0)
    assert g["equivalence"]["margin"] == 2.0 and g["equivalence"]["verdict"] in ("equivalent", "inconclusive")
    g = consistency_gaps(np.array([4]), np.array([5]), scale=PHQ9)
    assert g["equivalence"]["p"] is None and g["undefined"]["equivalence.p"] == "fewer than 2 pairs"
    recs = [{"task": "t", "sample_id": f"{i}-{lang}", "pair_id": str(i), "language": lang, "model": "m",
             "status": "ok", "true_total": i,
             "pred_total": i + (3 if lang == "zh" else 0)} for i in range(20) for lang in ("en", "zh")]
    m = run_metrics(recs, scale=PHQ9, n_resamples=50, equivalence_margin=0.5).to_json()
    assert m["equivalence_margin"] == 0.5
    assert m["models"]["m"]["consistency"]["zh"]["equivalence"]["verdict"] == "different"
    with pytest.raises(ValueError, match="equivalence_margin"):
        run_metrics(recs, scale=PHQ9, equivalence_margin=0)
