"""Run-to-run reliability: does the judge give the same sample the same score on every repeat?

All functions take a ratings matrix: one row per sample, one column per repeat, NaN where that
repeat was not scored (failure). Temperature-0 judges still drift, so this is worth measuring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._agreement import _finite


def _matrix(ratings: Any) -> np.ndarray:
    y = np.asarray(ratings, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"ratings must be 2-D (samples x repeats), got shape {y.shape}")
    return y


def icc_2_1(ratings: Any, /) -> float | None:
    """ICC(2,1): two-way random effects, absolute agreement, single rater.

    On the n x k matrix of samples with a score in every repeat (rows with NaN are dropped),
    with row (sample) means, column (repeat) means and grand mean m::

        MSR = k sum_i (row_i - m)^2 / (n - 1)
        MSC = n sum_j (col_j - m)^2 / (k - 1)
        MSE = (SST - SSR - SSC) / ((n - 1)(k - 1))
        ICC = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)

    1 when every repeat gives every sample the same score (and samples differ).

    References
    ----------
    Shrout PE, Fleiss JL (1979). Intraclass correlations: uses in assessing rater reliability.
    Psychological Bulletin 86(2):420-428 (ICC(2,1)). McGraw KO, Wong SP (1996), Psychological
    Methods 1(1):30-46 (ICC(A,1)).

    Returns
    -------
    float or None
        None with fewer than 2 complete samples or 2 repeats, or a zero denominator (no variance).
    """
    y = _matrix(ratings)
    y = y[~np.isnan(y).any(axis=1)]
    n, k = y.shape
    if n < 2 or k < 2:
        return None
    m = y.mean()
    ssr = k * ((y.mean(axis=1) - m) ** 2).sum()
    ssc = n * ((y.mean(axis=0) - m) ** 2).sum()
    sse = ((y - m) ** 2).sum() - ssr - ssc
    msr, msc, mse = ssr / (n - 1), ssc / (k - 1), sse / ((n - 1) * (k - 1))
    denom = msr + (k - 1) * mse + k * (msc - mse) / n
    if denom <= 1e-12 * max(1.0, msr + msc + abs(mse)):
        return None
    return _finite((msr - mse) / denom)


def krippendorff_alpha_interval(ratings: Any, /) -> float | None:
    """Krippendorff's alpha with the interval metric; missing repeats allowed.

    Only samples ("units") with at least 2 scores are pairable. With N pairable values, unit u
    having m_u values and sum of squares SS_u about its mean, and SS the sum of squares of all N
    pairable values about their mean (the closed form of the coincidence-matrix definition for
    the squared-difference metric)::

        D_o = (1/N) sum_u 2 m_u SS_u / (m_u - 1)        D_e = 2 SS / (N - 1)
        alpha = 1 - D_o / D_e

    Reproduces the interval alpha 0.849 of Krippendorff's worked example (see the tests).

    References
    ----------
    Krippendorff K (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication, University of Pennsylvania. Hayes AF, Krippendorff K (2007), Communication
    Methods and Measures 1(1):77-89.

    Returns
    -------
    float or None
        None with fewer than 2 pairable samples, or when every pairable score is the same.
    """
    y = _matrix(ratings)
    counts = (~np.isnan(y)).sum(axis=1)
    y = y[counts >= 2]
    m_u = counts[counts >= 2].astype(float)
    if y.shape[0] < 2:
        return None
    unit_mean = np.nanmean(y, axis=1)
    ss_u = np.nansum((y - unit_mean[:, None]) ** 2, axis=1)
    values = y[~np.isnan(y)]
    big_n = values.size
    ss_all = ((values - values.mean()) ** 2).sum()
    if ss_all <= 0:
        return None
    d_o = (2 * m_u * ss_u / (m_u - 1)).sum() / big_n
    d_e = 2 * ss_all / (big_n - 1)
    return _finite(1 - d_o / d_e)


def mean_within_sample_sd(ratings: Any, /) -> float | None:
    """Mean over samples of the SD (``ddof=1``) of their repeated scores.

    In score points, so easier to read than a coefficient: 0 when every repeat agrees. Samples
    with fewer than 2 scores are skipped; None when no sample has 2.
    """
    y = _matrix(ratings)
    y = y[(~np.isnan(y)).sum(axis=1) >= 2]
    if y.shape[0] == 0:
        return None
    return float(np.nanstd(y, axis=1, ddof=1).mean())


def reliability_block(ratings: Any, /) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``reliability`` block of METRICS and the reasons for its None values."""
    y = _matrix(ratings)
    scored = (~np.isnan(y)).sum(axis=1)
    n_complete = int((scored == y.shape[1]).sum()) if y.shape[1] else 0
    n_repeated = int((scored >= 2).sum())
    block = {
        "n_repeats": int(y.shape[1]),
        "n_samples_complete": n_complete,
        "n_samples_repeated": n_repeated,
        "icc_2_1": icc_2_1(y),
        "krippendorff_alpha_interval": krippendorff_alpha_interval(y),
        "mean_within_sample_sd": mean_within_sample_sd(y),
    }
    why: dict[str, str] = {}
    no_repeats = "one judgment per sample (no repeats)"
    if block["icc_2_1"] is None:
        why["icc_2_1"] = (
            no_repeats if y.shape[1] < 2
            else "fewer than 2 samples scored ok in every repeat" if n_complete < 2
            else "no variance between samples or repeats (zero denominator)"
        )
    if block["krippendorff_alpha_interval"] is None:
        why["krippendorff_alpha_interval"] = (
            no_repeats if y.shape[1] < 2
            else "fewer than 2 samples scored ok in 2 or more repeats" if n_repeated < 2
            else "every repeated score is the same (no variance)"
        )
    if block["mean_within_sample_sd"] is None:
        why["mean_within_sample_sd"] = (
            no_repeats if y.shape[1] < 2 else "no sample scored ok in 2 or more repeats"
        )
    return block, why
