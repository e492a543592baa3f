"""From judgment records to the metrics.json structure (CONTRACT §4). No I/O here."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scales import Scale
from ._agreement import ccc, mae, pearson_r, quadratic_weighted_kappa, rmse, spearman_rho
from ._consistency import consistency_gaps
from ._discrimination import auc_by_threshold

SCHEMA_VERSION = 1
STATUSES = ("ok", "parse_error", "refusal", "error")


def _thresholds(scale: Scale) -> range:
    # PHQ-9: 3..24 as in the passive-estimation literature; other scales: 1..max-1.
    return range(3, 25) if scale.max_total == 27 else range(1, scale.max_total)


def score_metrics(df, /, *, scale: Scale) -> dict[str, Any]:
    """METRICS for one group of judgment rows (repeats are separate rows)."""
    n = len(df)
    ok = df[df["status"] == "ok"]
    t = ok["true_total"].to_numpy(dtype=float)
    p = ok["pred_total"].to_numpy(dtype=float)
    rate = (lambda s: float((df["status"] == s).sum() / n) if n else None)
    bands_t = [scale.band(x) for x in t]
    bands_p = [scale.band(x) for x in p]
    return {
        "n": int(n),
        "n_scored": int(len(ok)),
        "mae": mae(t, p),
        "rmse": rmse(t, p),
        "pearson_r": pearson_r(t, p),
        "spearman_rho": spearman_rho(t, p),
        "ccc": ccc(t, p),
        "auc": auc_by_threshold(t, p, thresholds=_thresholds(scale)),
        "qwk_bands": quadratic_weighted_kappa(bands_t, bands_p, n_categories=len(scale.bands)) if len(ok) else None,
        "mean_signed_error": float((p - t).mean()) if len(ok) else None,
        "parse_failure_rate": rate("parse_error"),
        "refusal_rate": rate("refusal"),
        "error_rate": rate("error"),
    }


def _per_pair(df) -> Any:
    """Mean prediction per (pair, language): repeats (and arms within a language) averaged."""
    ok = df[df["status"] == "ok"]
    return ok.groupby(["pair_key", "language"])["pred_total"].mean().unstack("language")


def consistency_block(df, /, *, scale: Scale, baseline: str, n_resamples: int, seed: int) -> dict[str, Any]:
    table = _per_pair(df)
    out: dict[str, Any] = {}
    if baseline not in table.columns:
        return out
    for lang in sorted(c for c in table.columns if c != baseline):
        both = table[[baseline, lang]].dropna()
        out[lang] = consistency_gaps(
            both[baseline].to_numpy(), both[lang].to_numpy(), scale=scale,
            n_resamples=n_resamples, seed=seed,
        )
    return out


def _model_block(df, *, scale: Scale, baseline: str, n_resamples: int, seed: int) -> dict[str, Any]:
    import pandas as pd

    block: dict[str, Any] = {
        "overall": score_metrics(df, scale=scale),
        "by_language": {lang: score_metrics(g, scale=scale) for lang, g in sorted(df.groupby("language"))},
        "consistency": consistency_block(df, scale=scale, baseline=baseline, n_resamples=n_resamples, seed=seed),
    }
    arms = sorted(a for a in df["arm"].dropna().unique() if a)
    non_baseline_arms = [a for a in arms if a != "baseline"]
    if len(non_baseline_arms) > 1:
        # Each arm against the same baseline-language samples.
        base_rows = df[df["language"] == baseline]
        block["by_arm"] = {}
        for arm in non_baseline_arms:
            arm_df = df[(df["arm"] == arm) & (df["language"] != baseline)]
            both = pd.concat([arm_df, base_rows])
            block["by_arm"][arm] = {
                "by_language": {lang: score_metrics(g, scale=scale) for lang, g in sorted(arm_df.groupby("language"))},
                "consistency": consistency_block(both, scale=scale, baseline=baseline, n_resamples=n_resamples, seed=seed),
            }
    return block


def records_frame(records: list[dict[str, Any]]):
    """Judgment records (samples.jsonl lines) as a DataFrame ready for the metrics."""
    import pandas as pd

    cols = ["task", "sample_id", "pair_id", "language", "arm", "model", "repeat", "status",
            "pred_total", "true_total"]
    df = pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(columns=cols)
    df["task"] = df["task"].fillna("")
    # pair ids are only unique within a task
    df["pair_key"] = df["task"].astype(str) + "\x1f" + df["pair_id"].astype(str)
    df["pred_total"] = pd.to_numeric(df["pred_total"], errors="coerce")
    df["true_total"] = pd.to_numeric(df["true_total"], errors="coerce")
    return df


def run_metrics(
    records: list[dict[str, Any]],
    /,
    *,
    scale: Scale,
    baseline_language: str = "en",
    run_id: str | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """The whole metrics.json document for a run's judgment records."""
    df = records_frame(records)
    models = {
        str(model): _model_block(g, scale=scale, baseline=baseline_language, n_resamples=n_resamples, seed=seed)
        for model, g in df.groupby("model", sort=False)
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "baseline_language": baseline_language,
        "scale": scale.name,
        "models": models,
    }
