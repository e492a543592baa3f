"""Judge panels: a virtual judge made of its members' judgments (no extra calls).

A panel is built at metrics time from the records, like any other view of them: its judgments
are rows of the frame with ``model`` = the panel's name, so it is scored, compared and reported
exactly like the judges it is made of.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

import numpy as np

from ._bootstrap import percentile_ci, resample_counts
from ._frame import STATUSES
from ._items import items_matrix
from ._reliability import krippendorff_alpha_interval

Aggregate = Literal["median", "mean"]


def check_panels(panels: Mapping[str, Sequence[str]], judges: Sequence[str], /) -> None:
    """Raise ``ValueError`` saying what to fix: a panel needs 2+ distinct judges of the run, and a
    name that is not already a judge's."""
    for name, members in panels.items():
        if name in judges:
            raise ValueError(f"panel {name!r}: the name is already a judge of this run; choose another")
        if len(set(members)) < 2:
            raise ValueError(f"panel {name!r}: needs at least 2 different judges, got {', '.join(members) or 'none'}")
        missing = [m for m in members if m not in judges]
        if missing:
            raise ValueError(f"panel {name!r}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                             f"not a judge of this run (judges: {', '.join(judges)})")


def _combine(values: np.ndarray, aggregate: Aggregate) -> np.ndarray:
    import warnings

    with warnings.catch_warnings():  # an all-NaN row is a sample no member scored: NaN is the answer
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=1) if aggregate == "median" else np.nanmean(values, axis=1)


def _member_means(df, members: Sequence[str], n_items: int):
    """Per sample, each member's mean ok total (samples x members) and mean ok item vector
    (samples x members x items), NaN where the member scored none of its repeats."""
    mine = df[df["model"].isin(list(members))]
    ok = mine[mine["status"] == "ok"]
    totals = ok.groupby(["sample_key", "model"])["pred_total"].mean().unstack("model")
    samples = mine.drop_duplicates("sample_key").set_index("sample_key")
    totals = totals.reindex(index=samples.index, columns=list(members))
    items = np.full((len(samples), len(members), n_items), np.nan)
    if n_items:
        ok = ok.assign(**{f"_i{j}": v for j, v in
                          enumerate(items_matrix(ok["pred_items"], n_items=n_items).T)})
        cols = [f"_i{j}" for j in range(n_items)]
        # a vector is averaged over repeats only where every repeat had one (NaN otherwise)
        by = ok.groupby(["sample_key", "model"])[cols].agg(lambda s: s.mean() if s.notna().all() else np.nan)
        for k, member in enumerate(members):
            if member in by.index.get_level_values("model"):
                part = by.xs(member, level="model").reindex(samples.index)
                items[:, k, :] = part.to_numpy(dtype=float)
    return samples, totals.to_numpy(dtype=float), items


def panel_frame(df, /, *, name: str, members: Sequence[str], aggregate: Aggregate = "median", n_items: int = 0):
    """The panel's judgments: one row per sample the members were asked about, ``model`` = ``name``.

    ``pred_total`` is the median (or mean) of the members' totals for that sample, each member's
    repeats averaged first, over the members that scored it; ``pred_items`` the same per item
    over members with a complete item vector (so the items need not sum to the total). A sample
    no member scored gets the members' most common failure status.
    """
    samples, totals, items = _member_means(df, members, n_items)
    pred = _combine(totals, aggregate)
    scored = ~np.isnan(pred)
    mine = df[df["model"].isin(list(members))]
    failures = mine[mine["status"] != "ok"].groupby("sample_key")["status"].agg(
        lambda s: min(s.mode(), key=STATUSES.index))
    status = np.where(scored, "ok", failures.reindex(samples.index).fillna("error").to_numpy(dtype=object))
    item_lists: list[Any] = [None] * len(samples)
    if n_items:
        have = ~np.isnan(items).any(axis=2)
        for i in np.flatnonzero(scored & have.any(axis=1)):
            vec = items[i][have[i]]
            item_lists[i] = [float(v) for v in (np.median(vec, axis=0) if aggregate == "median" else vec.mean(axis=0))]
    out = samples.reset_index()
    out = out.assign(model=name, repeat=0, status=status, pred_total=np.where(scored, pred, np.nan),
                     pred_items=item_lists, flags=None)
    if "error" in out.columns:
        out["error"] = None
    return out[list(df.columns)]


def panel_agreement(df, /, *, members: Sequence[str], n_resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """How well the members agree with each other: Krippendorff's alpha (interval) over the
    samples x members matrix of per-sample mean totals (``krippendorff_alpha_interval``), with a
    percentile bootstrap CI resampling cases (``pair_id``) with all their samples.

    Returns ``{"krippendorff_alpha_interval", "ci95", "n_samples", "undefined"}``.
    """
    samples, totals, _ = _member_means(df, members, 0)
    pairable = (~np.isnan(totals)).sum(axis=1) >= 2
    y = totals[pairable]
    cases = samples["pair_key"].to_numpy(dtype=object)[pairable]
    alpha = krippendorff_alpha_interval(y) if len(y) else None
    why: dict[str, str] = {}
    ci = None
    _, codes = np.unique(cases.astype(str), return_inverse=True) if len(y) else (None, np.empty(0, int))
    m = int(codes.max()) + 1 if codes.size else 0
    if alpha is None:
        why["krippendorff_alpha_interval"] = why["ci95"] = (
            "fewer than 2 samples scored by 2 or more members" if len(y) < 2 else "every member gave every sample the same total")
    elif m < 2 or n_resamples < 1:
        why["ci95"] = "fewer than 2 cases to resample" if m < 2 else "no bootstrap resamples (n_resamples=0)"
    else:
        stats = []
        for w in resample_counts(m, n_resamples=n_resamples, seed=seed):
            for row in w.astype(int):
                # every sample of a case drawn k times enters k times
                a = krippendorff_alpha_interval(y[np.repeat(np.arange(len(y)), row[codes])])
                stats.append(np.nan if a is None else a)
        ci = percentile_ci(np.array(stats))
        if ci is None:
            why["ci95"] = "undefined in more than half of the bootstrap resamples"
    return {"krippendorff_alpha_interval": alpha, "ci95": ci, "n_samples": int(len(y)), "undefined": why}
