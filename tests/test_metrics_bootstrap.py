"""The vectorised case bootstrap, checked against a plain loop with numpy / scikit-learn."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from judgebench.metrics import bootstrap_score_ci, percentile_ci, resample_counts, run_metrics
from judgebench.metrics import _bootstrap
from judgebench.scales import PHQ9


def test_resample_counts_are_draws_with_replacement():
    w = np.concatenate(list(resample_counts(7, n_resamples=500, seed=1)))
    assert w.shape == (500, 7) and (w.sum(axis=1) == 7).all()
    assert w.mean() == pytest.approx(1.0, abs=0.05)  # each unit drawn once per resample on average
    again = np.concatenate(list(resample_counts(7, n_resamples=500, seed=1)))
    assert (w == again).all()


def test_chunking_does_not_change_the_draws(monkeypatch):
    whole = np.concatenate(list(resample_counts(50, n_resamples=30, seed=4)))
    monkeypatch.setattr(_bootstrap, "_CHUNK_CELLS", 120)  # 2 resamples per chunk
    chunks = list(resample_counts(50, n_resamples=30, seed=4))
    assert len(chunks) == 15 and (np.concatenate(chunks) == whole).all()


def _naive(t, p, clusters, *, threshold, n_resamples, seed):
    """One resample at a time: expand each case by its multiplicity and call numpy / sklearn."""
    units, codes = np.unique(np.asarray(clusters).astype(str), return_inverse=True)
    maes, rs, aucs = [], [], []
    for w in np.concatenate(list(resample_counts(units.size, n_resamples=n_resamples, seed=seed))):
        rep = w[codes].astype(int)
        tt, pp = np.repeat(t, rep), np.repeat(p, rep)
        maes.append(np.abs(pp - tt).mean() if tt.size else np.nan)
        rs.append(np.corrcoef(tt, pp)[0, 1] if tt.size >= 3 and np.ptp(tt) and np.ptp(pp) else np.nan)
        y = tt >= threshold
        aucs.append(roc_auc_score(y, pp) if 0 < y.sum() < y.size else np.nan)
    return {k: percentile_ci(np.array(v)) for k, v in (("mae", maes), ("pearson_r", rs), ("auc", aucs))}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 27), st.integers(0, 27)), min_size=3, max_size=40),
       st.integers(0, 2**16))
def test_matches_a_plain_loop(rows, seed):
    clusters = np.array([f"c{c}" for c, _, _ in rows])
    t = np.array([a for _, a, _ in rows], dtype=float)
    p = np.array([b for _, _, b in rows], dtype=float)
    fast = bootstrap_score_ci(t, p, clusters, threshold=10, n_resamples=40, seed=seed)
    slow = _naive(t, p, clusters, threshold=10, n_resamples=40, seed=seed)
    if np.unique(clusters).size < 2:
        assert fast == {"mae": None, "pearson_r": None, "auc": None}
        return
    for key in ("mae", "pearson_r", "auc"):
        if slow[key] is None:
            assert fast[key] is None
        else:
            assert fast[key] == pytest.approx(slow[key], abs=1e-9)


def test_ci_covers_the_point_and_shrinks_with_more_cases():
    rng = np.random.default_rng(0)

    def width(n_cases):
        t = rng.integers(0, 28, n_cases).astype(float)
        p = np.clip(t + rng.normal(0, 3, n_cases).round(), 0, 27)
        ci = bootstrap_score_ci(t, p, np.arange(n_cases), threshold=10, n_resamples=400, seed=0)
        lo, hi = ci["mae"]
        assert lo <= np.abs(p - t).mean() <= hi
        return hi - lo

    assert width(2000) < width(50)


def test_resampling_cases_not_rows():
    # 10 cases, each judged 20 times with the same error: the rows are not independent.
    # Resampling rows would give a CI ~4.5x too narrow (sqrt(20)); resampling cases does not.
    errors = np.arange(10, dtype=float)
    t = np.zeros(200)
    p = np.repeat(errors, 20)
    by_case = bootstrap_score_ci(t, p, np.repeat(np.arange(10), 20), threshold=10, n_resamples=500, seed=0)["mae"]
    by_row = bootstrap_score_ci(t, p, np.arange(200), threshold=10, n_resamples=500, seed=0)["mae"]
    assert (by_case[1] - by_case[0]) > 3 * (by_row[1] - by_row[0])


def test_percentile_ci_needs_most_resamples_defined():
    assert percentile_ci(np.array([1.0, 2.0, np.nan, np.nan, np.nan])) is None
    assert percentile_ci(np.array([1.0, 2.0, 3.0, np.nan])) is not None
    assert percentile_ci(np.array([])) is None


def test_run_metrics_ci95_is_seeded_and_configurable():
    rng = np.random.default_rng(2)
    recs = [{"task": "t", "sample_id": f"p{i}-en", "pair_id": f"p{i}", "language": "en", "arm": None, "model": "m",
             "repeat": 0, "status": "ok", "pred_total": int(min(27, t + rng.integers(0, 4))), "true_total": int(t)}
            for i, t in enumerate(rng.integers(0, 28, 40))]
    a = run_metrics(recs, scale=PHQ9, n_resamples=200, seed=5).to_json()
    b = run_metrics(recs, scale=PHQ9, n_resamples=200, seed=5).to_json()
    c = run_metrics(recs, scale=PHQ9, n_resamples=200, seed=6).to_json()
    ci = a["models"]["m"]["overall"]["ci95"]
    assert set(ci) == {"mae", "pearson_r", "auc_10"} and ci == b["models"]["m"]["overall"]["ci95"]
    assert ci != c["models"]["m"]["overall"]["ci95"]
    assert a["bootstrap"] == {"n_resamples": 200, "seed": 5, "level": 0.95, "unit": "pair_id"}
    none = run_metrics(recs, scale=PHQ9, n_resamples=0).to_json()["models"]["m"]["overall"]
    assert none["ci95"]["mae"] is None and none["undefined"]["ci95.mae"] == "no bootstrap resamples (n_resamples=0)"
    with pytest.raises(ValueError, match="n_resamples"):
        run_metrics(recs, scale=PHQ9, n_resamples=-1)
