"""METRICS for one group of judgments (a model overall, in one language, or one arm's language)."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..scales import Scale
from ._agreement import (
    ccc, mae, pearson_r, quadratic_weighted_kappa, rmse, sd_ratio, spearman_rho,
    why_no_ccc, why_no_correlation, why_no_qwk, why_no_sd_ratio,
)
from ._bands import band_confusion, band_index, mean_signed_error_by_band
from ._bootstrap import bootstrap_score_ci
from ._coverage import coverage_by_band, status_rates
from ._discrimination import (
    auc_by_threshold, sensitivity_specificity, why_no_auc, why_no_sensitivity, why_no_specificity,
)
from ._frame import prepare_frame
from ._items import SAFETY_ITEM, item_mae, item_summary, items_matrix
from ._plausible import plausible_block
from ._probabilistic import has_probabilistic, probabilistic_blocks
from ._reliability import reliability_block


def thresholds(scale: Scale) -> tuple[int, ...]:
    """AUC thresholds: the scale's own (PHQ-9 3..24 as in the passive-estimation literature),
    else every total 1..max-1."""
    return scale.auc_thresholds


def none_paths(block: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of the None leaves of a metrics block (``undefined`` blocks skipped)."""
    if block is None:
        yield prefix
    elif isinstance(block, dict):
        for key, value in block.items():
            if key != "undefined":
                yield from none_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(block, list):
        for i, value in enumerate(block):
            yield from none_paths(value, f"{prefix}.{i}")


def _item_columns(kind: str, n_items: int) -> list[str]:
    return [f"{kind}_item_{j}" for j in range(1, n_items + 1)]


def attach_items(df, /, *, n_items: int):
    """``df`` with the item lists unpacked into float columns ``true_item_1``.. and ``pred_item_1``..

    Done once per run so that every group slices numbers instead of re-reading lists.
    """
    if not n_items or f"true_item_{n_items}" in df.columns:
        return df
    out = df.copy()
    for kind in ("true", "pred"):
        matrix = items_matrix(df[f"{kind}_items"], n_items=n_items)
        out[_item_columns(kind, n_items)] = matrix
    return out


