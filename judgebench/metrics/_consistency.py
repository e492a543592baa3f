"""Does a judge rate the same case the same way in every language? (per ``pair_id``)"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scales import Scale


def bootstrap_mean_ci(
    values: np.ndarray, /, *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> list[float] | None:
    """Percentile bootstrap CI of the mean, resampling the given units (here: pairs)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.size, size=(n_resamples, v.size))
    means = v[idx].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return [float(lo), float(hi)]


def wilcoxon_p(diffs: np.ndarray, /) -> float | None:
    """Two-sided Wilcoxon signed-rank p for "the median gap is 0"; None if all gaps are 0."""
    from scipy.stats import wilcoxon

    d = np.asarray(diffs, dtype=float)
    if d.size < 2 or np.all(d == 0):
        return None
    try:
        return float(wilcoxon(d, zero_method="wilcox").pvalue)
    except ValueError:
        return None


def consistency_gaps(
    baseline: np.ndarray,
    other: np.ndarray,
    /,
    *,
    scale: Scale,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Gaps ``other - baseline`` over pairs judged in both (arrays aligned by pair).

    Keys (CONTRACT §4 CONSISTENCY): n_pairs, mean_signed_gap, mean_abs_gap, signed_gap_ci95,
    wilcoxon_p, band_flip_rate, cutoff_flip_rate.
    """
    b = np.asarray(baseline, dtype=float)
    o = np.asarray(other, dtype=float)
    d = o - b
    n = int(d.size)
    if n == 0:
        return {
            "n_pairs": 0, "mean_signed_gap": None, "mean_abs_gap": None, "signed_gap_ci95": None,
            "wilcoxon_p": None, "band_flip_rate": None, "cutoff_flip_rate": None,
        }
    bands_b = np.array([scale.band(x) for x in b])
    bands_o = np.array([scale.band(x) for x in o])
    return {
        "n_pairs": n,
        "mean_signed_gap": float(d.mean()),
        "mean_abs_gap": float(np.abs(d).mean()),
        "signed_gap_ci95": bootstrap_mean_ci(d, n_resamples=n_resamples, seed=seed),
        "wilcoxon_p": wilcoxon_p(d),
        "band_flip_rate": float((bands_b != bands_o).mean()),
        "cutoff_flip_rate": float(((b >= scale.cutoff) != (o >= scale.cutoff)).mean()),
    }
