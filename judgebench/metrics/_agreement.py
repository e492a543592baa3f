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
    """Mean absolute error, mean(|pred - true|)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(p - t))) if t.size else None


def rmse(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Root mean squared error, sqrt(mean((pred - true)^2))."""
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((p - t) ** 2))) if t.size else None


def pearson_r(y_true: ArrayLike, y_pred: ArrayLike, /) -> float | None:
    """Pearson correlation; None with fewer than 3 pairs or a constant series."""
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

    kappa = 1 - sum(w * O) / sum(w * E), w_ij = (i - j)^2 / (k - 1)^2, E from the marginals.
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