def _item_arrays(ok, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    ok = attach_items(ok, n_items=n_items)
    return (ok[_item_columns("true", n_items)].to_numpy(dtype=float),
            ok[_item_columns("pred", n_items)].to_numpy(dtype=float))


def _ratings(df) -> np.ndarray:
    """Samples x repeats matrix of scored totals (NaN: that repeat failed or is absent)."""
    if len(df) == 0:
        return np.empty((0, 0))
    scored = df["pred_total"].where(df["status"] == "ok")
    return scored.groupby([df["sample_key"], df["repeat"]]).mean().unstack("repeat").to_numpy(dtype=float)


def _accuracy(t: np.ndarray, p: np.ndarray, *, scale: Scale, why: dict[str, str]) -> dict[str, Any]:
    """Agreement with truth, discrimination and band metrics over the scored judgments."""
    n = t.size
    cut = scale.cutoff
    sens, spec = sensitivity_specificity(t, p, threshold=cut)
    m: dict[str, Any] = {
        "mae": mae(t, p),
        "rmse": rmse(t, p),
        "pearson_r": pearson_r(t, p),
        "spearman_rho": spearman_rho(t, p),
        "ccc": ccc(t, p),
        "auc": auc_by_threshold(t, p, thresholds=thresholds(scale)),
        "qwk_bands": (
            quadratic_weighted_kappa(band_index(t, scale=scale), band_index(p, scale=scale),
                                     n_categories=len(scale.bands)) if n else None
        ),
        "mean_signed_error": float((p - t).mean()) if n else None,
        f"sensitivity_at_{cut}": sens,
        f"specificity_at_{cut}": spec,
        "band_confusion": band_confusion(t, p, scale=scale),
        "mean_signed_error_by_band": mean_signed_error_by_band(t, p, scale=scale),
        "sd_ratio": sd_ratio(t, p),
    }
    none = "no scored judgments"
    reasons = {
        "mae": none, "rmse": none, "mean_signed_error": none,
        "pearson_r": lambda: why_no_correlation(t, p), "spearman_rho": lambda: why_no_correlation(t, p),
        "ccc": lambda: why_no_ccc(t, p), "qwk_bands": lambda: why_no_qwk(n),
        f"sensitivity_at_{cut}": lambda: why_no_sensitivity(t, threshold=cut),
        f"specificity_at_{cut}": lambda: why_no_specificity(t, threshold=cut),
        "sd_ratio": lambda: why_no_sd_ratio(t, p),
    }
    for key, reason in reasons.items():
        if m[key] is None:
            why[key] = reason() if callable(reason) else reason
    for k, v in m["auc"].items():
        if v is None:
            why[f"auc.{k}"] = why_no_auc(t, threshold=int(k))
    for label, v in m["mean_signed_error_by_band"].items():
        if v is None:
            why[f"mean_signed_error_by_band.{label}"] = f"no scored judgment with a true total in band {label!r}"
    return m


def _coverage(df, n_scored: int, mae_value: float | None, *, scale: Scale, why: dict[str, str]) -> dict[str, Any]:
    n = len(df)
    statuses = df["status"].to_numpy(dtype=object)
    m: dict[str, Any] = {
        **status_rates(statuses),
        "coverage_rate": n_scored / n if n else None,
        "n_covered": n_scored,
        "mae_covered": mae_value,
        "coverage_by_band": coverage_by_band(df["true_total"].to_numpy(dtype=float), statuses, scale=scale),
    }
    for key in ("parse_failure_rate", "refusal_rate", "error_rate", "coverage_rate"):
        if m[key] is None:
            why[key] = "no judgments"
    if mae_value is None:
        why["mae_covered"] = "no scored judgments"
    for label, row in m["coverage_by_band"].items():
        for key, v in row.items():
            if v is None:
                why[f"coverage_by_band.{label}.{key}"] = f"no judgment with a true total in band {label!r}"
    return m


def _items(ok, *, scale: Scale, why: dict[str, str]) -> dict[str, Any]:
    k = scale.n_items
    true_m, pred_m = _item_arrays(ok, k) if k else (np.empty((len(ok), 0)), np.empty((len(ok), 0)))
    both = ~(np.isnan(true_m).any(axis=1) | np.isnan(pred_m).any(axis=1)) if k else np.zeros(len(ok), bool)
    per_item = item_mae(true_m, pred_m)
    m = {"n_with_items": int(both.sum()), "item_mae": per_item, **item_summary(per_item, n_items=k)}
    plausible = plausible_block(ok, n_items=k, pred_matrix=pred_m, true_matrix=true_m, why=why)
    if plausible is not None:
        m["plausible"] = plausible
    reason = (f"scale {scale.name} has no items" if not k
              else "no scored judgment with both predicted and true items")
    for key in ("item_mae", "item9_mae", "item_mae_1_8"):
        if m[key] is None:
            why[key] = reason
    if per_item is not None and k < SAFETY_ITEM:
        why["item9_mae"] = f"scale {scale.name} has no item {SAFETY_ITEM}"
    return m


def _ci95(t, p, clusters, point: dict[str, Any], *, scale: Scale, n_resamples: int, seed: int,
          why: dict[str, str]) -> dict[str, Any]:
    auc_key = f"auc_{scale.cutoff}"
    ci = bootstrap_score_ci(t, p, clusters, threshold=scale.cutoff, n_resamples=n_resamples, seed=seed)
    out = {"mae": ci["mae"], "pearson_r": ci["pearson_r"], auc_key: ci["auc"]}
    points = {"mae": ("mae", point["mae"]), "pearson_r": ("pearson_r", point["pearson_r"]),
              auc_key: (f"auc.{scale.cutoff}", point["auc"].get(str(scale.cutoff)))}
    n_cases = len(set(clusters))
    for key, (point_path, value) in points.items():
        if out[key] is not None:
            continue
        if value is None:
            why[f"ci95.{key}"] = f"{key} is undefined ({why.get(point_path, 'see undefined')})"
        elif n_cases < 2:
            why[f"ci95.{key}"] = "fewer than 2 cases (pair_ids) with a scored judgment to resample"
        elif n_resamples < 1:
            why[f"ci95.{key}"] = "no bootstrap resamples (n_resamples=0)"
        else:
            why[f"ci95.{key}"] = "undefined in more than half of the bootstrap resamples"
    return out


def score_metrics(df, /, *, scale: Scale, n_resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """METRICS (docs/contract.md §4, extended) for one group of judgments; repeats are separate rows.

    Accuracy metrics use the scored (``status == "ok"``) judgments; rates use all of them.
    Every None value has its reason in ``undefined`` under its dotted path (``"auc.24"``,
    ``"ci95.pearson_r"``, ``"reliability.icc_2_1"``).

    Parameters
    ----------
    df
        Judgments as from ``records_frame`` (or any DataFrame ``prepare_frame`` accepts).
    scale
        The rating scale (bands, cut-off, items).
    n_resamples, seed
        Bootstrap settings for ``ci95``.

    Returns
    -------
    dict
        Contract keys ``n, n_scored, mae, rmse, pearson_r, spearman_rho, ccc, auc {"3".."24"},
        qwk_bands, parse_failure_rate, refusal_rate, error_rate`` and ``mean_signed_error``;
        coverage: ``coverage_rate, n_covered (= n_scored), mae_covered (= mae),
        coverage_by_band {band: {n, *_rate}}`` (band of the *true* total); screening at the
        cut-off C: ``sensitivity_at_C, specificity_at_C``; bands: ``band_confusion {labels,
        matrix}`` (rows truth), ``mean_signed_error_by_band``; ``sd_ratio``; items:
        ``n_with_items, item_mae [k], item9_mae, item_mae_1_8``; ``ci95 {mae, pearson_r,
        auc_C}`` (percentile bootstrap over the cases, ``pair_id``, with a scored judgment);
        ``reliability`` (``reliability_block`` over the samples x repeats matrix);
        ``plausible {n, in_range_rate, mae_visible}`` only when the samples carry
        ``truth.items_range`` (see ``plausible_block``); ``expected {n, mae, rmse, pearson_r,
        spearman_rho, ccc, mean_signed_error, auc}`` and ``calibration {cutoff, n, n_positive,
        brier, ece, n_bins, bins}`` only for judgments made with ``--scoring logprob|sample``
        (see ``probabilistic_blocks``);
        ``undefined {path: reason}``.
    """
    if n_resamples < 0:
        raise ValueError(f"n_resamples must be >= 0, got {n_resamples}")
    if "pair_key" not in df.columns:
        df = prepare_frame(df)
    why: dict[str, str] = {}
    ok = df[df["status"] == "ok"]
    t = ok["true_total"].to_numpy(dtype=float)
    p = ok["pred_total"].to_numpy(dtype=float)
    accuracy = _accuracy(t, p, scale=scale, why=why)
    m: dict[str, Any] = {"n": int(len(df)), "n_scored": int(len(ok))}
    m.update({k: accuracy[k] for k in ("mae", "rmse", "pearson_r", "spearman_rho", "ccc", "auc",
                                       "qwk_bands", "mean_signed_error")})
    m.update(_coverage(df, len(ok), accuracy["mae"], scale=scale, why=why))
    m.update({k: v for k, v in accuracy.items() if k not in m})
    m.update(_items(ok, scale=scale, why=why))
    m["ci95"] = _ci95(t, p, ok["pair_key"].to_numpy(dtype=object), accuracy, scale=scale,
                      n_resamples=n_resamples, seed=seed, why=why)
    m["reliability"], rel_why = reliability_block(_ratings(df))
    why.update({f"reliability.{k}": v for k, v in rel_why.items()})
    if has_probabilistic(df):
        m.update(probabilistic_blocks(df, scale=scale, why=why))
    if len(df) == 0:
        # an empty group: one reason says it all
        why = {k: "no judgments" for k in why}
    for path in none_paths(m):
        why.setdefault(path, "undefined for these data")  # safety net; the tests require none
    m["undefined"] = why
    return m
