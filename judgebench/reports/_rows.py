"""Flatten a run's metrics into table rows: one row per model × (overall | language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..metrics import RunMetrics

COLUMNS = [
    ("language", "language"),
    ("n", "n"),
    ("n_scored", "scored"),
    ("mae", "MAE"),
    ("mae_ci95", "MAE 95% CI"),
    ("rmse", "RMSE"),
    ("pearson_r", "r"),
    ("spearman_rho", "ρ"),
    ("ccc", "CCC"),
    ("auc_cutoff", "AUC≥{cutoff}"),
    ("qwk_bands", "QWK"),
    ("gap", "gap vs base"),
    ("gap_ci95", "gap 95% CI"),
    ("parse_failure_rate", "parse fail"),
    ("refusal_rate", "refusal"),
    ("error_rate", "error"),
]
"""(row key, header) of the per-language table; every format renders these (``{cutoff}`` is the
scale's cut-off, from metrics.json)."""

PLAUSIBLE_COLUMN = ("in_range_rate", "in range")
"""Shown after QWK when the task records plausible item ranges (``truth.items_range``)."""

PROBABILISTIC_COLUMNS = [
    ("expected_mae", "MAE exp."),
    ("expected_auc_cutoff", "AUC≥{cutoff} P"),
    ("brier", "Brier≥{cutoff}"),
    ("ece", "ECE"),
]
"""Shown after AUC when the run scored with probabilities (``--scoring logprob|sample``): MAE of
the expected total, AUC of P(total >= cut-off), Brier score and ECE at the cut-off."""

PAIRWISE_COLUMNS = [
    ("language", "language"),
    ("n", "n"),
    ("n_scored", "scored"),
    ("accuracy", "accuracy"),
    ("tie_rate", "ties"),
    ("tie_distance", "tie dist"),
    ("same_band_error_rate", "same-band err"),
    ("cross_band_error_rate", "cross-band err"),
    ("position_consistency", "pos. consistency"),
    ("position_bias", "1st shown"),
    ("agreement", "agrees w/ base"),
    ("parse_failure_rate", "parse fail"),
    ("refusal_rate", "refusal"),
    ("error_rate", "error"),
]


def cutoff_of(metrics: RunMetrics) -> int:
    """The scale's clinical cut-off (PHQ-9's 10 for files that predate the field)."""
    return metrics.cutoff_or_default


def _has_ranges(metrics: RunMetrics) -> bool:
    return any(b.overall.plausible is not None for b in metrics.models.values())


def _has_probabilities(metrics: RunMetrics) -> bool:
    return any(b.overall.calibration is not None for b in metrics.models.values())


def columns_for(metrics: RunMetrics) -> list[tuple[str, str]]:
    if metrics.mode == "pairwise":
        return PAIRWISE_COLUMNS
    cols = [(k, label.format(cutoff=cutoff_of(metrics))) for k, label in COLUMNS]
    if _has_ranges(metrics):
        at = [k for k, _ in cols].index("qwk_bands") + 1
        cols.insert(at, PLAUSIBLE_COLUMN)
    if _has_probabilities(metrics):
        at = [k for k, _ in cols].index("auc_cutoff") + 1
        cols[at:at] = [(k, label.format(cutoff=cutoff_of(metrics))) for k, label in PROBABILISTIC_COLUMNS]
    return cols


_POINT_KEYS = ("n", "n_scored", "mae", "rmse", "pearson_r", "spearman_rho", "ccc", "qwk_bands",
               "parse_failure_rate", "refusal_rate", "error_rate")


def metric_rows(metrics: RunMetrics) -> list[dict[str, Any]]:
    """The rows every format (table, markdown, json) is rendered from."""
    rows = []
    cutoff = cutoff_of(metrics)
    for model, block in metrics.models.items():
        for lang, m, cons in block.groups():
            row: dict[str, Any] = {"model": model, "language": lang}
            if metrics.mode == "pairwise":
                data = m.to_json()
                row.update({k: data.get(k) for k, _ in PAIRWISE_COLUMNS if k not in ("language", "agreement")})
                row["agreement"] = cons.agreement if cons else None
                rows.append(row)
                continue
            row.update({key: getattr(m, key) for key in _POINT_KEYS})
            row["auc_cutoff"] = m.auc_at(cutoff)
            row["in_range_rate"] = (m.plausible or {}).get("in_range_rate")
            row["expected_mae"] = m.expected.mae if m.expected else None
            row["expected_auc_cutoff"] = m.expected.auc.get(str(cutoff)) if m.expected else None
            row["brier"] = m.calibration.brier if m.calibration else None
            row["ece"] = m.calibration.ece if m.calibration else None
            row["mae_ci95"] = m.ci95.get("mae")
            row["gap"] = cons.mean_signed_gap if cons else None
            row["gap_ci95"] = cons.signed_gap_ci95 if cons else None
            rows.append(row)
    return rows


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key.endswith("_rate") or key in ("accuracy", "position_consistency", "position_bias", "agreement"):
        return f"{100 * value:.0f}%"
    if key == "gap_ci95":
        return f"[{value[0]:+.2f}, {value[1]:+.2f}]"
    if key.endswith("_ci95"):
        return f"[{value[0]:.2f}, {value[1]:.2f}]"
    if key == "gap":
        return f"{value:+.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def usage_line(metrics: RunMetrics, model: str) -> str | None:
    """Tokens and cost of a model's judgments, from the run's ``usage``."""
    u = metrics.usage.get(model)
    if not u:
        return None
    cost = (f"${u.cost_usd_all:.4f} (paid this run: ${u.cost_usd:.4f})" if u.priced and u.cost_usd_all is not None
            and u.cost_usd is not None else "cost unknown (no list price)")
    return (f"{u.judgments} judgments · {u.prompt_tokens:,} prompt + {u.completion_tokens:,} "
            f"completion tokens · {cost}")


_SHOWN = {"mae": "MAE", "rmse": "RMSE", "pearson_r": "r", "spearman_rho": "ρ", "ccc": "CCC",
          "qwk_bands": "QWK", "ci95.mae": "MAE 95% CI"}


def undefined_notes(metrics: RunMetrics, model: str) -> list[str]:
    """Why the table shows "–": reasons for undefined values, per metric, across the groups."""
    block = metrics.models.get(model)
    if block is None:
        return []
    groups = [("overall", block.overall)] + list(block.by_language.items())
    cutoff = cutoff_of(metrics)
    shown = {**_SHOWN, f"auc.{cutoff}": f"AUC≥{cutoff}", "expected.mae": "MAE exp.",
             f"expected.auc.{cutoff}": f"AUC≥{cutoff} P", "calibration.brier": f"Brier≥{cutoff}",
             "calibration.ece": "ECE"}
    reasons: dict[tuple[str, str], list[str]] = {}
    for scope, m in groups:
        for path, reason in m.undefined.items():
            if path in shown:
                reasons.setdefault((shown[path], reason), []).append(scope)
    return [f"{label} undefined ({', '.join(scopes)}): {reason}" for (label, reason), scopes in reasons.items()]
