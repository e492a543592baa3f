"""Rank judges across runs. The primary metric is MAE of the predicted PHQ-9 total against the
truth, overall (lower is better): it is in score points, easy to read, and is what the passive
estimation literature leads with. Ties break on mean |gap| across languages, then coverage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import IncomparableError
from ._rows import cutoff_of

if TYPE_CHECKING:
    from ..metrics import ModelMetrics, Panel, RunMetrics

PRIMARY = "mae"
RANK_BY = {"point": "mae", "expected": "expected_mae"}
"""``--rank-by``: the MAE of the predicted totals, or of the expected totals of probability-
weighted scoring (``--scoring logprob|sample``; judges without them rank last)."""


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def check_same_task(runs: list[tuple[str, RunMetrics]]) -> None:
    """Runs of different tasks or prompts are not comparable: say which differ and how."""
    seen: dict[str, tuple] = {}
    for name, m in runs:
        p = m.provenance
        tasks = tuple((t.get("name"), t.get("content_hash")) for t in p.tasks) if p else ()
        seen[name] = (tasks, p.prompt_hash if p else None)
    if len(set(seen.values())) > 1:
        lines = [f"{name}: task {', '.join(t for t, _ in v[0]) or '?'} "
                 f"({', '.join(h[:10] for _, h in v[0]) or '?'}), prompt {v[1] or '?'}" for name, v in seen.items()]
        raise IncomparableError(
            ["runs of different tasks or prompts cannot be ranked together (pass --allow-mixed to do it anyway):"]
            + [f"  {line}" for line in lines]
        )


def _pairwise_fields(block: ModelMetrics, cutoff: int) -> dict[str, Any]:
    overall = block.overall
    return {
        "accuracy": overall.accuracy,
        "position_consistency": overall.position_consistency,
        "tie_rate": overall.tie_rate,
        "agreement_with_baseline": _mean([c.agreement for c in block.consistency.values()]),
        "accuracy_by_language": {lang: lm.accuracy for lang, lm in block.by_language.items()},
    }


def _pointwise_fields(block: ModelMetrics, cutoff: int) -> dict[str, Any]:
    overall = block.overall
    gaps = [g for c in block.consistency.values() if (g := c.mean_signed_gap) is not None]
    return {
        "mae": overall.mae,
        "pearson_r": overall.pearson_r,
        "ccc": overall.ccc,
        "cutoff": cutoff,
        "auc_cutoff": overall.auc_at(cutoff),
        "mean_abs_gap": _mean([abs(g) for g in gaps]),
        "worst_gap": max(gaps, key=abs, default=None),
        "mae_by_language": {lang: lm.mae for lang, lm in block.by_language.items()},
        # probability-weighted scoring only (None otherwise)
        "expected_mae": overall.expected.mae if overall.expected else None,
        "brier": overall.calibration.brier if overall.calibration else None,
    }


def _rank_key(row: dict[str, Any], by: str = "mae") -> tuple:
    if "accuracy" in row:  # pairwise: accuracy, then position consistency, higher is better
        return (row["accuracy"] is None, -(row["accuracy"] or 0), -(row["position_consistency"] or 0))
    first = (row[by] is None, row[by] or 0) if by != "mae" else ()
    return (*first, row["mae"] is None, row["mae"] or 0,
            row["mean_abs_gap"] if row["mean_abs_gap"] is not None else 1e9, -(row["coverage"] or 0))


def _judge_frame(row: dict[str, Any], records: list[dict[str, Any]], panel: Panel | None):
    """A row's judgments as a frame named by the row: its records, or a panel rebuilt from its
    members' records (metrics.json ``panel``), as the run's metrics built it."""
    from ..metrics import panel_frame, records_frame

    if panel is not None:
        df = records_frame([rec for rec in records if rec.get("model") in panel.members])
        return panel_frame(df, name=row["judge"], members=panel.members, aggregate=panel.aggregate)
    return records_frame([rec for rec in records if rec.get("model") == row["model"]]).assign(model=row["judge"])


def paired_ranks(rows: list[dict[str, Any]], records: dict[str, list[dict[str, Any]]], *,
                 panels: dict[tuple[str, str], Panel] | None = None,
                 n_resamples: int = 1000, seed: int = 0) -> None:
    """Add ``rank_ci`` (bootstrap 95% rank interval), ``vs_best`` (``best``, ``≈ best`` when not
    significantly worse than the best after Holm, else ``worse``), ``p_vs_best_holm`` and
    ``n_common`` to pointwise rows, from the judgments of the samples every ranked judge scored
    (repeats averaged per sample; ``metrics.rank_intervals``). ``records`` maps run label to
    that run's judgment records, ``panels`` (run label, model) to a panel's metrics.json
    ``panel`` block; rows of runs without records are left as they are."""
    import numpy as np
    import pandas as pd

    from ..metrics import judge_table, rank_intervals

    panels = panels or {}
    ranked = [r for r in rows if r["run"] in records and r.get("mae") is not None]
    if len(ranked) < 2:
        return
    frames = [_judge_frame(r, records[r["run"]], panels.get((r["run"], r["model"]))) for r in ranked]
    table = judge_table(pd.concat(frames, ignore_index=True))
    judges = [r["judge"] for r in ranked]
    table = table.reindex(columns=[*table.columns, *(j for j in judges if j not in table.columns)])
    common = table[table[judges].notna().all(axis=1)]
    errors = np.abs(common[judges].to_numpy(dtype=float) - common[["true"]].to_numpy(dtype=float))
    result = rank_intervals(errors, common["pair_key"].to_numpy(dtype=object), n_resamples=n_resamples, seed=seed)
    for j, r in enumerate(ranked):
        r["n_common"] = result["n"]
        r["rank_ci"] = result["rank_ci"][j] if result["rank_ci"] else None
        r["p_vs_best_holm"] = result["p_vs_best_holm"][j]
        r["vs_best"] = (None if result["best"] is None else "best" if j == result["best"]
                        else "≈ best" if result["tied_with_best"][j] else "worse")


def leaderboard_rows(runs: list[tuple[str, RunMetrics]], *, rank_by: str = "point",
                     records: dict[str, list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """One row per judge and run, ranked. ``runs`` is [(run label, its metrics)].
    Pointwise runs are ranked by MAE of the predicted total (``rank_by="point"``) or of the
    expected total (``"expected"``); pairwise runs by accuracy (ties excluded, higher is better).
    With ``records`` (run label -> judgment records) pointwise rows also get paired rank
    intervals (``paired_ranks``)."""
    modes = {m.mode for _, m in runs}
    if len(modes) > 1:
        raise IncomparableError("pointwise and pairwise runs cannot share a leaderboard; rank them separately")
    fields = _pairwise_fields if modes == {"pairwise"} else _pointwise_fields
    labels = [model for _, m in runs for model in m.models]
    rows = []
    for run_label, m in runs:
        for model, block in m.models.items():
            n = block.overall.n
            usage = m.usage.get(model)
            rows.append({
                # the same judge in two runs gets its run's name, so rows stay distinguishable
                "judge": model if labels.count(model) == 1 else f"{model} ({run_label})",
                "run": run_label,
                "model": model,
                **fields(block, cutoff_of(m)),
                "coverage": block.overall.n_scored / n if n else None,
                "cost_usd": usage.cost_usd_all if usage and usage.priced else None,
                "baseline_language": m.baseline_language,
            })
    rows.sort(key=lambda r: _rank_key(r, RANK_BY[rank_by]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    if records and modes != {"pairwise"}:
        panels = {(label, model): block.panel for label, m in runs
                  for model, block in m.models.items() if block.panel is not None}
        paired_ranks(rows, records, panels=panels)
    return rows


def _f(v: Any, digits: int = 2, *, signed: bool = False, pct: bool = False) -> str:
    if v is None:
        return "–"
    if pct:
        return f"{100 * v:.0f}%"
    return f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"


def _probabilistic(rows: list[dict[str, Any]]) -> bool:
    return any(r.get("expected_mae") is not None or r.get("brier") is not None for r in rows)


def leaderboard_columns(rows: list[dict[str, Any]]) -> list[str]:
    langs = sorted({lang for r in rows for lang in r["mae_by_language"]})
    cutoff = rows[0]["cutoff"] if rows else 10
    extra = ["MAE expected", f"Brier≥{cutoff}"] if _probabilistic(rows) else []
    paired = ["rank 95% CI", "vs best"] if any("rank_ci" in r for r in rows) else []
    return ["rank", "judge", "MAE", *paired, "r", "CCC", f"AUC≥{cutoff}", *[f"MAE {lang}" for lang in langs],
            "mean |gap|", "worst gap", "coverage", "cost $", *extra]


def _paired_cells(row: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    if not any("rank_ci" in r for r in rows):
        return []
    ci = row.get("rank_ci")
    return ["–" if not ci else f"{ci[0]}–{ci[1]}", row.get("vs_best") or "–"]


def leaderboard_cells(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and formatted cells: every text format renders from these."""
    if rows and "accuracy" in rows[0]:
        langs = sorted({lang for r in rows for lang in r["accuracy_by_language"]})
        header = ["rank", "judge", "accuracy", *[f"acc {lang}" for lang in langs], "position consistency",
                  "tie rate", "agrees with baseline", "coverage", "cost $"]
        return header, [
            [str(r["rank"]), r["judge"], _f(r["accuracy"], pct=True),
             *[_f(r["accuracy_by_language"].get(lang), pct=True) for lang in langs],
             _f(r["position_consistency"], pct=True), _f(r["tie_rate"], pct=True),
             _f(r["agreement_with_baseline"], pct=True), _f(r["coverage"], pct=True), _f(r["cost_usd"], 4)]
            for r in rows
        ]
    langs = sorted({lang for r in rows for lang in r["mae_by_language"]})
    cells = [
        [str(r["rank"]), r["judge"], _f(r["mae"]), *_paired_cells(r, rows), _f(r["pearson_r"]), _f(r["ccc"]), _f(r["auc_cutoff"]),
         *[_f(r["mae_by_language"].get(lang)) for lang in langs],
         _f(r["mean_abs_gap"]), _f(r["worst_gap"], signed=True), _f(r["coverage"], pct=True),
         _f(r["cost_usd"], 4), *([_f(r["expected_mae"]), _f(r["brier"], 3)] if _probabilistic(rows) else [])]
        for r in rows
    ]
    return leaderboard_columns(rows), cells
