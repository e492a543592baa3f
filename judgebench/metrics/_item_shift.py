"""Per-item cross-language shifts: which items does a judge read higher in one language?"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._bootstrap import bootstrap_mean_ci


def per_pair_items(df, /, *, n_items: int):
    """Mean predicted item vector per (case, language): repeats averaged per sample first, then
    the arms of a language, as ``per_pair`` does for totals. Only ok judgments with a complete
    item vector count; a DataFrame indexed by (pair_key, language), columns ``pred_item_1``..."""
    cols = [f"pred_item_{j}" for j in range(1, n_items + 1)]
    ok = df[(df["status"] == "ok")]
    ok = ok[ok[cols].notna().all(axis=1)] if n_items else ok.iloc[0:0]
    per_sample = ok.groupby(["pair_key", "language", "sample_key"])[cols].mean()
    return per_sample.groupby(["pair_key", "language"]).mean()


def item_shift(table, baseline: str, other: str, /, *, n_items: int, n_resamples: int = 1000,
               seed: int = 0) -> tuple[dict[str, Any] | None, str | None]:
    """Mean signed shift of each item, ``other - baseline``, over the cases whose item vectors
    both languages gave: shift_j = (1/m) sum_c (L_cj - B_cj), with a percentile bootstrap CI per
    item resampling the cases (``bootstrap_mean_ci``).

    Returns ``({"n", "mean": [k], "ci95": [[lo, hi] | None] * k}, None)`` or ``(None, reason)``.
    """
    if not n_items:
        return None, "the scale has no items"
    langs = set(table.index.get_level_values("language")) if len(table) else set()
    if not {baseline, other} <= langs:
        return None, "no judgment with a complete item vector in both languages"
    wide = table.unstack("language")
    cols = [f"pred_item_{j}" for j in range(1, n_items + 1)]
    b = wide.xs(baseline, axis=1, level="language")[cols].to_numpy(dtype=float)
    o = wide.xs(other, axis=1, level="language")[cols].to_numpy(dtype=float)
    both = ~(np.isnan(b).any(axis=1) | np.isnan(o).any(axis=1))
    d = o[both] - b[both]
    if d.shape[0] == 0:
        return None, "no case with a complete item vector in both languages"
    return {
        "n": int(d.shape[0]),
        "mean": [float(x) for x in d.mean(axis=0)],
        "ci95": [bootstrap_mean_ci(d[:, j], n_resamples=n_resamples, seed=seed) for j in range(n_items)],
    }, None
