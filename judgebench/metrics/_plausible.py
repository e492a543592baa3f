"""Metrics for tasks whose truth says how uncertain it is (``truth.items_range``, ``hidden_items``).

A passive-tier dialogue may leave an item only inferable or never mention it; the task records
per item the plausible range ``[lo, hi]`` a careful reader could defend from the text, and the
items the text never evidences (docs/data.md). These metrics ask how often a judge lands inside
what the text supports, and how well it reads the items that do surface.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def in_range_rate(pred_total, lo_total, hi_total, /) -> float | None:
    """Share of judgments whose total lies in the plausible total range.

    ``rate = (1/n) * sum_i [lo_i <= pred_i <= hi_i]`` with ``lo_i = sum_j lo_ij`` and
    ``hi_i = sum_j hi_ij`` over the items j of sample i. None when n = 0.

    >>> in_range_rate([3, 7, 12], [2, 8, 10], [4, 9, 12])
    0.6666666666666666
    """
    p = np.asarray(pred_total, dtype=float)
    lo, hi = np.asarray(lo_total, dtype=float), np.asarray(hi_total, dtype=float)
    if p.size == 0:
        return None
    return float(((p >= lo) & (p <= hi)).mean())


def visible_total_mae(true_items, pred_items, visible, /) -> float | None:
    """MAE of the total restricted to the items the text evidences.

    ``mae = (1/n) * sum_i |sum_j v_ij (pred_ij - true_ij)|`` where ``v_ij`` is 1 unless item j
    of sample i is hidden. Rows with a missing item vector (NaN) are left out; None when none is
    left.

    >>> visible_total_mae([[1, 2], [0, 3]], [[1, 0], [1, 3]], [[1, 0], [1, 1]])
    0.5
    """
    t, p = np.asarray(true_items, dtype=float), np.asarray(pred_items, dtype=float)
    v = np.asarray(visible, dtype=float)
    if t.ndim != 2 or t.shape != p.shape or t.shape != v.shape:
        raise ValueError(f"true_items, pred_items and visible must be 2-D of one shape ({t.shape}, {p.shape}, {v.shape})")
    both = ~(np.isnan(t).any(axis=1) | np.isnan(p).any(axis=1))
    if not both.any():
        return None
    return float(np.abs(((p[both] - t[both]) * v[both]).sum(axis=1)).mean())


def plausible_block(ok, /, *, n_items: int, pred_matrix: np.ndarray, true_matrix: np.ndarray,
                    why: dict[str, str]) -> dict[str, Any] | None:
    """``plausible`` block of METRICS over the scored rows ``ok`` that carry ``true_items_range``;
    None when no row of the group has one (tasks without ranges are unaffected)."""
    ranges = ok["true_items_range"].to_numpy(dtype=object) if "true_items_range" in ok.columns else np.empty(0, object)
    has = np.fromiter((isinstance(r, (list, tuple)) and len(r) == n_items for r in ranges), bool, len(ranges))
    if not n_items or not has.any():
        return None
    rows = np.flatnonzero(has)
    bounds = np.asarray([ranges[i] for i in rows], dtype=float)  # (n, k, 2)
    hidden = ok["hidden_items"].to_numpy(dtype=object)[rows]
    visible = np.ones((len(rows), n_items))
    for r, h in enumerate(hidden):
        for item in h if isinstance(h, (list, tuple)) else ():
            visible[r, int(item) - 1] = 0.0
    pred_total = ok["pred_total"].to_numpy(dtype=float)[rows]
    block = {
        "n": int(len(rows)),
        "in_range_rate": in_range_rate(pred_total, bounds[:, :, 0].sum(axis=1), bounds[:, :, 1].sum(axis=1)),
        "mae_visible": visible_total_mae(true_matrix[rows], pred_matrix[rows], visible),
    }
    if block["mae_visible"] is None:
        why["plausible.mae_visible"] = "no scored judgment with a predicted item vector"
    return block
