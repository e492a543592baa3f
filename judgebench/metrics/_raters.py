"""Reference raters (``truth.ratings``): is a judge inside the range of how humans agree?

A judge's agreement with the raters' mean means little alone; beside it stands each rater's
agreement with the mean of the *other* raters (leave one rater out), the human range.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._agreement import mae, pearson_r


def _ratings_table(df) -> tuple[list[str], Any, np.ndarray]:
    """Samples with ratings: their keys, and a samples x raters matrix of rater totals (NaN
    where a rater did not rate that sample)."""
    first = df.drop_duplicates("sample_key").set_index("sample_key")["true_ratings"]
    first = first[first.map(lambda v: isinstance(v, (list, tuple)) and len(v) > 0)]
    raters = sorted({str(r["rater"]) for v in first for r in v})
    matrix = np.full((len(first), len(raters)), np.nan)
    col = {r: j for j, r in enumerate(raters)}
    for i, v in enumerate(first):
        for r in v:
            matrix[i, col[str(r["rater"])]] = float(sum(r["items"]))
    return raters, first.index, matrix


def _agreement(target: np.ndarray, values: np.ndarray) -> dict[str, Any]:
    return {"n": int(target.size), "mae": mae(target, values), "pearson_r": pearson_r(target, values)}


def raters_block(df, /) -> dict[str, Any] | None:
    """The ``raters`` block of metrics.json, or None when no sample carries ``truth.ratings``.

    A rater's total is the sum of their items; R_i is the mean total of the raters of sample i.

    - ``raters[r]``: leave-one-rater-out, rater r's totals against the mean of the other raters
      of the same samples (samples with r and at least one other rater): ``n``, ``mae``,
      ``pearson_r``;
    - ``human_range``: the smallest and largest of those MAEs (and r) across raters;
    - ``judges[m]``: judge m's total per sample (ok judgments, repeats averaged) against R_i:
      ``n``, ``mae``, ``pearson_r``, and ``inside_human_range``: its MAE is no worse than the
      worst rater's leave-one-out MAE (null without 2 raters);
    - ``undefined``: the reason for every null.

    The judge is compared with the mean of all raters and a rater with the mean of the others,
    one rater fewer: with few raters the human range is slightly pessimistic (a mean of fewer
    raters is noisier).
    """
    raters, keys, matrix = _ratings_table(df)
    if not raters:
        return None
    out: dict[str, Any] = {"n_samples": int(len(keys)), "raters": {}, "human_range": None, "judges": {}}
    for j, r in enumerate(raters):
        others = np.delete(matrix, j, axis=1)
        has = ~np.isnan(matrix[:, j]) & (~np.isnan(others)).any(axis=1)
        rest = np.nanmean(others[has], axis=1) if has.any() else np.empty(0)
        out["raters"][r] = _agreement(rest, matrix[has, j])
    maes = [v["mae"] for v in out["raters"].values() if v["mae"] is not None]
    rs = [v["pearson_r"] for v in out["raters"].values() if v["pearson_r"] is not None]
    if maes:
        out["human_range"] = {"mae": [min(maes), max(maes)], "pearson_r": [min(rs), max(rs)] if rs else None}
    mean_rating = dict(zip(keys, np.nanmean(matrix, axis=1)))
    ok = df[(df["status"] == "ok") & df["sample_key"].isin(list(keys))]
    per_sample = ok.groupby(["model", "sample_key"])["pred_total"].mean()
    for model in sorted(str(m) for m in df["model"].unique()):
        pred = per_sample[model] if model in per_sample.index.get_level_values("model") else per_sample.iloc[0:0]
        target = np.array([mean_rating[k] for k in pred.index], dtype=float)
        block = _agreement(target, pred.to_numpy(dtype=float))
        worst = out["human_range"]["mae"][1] if out["human_range"] else None
        block["inside_human_range"] = (None if worst is None or block["mae"] is None
                                       else bool(block["mae"] <= worst))
        out["judges"][model] = block
    out["undefined"] = _reasons(out)
    return out


def _reasons(block: dict[str, Any]) -> dict[str, str]:
    """Why each null of the block is null (dotted paths, as in the other metrics blocks)."""
    why: dict[str, str] = {}
    if block["human_range"] is None:
        why["human_range"] = "no sample has 2 or more raters"
    for kind, what in (("raters", "rater with another rater on the same samples"), ("judges", "judgment of a rated sample")):
        for name, entry in block[kind].items():
            if entry["mae"] is None:
                why[f"{kind}.{name}.mae"] = f"no scored {what}" if kind == "judges" else f"no {what}"
            if entry["pearson_r"] is None:
                why[f"{kind}.{name}.pearson_r"] = ("fewer than 3 samples or no variance" if entry["n"]
                                                   else why.get(f"{kind}.{name}.mae", "no samples"))
            if entry.get("inside_human_range", False) is None:
                why[f"{kind}.{name}.inside_human_range"] = why.get("human_range") or why[f"{kind}.{name}.mae"]
    if block["human_range"] is not None and block["human_range"]["pearson_r"] is None:
        why["human_range.pearson_r"] = "no rater's correlation with the others is defined"
    return why
