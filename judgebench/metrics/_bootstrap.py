"""Percentile bootstrap over cases (``pair_id``s), vectorised.

Judgments of one case are not independent (the same persona in five languages, three repeats
each), so the unit resampled is the case, never the row. Each resample is a row of a count
matrix W (how often each case was drawn); any statistic built from per-case sums is then one
matrix product ``W @ sums`` for all resamples at once.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

_CHUNK_CELLS = 4_000_000
"""Resamples are drawn in chunks of at most this many cells (memory stays ~32 MB per matrix)."""

MIN_DEFINED = 0.5
"""A CI needs the statistic defined in at least this share of resamples (e.g. AUC needs both
classes): a CI from the few resamples that happen to be defined would look precise but is not."""


def resample_counts(n_units: int, /, *, n_resamples: int, seed: int = 0) -> Iterator[np.ndarray]:
    """Yield chunks of the ``(n_resamples, n_units)`` matrix of draw counts, in order.

    Row b counts how many times each unit is drawn in resample b (n_units draws with
    replacement), so each row sums to ``n_units``. Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK_CELLS // max(n_units, 1))
    done = 0
    while done < n_resamples:
        b = min(per_chunk, n_resamples - done)
        idx = rng.integers(0, n_units, size=(b, n_units))
        flat = (idx + (np.arange(b) * n_units)[:, None]).ravel()
        yield np.bincount(flat, minlength=b * n_units).reshape(b, n_units).astype(float)
        done += b


def percentile_ci(stats: np.ndarray, /, *, level: float = 0.95) -> list[float] | None:
    """``[lo, hi]`` percentiles of the resampled statistic (NaN marks an undefined resample).

    None when fewer than ``MIN_DEFINED`` of the resamples are defined.
    """
    s = np.asarray(stats, dtype=float)
    ok = s[np.isfinite(s)]
    if s.size == 0 or ok.size < MIN_DEFINED * s.size:
        return None
    alpha = (1 - level) / 2
    lo, hi = np.quantile(ok, [alpha, 1 - alpha])
    return [float(lo), float(hi)]


def bootstrap_mean_ci(
    values: np.ndarray, /, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> list[float] | None:
    """Percentile bootstrap CI of the mean, resampling the given units (here: pairs).

    None with fewer than 2 values or no resamples (Efron & Tibshirani 1993, An Introduction to
    the Bootstrap, ch. 13).
    """
    v = np.asarray(values, dtype=float)
    if v.size < 2 or n_resamples < 1:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.size, size=(n_resamples, v.size))
    means = v[idx].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return [float(lo), float(hi)]


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def score_histograms(pred: np.ndarray, positive: np.ndarray, codes: np.ndarray, n_units: int, /
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, how many positives / negatives were predicted each distinct value: two
    ``(n_units, n_values)`` arrays, values ascending (what ``resampled_auc`` needs)."""
    _, level_of = np.unique(pred, return_inverse=True)
    k = int(level_of.max()) + 1 if level_of.size else 0
    hist_pos = np.bincount(codes[positive] * k + level_of[positive], minlength=n_units * k)
    hist_neg = np.bincount(codes[~positive] * k + level_of[~positive], minlength=n_units * k)
    return hist_pos.reshape(n_units, k).astype(float), hist_neg.reshape(n_units, k).astype(float)


def resampled_auc(w: np.ndarray, hist_pos: np.ndarray, hist_neg: np.ndarray, /) -> np.ndarray:
    """AUC of every resample (rows of the count matrix ``w``), NaN where a class is absent.

    Weighted Mann-Whitney: sum_v P_v (N_<v + N_v / 2) / (P N), with P_v, N_v the weighted counts
    of positives / negatives predicted v."""
    pos_w, neg_w = w @ hist_pos, w @ hist_neg
    below = np.cumsum(neg_w, axis=1) - neg_w
    wins = (pos_w * (below + neg_w / 2)).sum(axis=1)
    return _divide(wins, pos_w.sum(axis=1) * neg_w.sum(axis=1))


def bootstrap_score_ci(
    y_true: Any,
    y_pred: Any,
    clusters: Any,
    /,
    *,
    threshold: int,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, list[float] | None]:
    """Cluster-bootstrap CIs of MAE, Pearson r and AUC at ``threshold``.

    Resamples whole clusters (cases) with replacement; every row of a drawn case enters with the
    case's multiplicity w. Per resample, with weighted sums S (n = sum w, etc.)::

        MAE = S|p - t| / n
        r   = (n Stp - St Sp) / sqrt((n Stt - St^2)(n Spp - Sp^2))
        AUC = sum_v P_v (N_<v + N_v / 2) / (P N)   (weighted Mann-Whitney; P_v, N_v the
              weighted counts of positives / negatives predicted v)

    CI = percentiles of the defined resamples (``percentile_ci``). Clusters are ordered by value,
    so the result does not depend on the order of the rows.

    Parameters
    ----------
    y_true, y_pred
        Scored judgments (no NaN).
    clusters
        The case of each judgment (e.g. ``pair_id``), any hashable values.

    Returns
    -------
    dict
        ``{"mae": [lo, hi] | None, "pearson_r": ..., "auc": ...}``; all None with fewer than 2
        clusters or no resamples.
    """
    t = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    units, codes = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    c = units.size
    if c < 2 or n_resamples < 1 or t.size == 0:
        return {"mae": None, "pearson_r": None, "auc": None}
    sums = np.stack([
        np.bincount(codes, weights=w, minlength=c)
        for w in (np.ones_like(t), np.abs(p - t), t, p, t * t, p * p, t * p)
    ], axis=1)
    hist_pos, hist_neg = score_histograms(p, t >= threshold, codes, c)
    maes, rs, aucs = [], [], []
    for w in resample_counts(c, n_resamples=n_resamples, seed=seed):
        n, s_abs, st, sp, stt, spp, stp = (w @ sums).T
        maes.append(_divide(s_abs, n))
        var_t, var_p = n * stt - st**2, n * spp - sp**2
        # integer scores make these sums exact; the tolerance only guards fractional inputs
        flat = (var_t <= 1e-12 * n * stt) | (var_p <= 1e-12 * n * spp) | (n < 3)
        rs.append(np.where(flat, np.nan, (n * stp - st * sp) / np.sqrt(np.where(flat, 1, var_t * var_p))))
        aucs.append(resampled_auc(w, hist_pos, hist_neg))
    return {
        "mae": percentile_ci(np.concatenate(maes), level=level),
        "pearson_r": percentile_ci(np.concatenate(rs), level=level),
        "auc": percentile_ci(np.concatenate(aucs), level=level),
    }
