"""Screening performance of the predicted total at clinical thresholds."""

from __future__ import annotations

import numpy as np

from ._agreement import ArrayLike, _pair


def auc_at(y_true: ArrayLike, y_pred: ArrayLike, /, *, threshold: int) -> float | None:
    """ROC AUC of the predicted total for the label ``true >= threshold``.

    Computed as the Mann-Whitney probability P(score_pos > score_neg) + 0.5 P(tie), which equals
    sklearn's ``roc_auc_score``. None when only one class is present at this threshold.
    """
    from scipy.stats import rankdata

    t, p = _pair(y_true, y_pred)
    pos = t >= threshold
    n_pos = int(pos.sum())
    n_neg = t.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(p)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auc_by_threshold(
    y_true: ArrayLike, y_pred: ArrayLike, /, *, thresholds: range | list[int]
) -> dict[str, float | None]:
    """``{"3": auc, ..., "24": auc}``: AUC at every threshold (docs/contract.md §4 keys are strings).

    Same values as ``auc_at`` at each threshold; the predictions are ranked once for all.
    """
    from scipy.stats import rankdata

    t, p = _pair(y_true, y_pred)
    ranks = rankdata(p)
    out: dict[str, float | None] = {}
    for k in thresholds:
        pos = t >= k
        n_pos = int(pos.sum())
        n_neg = t.size - n_pos
        out[str(k)] = (
            float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)) if n_pos and n_neg else None
        )
    return out


def sensitivity_specificity(
    y_true: ArrayLike, y_pred: ArrayLike, /, *, threshold: int
) -> tuple[float | None, float | None]:
    """Sensitivity and specificity of ``pred >= threshold`` for ``true >= threshold``.

    sensitivity = TP / (TP + FN), specificity = TN / (TN + FP). Kroenke et al. (2001, J Gen
    Intern Med 16:606) report 0.88 / 0.88 for the PHQ-9 itself at >= 10. Sensitivity is None
    without true positives, specificity None without true negatives.
    """
    t, p = _pair(y_true, y_pred)
    pos, flagged = t >= threshold, p >= threshold
    sens = float((flagged & pos).sum() / pos.sum()) if pos.any() else None
    spec = float((~flagged & ~pos).sum() / (~pos).sum()) if (~pos).any() else None
    return sens, spec


def why_no_auc(y_true: ArrayLike, /, *, threshold: int) -> str:
    """Reason ``auc_at`` is None."""
    t = np.asarray(y_true, dtype=float)
    return "no scored judgments" if t.size == 0 else f"only one class at threshold {threshold}"


def why_no_sensitivity(y_true: ArrayLike, /, *, threshold: int) -> str:
    """Reason the sensitivity of ``sensitivity_specificity`` is None."""
    t = np.asarray(y_true, dtype=float)
    return "no scored judgments" if t.size == 0 else f"no scored judgment with true total >= {threshold}"


def why_no_specificity(y_true: ArrayLike, /, *, threshold: int) -> str:
    """Reason the specificity of ``sensitivity_specificity`` is None."""
    t = np.asarray(y_true, dtype=float)
    return "no scored judgments" if t.size == 0 else f"no scored judgment with true total < {threshold}"
