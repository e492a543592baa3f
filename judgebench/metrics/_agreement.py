"""Agreement between predicted and true totals. Pure functions: arrays in, a float or None out.

``None`` means undefined (too few samples, a constant series), never NaN.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length ({t.shape} vs {p.shape})")
    return t, p


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def mae(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Mean absolute error, ``mean(|pred - true|)``; None for empty input."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(p - t))) if t.size else None


def rmse(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Root mean squared error, ``sqrt(mean((pred - true)^2))``; None for empty input."""
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((p - t) ** 2))) if t.size else None


def pearson_r(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Pearson correlation, ``cov(t, p) / (SD(t) SD(p))``.

    None with fewer than 3 pairs or a constant series (the ratio is 0/0); blind to bias and to
    scale shifts, which ``ccc`` penalises.
    """
    t, p = _pair(y_true, y_pred)
    if t.size < 3 or np.ptp(t) == 0 or np.ptp(p) == 0:
        return None
    return _finite(np.corrcoef(t, p)[0, 1])


def spearman_rho(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Spearman rank correlation (Pearson r of average ranks); None as for ``pearson_r``."""
    from scipy.stats import rankdata

    t, p = _pair(y_true, y_pred)
    if t.size < 3 or np.ptp(t) == 0 or np.ptp(p) == 0:
        return None
    return pearson_r(rankdata(t), rankdata(p))


def ccc(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Lin's concordance correlation coefficient.

    ccc = 2 cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))^2), population moments.
    Unlike Pearson r it penalises bias and scale shifts (Lin 1989, Biometrics 45:255).
    None with fewer than 2 pairs or when both series are constant.
    """
    t, p = _pair(y_true, y_pred)
    if t.size < 2:
        return None
    vt, vp = t.var(), p.var()
    denom = vt + vp + (t.mean() - p.mean()) ** 2
    if denom == 0:
        return None
    cov = np.mean((t - t.mean()) * (p - p.mean()))
    return _finite(2 * cov / denom)


def quadratic_weighted_kappa(a: ArrayLike, b: ArrayLike, /, *, n_categories: int) -> float | None:
    """Cohen's kappa with quadratic weights over categories 0..n_categories-1.

    kappa = 1 - sum(w * O) / sum(w * E), w_ij = (i - j)^2 / (k - 1)^2, E from the marginals
    (Cohen 1968, Psychological Bulletin 70:213; equals sklearn's
    ``cohen_kappa_score(weights="quadratic")``).
    None when expected disagreement is 0 (both raters use a single, identical category).
    """
    x = np.asarray(a, dtype=int)
    y = np.asarray(b, dtype=int)
    if x.size == 0:
        return None
    k = n_categories
    observed = np.zeros((k, k))
    np.add.at(observed, (x, y), 1)
    expected = np.outer(observed.sum(1), observed.sum(0)) / x.size
    idx = np.arange(k)
    w = (idx[:, None] - idx[None, :]) ** 2 / (k - 1) ** 2
    denom = (w * expected).sum()
    if denom == 0:
        return None
    return _finite(1 - (w * observed).sum() / denom)


def sd_ratio(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Spread of the predictions relative to the truth, ``SD(pred) / SD(true)``.

    Below 1 the judge compresses the range (central tendency), above 1 it exaggerates it.
    Population SDs (the ratio is the same with ``ddof=1``). None with fewer than 2 pairs or
    constant true totals.
    """
    t, p = _pair(y_true, y_pred)
    if t.size < 2 or np.ptp(t) == 0:
        return None
    return _finite(p.std() / t.std())


def bland_altman(reference: ArrayLike, other: ArrayLike, /) -> dict[str, float | None]:
    """Bland-Altman agreement of ``other`` with ``reference`` (paired values).

    With differences ``d = other - reference``: ``bias = mean(d)``, ``sd = SD(d)`` (``ddof=1``),
    limits of agreement ``bias -/+ 1.96 sd``, the range holding about 95% of the differences.

    References
    ----------
    Bland JM, Altman DG (1986). Statistical methods for assessing agreement between two methods
    of clinical measurement. Lancet 1(8476):307-310.

    Returns
    -------
    dict
        ``{"bias", "sd", "loa_low", "loa_high"}``; bias None without pairs, the others None
        with fewer than 2 pairs.
    """
    r, o = _pair(reference, other)
    d = o - r
    if d.size == 0:
        return {"bias": None, "sd": None, "loa_low": None, "loa_high": None}
    bias = float(d.mean())
    if d.size < 2:
        return {"bias": bias, "sd": None, "loa_low": None, "loa_high": None}
    sd = float(d.std(ddof=1))
    return {"bias": bias, "sd": sd, "loa_low": bias - 1.96 * sd, "loa_high": bias + 1.96 * sd}


# Why a function above returned None. They mirror the guards above so that metrics.json can say
# which condition held; keep each next to the metric it explains.

def why_no_correlation(y_true: ArrayLike, y_pred: ArrayLike, /) -> str:
    """Reason ``pearson_r`` / ``spearman_rho`` is None."""
    t, p = _pair(y_true, y_pred)
    if t.size < 3:
        return "fewer than 3 scored judgments"
    if np.ptp(t) == 0:
        return "constant true totals"
    return "constant predictions"


def why_no_ccc(y_true: ArrayLike, y_pred: ArrayLike, /) -> str:
    """Reason ``ccc`` is None."""
    t, _ = _pair(y_true, y_pred)
    if t.size < 2:
        return "fewer than 2 scored judgments"
    return "predictions and true totals are one and the same constant"


def why_no_sd_ratio(y_true: ArrayLike, y_pred: ArrayLike, /) -> str:
    """Reason ``sd_ratio`` is None."""
    t, _ = _pair(y_true, y_pred)
    return "fewer than 2 scored judgments" if t.size < 2 else "constant true totals (SD(true) = 0)"


def why_no_qwk(n: int, /) -> str:
    """Reason ``quadratic_weighted_kappa`` is None for ``n`` rated items."""
    return "no scored judgments" if n == 0 else "truth and predictions all in one and the same band"
