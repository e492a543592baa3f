"""Pairwise mode ("who is more depressed, A or B?"), as in the persona-localization study.

Every unordered pair is asked in both orders. Metrics per group of judgments:

- accuracy: share correct among answers that are not "tie", on pairs whose truth is not a tie
  (ties excluded, as in Xu & Abdullah 2026);
- tie_rate: share of scored answers that are "tie"; tie_distance: mean |true gap| of pairs
  answered "tie" (a judge that ties far-apart cases is blunt, not cautious);
- same_band_error_rate / cross_band_error_rate: error rate among non-tie answers when both cases
  fall in the same severity band, or in different ones (cross-band errors are the serious kind);
- position_consistency: share of pairs (with both orders scored) where the same person was
  chosen in both orders (or tie both times); position_bias: share of non-tie answers naming the
  dialogue shown first (0.5 = none).
"""

from __future__ import annotations

from typing import Any

from ._result import RunMetrics
from ..scales import Scale


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def pairwise_metrics(df, /, *, scale: Scale) -> dict[str, Any]:
    """Metrics of one group of pairwise judgment rows."""
    n = len(df)
    ok = df[df["status"] == "ok"]
    decided = ok[(ok["pred_choice"] != "tie") & (ok["true_choice"] != "tie")]
    correct = decided["pred_choice"] == decided["true_choice"]
    same_band = [scale.band(a) == scale.band(b) for a, b in zip(decided["true_a"], decided["true_b"])]
    same = decided[same_band] if len(decided) else decided
    cross = decided[[not x for x in same_band]] if len(decided) else decided
    ties = ok[ok["pred_choice"] == "tie"]
    non_tie = ok[ok["pred_choice"] != "tie"]
    return {
        "n": int(n),
        "n_scored": int(len(ok)),
        "accuracy": _rate(int(correct.sum()), len(decided)),
        "tie_rate": _rate(len(ties), len(ok)),
        "tie_distance": float((ties["true_a"] - ties["true_b"]).abs().mean()) if len(ties) else None,
        "same_band_error_rate": _rate(int((same["pred_choice"] != same["true_choice"]).sum()), len(same)),
        "cross_band_error_rate": _rate(int((cross["pred_choice"] != cross["true_choice"]).sum()), len(cross)),
        "position_consistency": position_consistency(ok),
        "position_bias": _rate(int((non_tie["pred_choice"] == "A").sum()), len(non_tie)),
        "parse_failure_rate": _rate(int((df["status"] == "parse_error").sum()), n),
        "refusal_rate": _rate(int((df["status"] == "refusal").sum()), n),
        "error_rate": _rate(int((df["status"] == "error").sum()), n),
    }


def _chosen(row) -> str:
    """The person chosen, independent of display order: a sample id, or "tie"."""
    return row.a_id if row.pred_choice == "A" else row.b_id if row.pred_choice == "B" else "tie"


def position_consistency(ok, /) -> float | None:
    """Share of unordered pairs, asked in both orders and scored both times, where the answer
    names the same person (or tie) both times."""
    seen: dict[tuple, list[str]] = {}
    for row in ok.itertuples(index=False):
        key = (row.model, row.repeat, *sorted((row.a_id, row.b_id)))
        seen.setdefault(key, []).append(_chosen(row))
    both = [v for v in seen.values() if len(v) == 2]
    return _rate(sum(v[0] == v[1] for v in both), len(both))


def decision_agreement(ok, /, *, baseline: str, language: str) -> dict[str, Any]:
    """How often a language's decision matches the baseline language's for the same two cases
    shown in the same order (cases matched by pair_id)."""
    def decisions(lang: str) -> dict[tuple, str]:
        out = {}
        for row in ok[ok["language"] == lang].itertuples(index=False):
            if isinstance(row.a_pair_id, str) and isinstance(row.b_pair_id, str):
                a_case, b_case = row.a_pair_id, row.b_pair_id
            else:  # runs written before the structured fields
                a_case, b_case = row.pair_id.split("|", 1)
            chosen = a_case if row.pred_choice == "A" else b_case if row.pred_choice == "B" else "tie"
            out[(a_case, b_case, row.repeat)] = chosen
        return out

    base, other = decisions(baseline), decisions(language)
    common = base.keys() & other.keys()
    return {"n_pairs": len(common), "agreement": _rate(sum(base[k] == other[k] for k in common), len(common))}


def pairwise_run_metrics(
    records: list[dict[str, Any]], /, *, scale: Scale, baseline_language: str = "en", run_id: str | None = None,
) -> RunMetrics:
    """The metrics.json document of a pairwise run."""
    import pandas as pd

    cols = ["model", "language", "repeat", "status", "pair_id", "a_id", "b_id", "a_pair_id", "b_pair_id",
            "true_a", "true_b", "true_choice", "pred_choice"]
    df = pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(columns=cols)
    models: dict[str, Any] = {}
    for model, g in df.groupby("model", sort=False):
        ok = g[g["status"] == "ok"]
        langs = sorted(g["language"].unique())
        models[str(model)] = {
            "overall": pairwise_metrics(g, scale=scale),
            "by_language": {lang: pairwise_metrics(g[g["language"] == lang], scale=scale) for lang in langs},
            "consistency": {
                lang: decision_agreement(ok, baseline=baseline_language, language=lang)
                for lang in langs if lang != baseline_language and baseline_language in langs
            },
        }
    return RunMetrics.model_validate({"schema_version": 1, "run_id": run_id, "baseline_language": baseline_language,
                                      "scale": scale.name, "mode": "pairwise", "models": models})
