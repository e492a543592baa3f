"""Per-item error, for judges that return the item vector and tasks that carry true items."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

SAFETY_ITEM = 9
"""1-based index of the self-harm item (PHQ-9 item 9; also BDI-II item 9, suicidal thoughts).
Its error is reported apart and kept out of the summary item MAE: it is a safety item, never a
risk score (docs/data.md)."""


def items_matrix(values: Iterable[Any], /, *, n_items: int) -> np.ndarray:
    """Lists of item scores as an ``(n, n_items)`` float array; NaN rows where a value is missing.

    A value counts only if it is a list, tuple or array of exactly ``n_items`` numbers (a judge
    that returned a partial vector is not scored per item).
    """
    vals = list(values)
    out = np.full((len(vals), n_items), np.nan)
    valid = np.fromiter(
        (isinstance(v, (list, tuple, np.ndarray)) and len(v) == n_items for v in vals), bool, len(vals)
    )
    if n_items and valid.any():
        out[valid] = np.asarray([vals[i] for i in np.flatnonzero(valid)], dtype=float)
    return out


def item_mae(true_items: np.ndarray, pred_items: np.ndarray, /) -> list[float] | None:
    """Mean absolute error of each item, over rows where both vectors are complete.

    ``item_mae[j] = mean_i |pred_ij - true_ij|`` for the rows i with no NaN in either matrix.

    Parameters
    ----------
    true_items, pred_items
        ``(n, k)`` arrays, NaN where a judgment or a sample has no item vector.

    Returns
    -------
    list of float or None
        k values, or None when no row has both vectors.
    """
    t = np.asarray(true_items, dtype=float)
    p = np.asarray(pred_items, dtype=float)
    if t.shape != p.shape or t.ndim != 2:
        raise ValueError(f"true_items and pred_items must be 2-D of one shape ({t.shape} vs {p.shape})")
    both = ~(np.isnan(t).any(axis=1) | np.isnan(p).any(axis=1))
    if t.shape[1] == 0 or not both.any():
        return None
    return [float(x) for x in np.abs(p[both] - t[both]).mean(axis=0)]


def item_summary(per_item: list[float] | None, /, *, n_items: int) -> dict[str, float | None]:
    """``item9_mae`` (the safety item alone) and ``item_mae_1_8`` (mean of every other item).

    For PHQ-9 and PHQ-8 the second is exactly the mean over items 1-8.
    """
    has_safety = n_items >= SAFETY_ITEM
    if per_item is None:
        return {"item9_mae": None, "item_mae_1_8": None}
    rest = [v for j, v in enumerate(per_item) if j != SAFETY_ITEM - 1]
    return {
        "item9_mae": per_item[SAFETY_ITEM - 1] if has_safety else None,
        "item_mae_1_8": float(np.mean(rest)) if rest else None,
    }
