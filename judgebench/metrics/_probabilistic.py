"""Metrics of probability-weighted scores (``--scoring logprob`` or ``sample``): point metrics on
the expected totals, AUCs of P(total >= t), and calibration at the cut-off (docs/metrics.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scales import Scale
from ..scoring import empirical_item_dists, expected_total, prob_at_least, total_distribution
from ._agreement import ArrayLike, ccc, mae, pearson_r, rmse, spearman_rho, why_no_ccc, why_no_correlation
from ._discrimination import auc_at, why_no_auc

N_BINS = 10


def brier_score(y_true: ArrayLike, p: ArrayLike, /) -> float | None:
    """Brier score of probabilities ``p`` for binary outcomes ``y_true``.

    BS = (1/n) sum_i (p_i - y_i)^2 (Brier 1950, Monthly Weather Review 78:1); 0 is perfect, 0.25
    what a constant 0.5 scores. Equals sklearn's ``brier_score_loss``. None without data.

    >>> round(brier_score([1, 0, 1], [0.9, 0.2, 0.6]), 6)   # (0.01 + 0.04 + 0.16) / 3
    0.07
    """
    y, q = np.asarray(y_true, dtype=float), np.asarray(p, dtype=float)
    return float(((q - y) ** 2).mean()) if y.size else None


def calibration_bins(y_true: ArrayLike, p: ArrayLike, /, *, n_bins: int = N_BINS) -> list[dict[str, Any]]:
    """The non-empty bins of a reliability diagram: ``n_bins`` equal-width bins of [0, 1]
    (bin b holds b/n_bins <= p < (b+1)/n_bins, the last bin also p = 1), each with its ``n``,
    mean predicted probability ``mean_p`` and observed share of positives ``frac_pos``."""
    y, q = np.asarray(y_true, dtype=float), np.asarray(p, dtype=float)
    which = np.minimum((q * n_bins).astype(int), n_bins - 1)
    out = []
    for b in range(n_bins):
        inside = which == b
        if inside.any():
            out.append({"lo": b / n_bins, "hi": (b + 1) / n_bins, "n": int(inside.sum()),
                        "mean_p": float(q[inside].mean()), "frac_pos": float(y[inside].mean())})
    return out


def expected_calibration_error(y_true: ArrayLike, p: ArrayLike, /, *, n_bins: int = N_BINS) -> float | None:
    """ECE = sum_b (n_b / n) |frac_pos_b - mean_p_b| over the bins of ``calibration_bins``
    (Guo et al. 2017, "On Calibration of Modern Neural Networks", ICML; Naeini et al. 2015).
    None without data.

    >>> round(expected_calibration_error([1, 0, 1, 1], [0.95, 0.95, 0.15, 0.15]), 6)  # .5*.45 + .5*.85
    0.65
    """
    n = np.asarray(y_true).size
    if not n:
        return None
    return float(sum(b["n"] / n * abs(b["frac_pos"] - b["mean_p"]) for b in calibration_bins(y_true, p, n_bins=n_bins)))


def probabilistic_units(df, /, *, scale: Scale) -> tuple[np.ndarray, list[list[list[float]]]]:
    """Truths and item distributions of the units of probabilistic scoring in ``df``.

    ``logprob``: every ok judgment with ``pred_items_dist`` (repeats are separate units, as in
    the point metrics). ``sample``: every sample with ok repeats that gave items, its item
    distributions being the empirical ones over those repeats (``empirical_item_dists``).
    """
    truths: list[float] = []
    dists: list[list[list[float]]] = []
    ok = df[df["status"] == "ok"]
    if "scoring" not in ok.columns:
        return np.empty(0), []
    logprob = ok[(ok["scoring"] == "logprob") & ok["pred_items_dist"].notna()]
    for t, d in zip(logprob["true_total"], logprob["pred_items_dist"]):
        truths.append(float(t))
        dists.append(d)
    sampled = ok[(ok["scoring"] == "sample") & ok["pred_items"].notna()]
    for _, g in sampled.groupby("sample_key", sort=True):
        truths.append(float(g["true_total"].iloc[0]))
        dists.append(empirical_item_dists(list(g["pred_items"]), item_max=scale.item_max))
    return np.asarray(truths, dtype=float), dists


def has_probabilistic(df, /) -> bool:
    """Whether any judgment of ``df`` was made with a probabilistic scoring mode."""
    return "scoring" in df.columns and bool(df["scoring"].isin(["logprob", "sample"]).any())


def probabilistic_blocks(df, /, *, scale: Scale, why: dict[str, str]) -> dict[str, Any]:
    """``expected`` and ``calibration`` of one METRICS block; reasons for None values go to
    ``why`` under their dotted paths."""
    t, dists = probabilistic_units(df, scale=scale)
    e = np.asarray([expected_total(d) for d in dists], dtype=float)
    totals = [total_distribution(d) for d in dists]
    n = int(t.size)
    none = ("no scored judgment with item probabilities (logprobs unavailable, see the "
            "logprob_unavailable flags, or no sampled item answers)")
    expected: dict[str, Any] = {
        "n": n, "mae": mae(t, e), "rmse": rmse(t, e), "pearson_r": pearson_r(t, e),
        "spearman_rho": spearman_rho(t, e), "ccc": ccc(t, e),
        "mean_signed_error": float((e - t).mean()) if n else None,
        "auc": {},
    }
    for key, reason in (("mae", none), ("rmse", none), ("mean_signed_error", none),
                        ("pearson_r", lambda: why_no_correlation(t, e)),
                        ("spearman_rho", lambda: why_no_correlation(t, e)), ("ccc", lambda: why_no_ccc(t, e))):
        if expected[key] is None:
            why[f"expected.{key}"] = none if not n else (reason() if callable(reason) else reason)
    for k in scale.auc_thresholds:
        p_k = np.asarray([prob_at_least(d, k) for d in totals], dtype=float)
        value = auc_at(t, p_k, threshold=k) if n else None
        expected["auc"][str(k)] = value
        if value is None:
            why[f"expected.auc.{k}"] = none if not n else why_no_auc(t, threshold=k)
    cut = scale.cutoff
    y = (t >= cut).astype(float)
    p = np.asarray([prob_at_least(d, cut) for d in totals], dtype=float)
    calibration = {
        "cutoff": cut, "n": n, "n_positive": int(y.sum()),
        "brier": brier_score(y, p), "ece": expected_calibration_error(y, p),
        "n_bins": N_BINS, "bins": calibration_bins(y, p),
    }
    for key in ("brier", "ece"):
        if calibration[key] is None:
            why[f"calibration.{key}"] = none
    return {"expected": expected, "calibration": calibration}
