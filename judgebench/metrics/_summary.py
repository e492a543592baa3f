"""From judgment records to the metrics.json structure (docs/contract.md §4). No I/O here."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..scales import Scale
from ._consistency import consistency_gaps, holm_adjust
from ._frame import check_judgments, prepare_frame, records_frame
from ._answers import answer_diversity
from ._compare import compare_judges
from ._equivalence import default_margin
from ._panels import Aggregate, check_panels, panel_agreement, panel_frame
from ._raters import raters_block
from ._item_shift import item_shift, per_pair_items
from ._format_effect import format_effect
from ._group import attach_items, score_metrics
from ._result import RunMetrics

SCHEMA_VERSION = 1
CI_LEVEL = 0.95


def per_pair(df, /) -> Any:
    """Mean prediction and truth per (case, language): repeats averaged per sample first, then
    the arms of a language. Columns ``("pred", lang)`` and ``("true", lang)``; the unit of every consistency
    metric, and what the report's Bland–Altman plots draw."""
    if "pair_key" not in df.columns:
        df = prepare_frame(df)
    ok = df[df["status"] == "ok"]
    # repeats first (one value per sample), then the samples (arms) of a language equally
    # weighted, however many of their repeats succeeded
    per_sample = ok.groupby(["pair_key", "language", "sample_key"]).agg(
        pred=("pred_total", "mean"), true=("true_total", "mean"))
    return per_sample.groupby(["pair_key", "language"]).mean().unstack("language")


def consistency_block(df, /, *, scale: Scale, baseline: str, n_resamples: int, seed: int,
                      equivalence_margin: float | None = None) -> dict[str, Any]:
    """CONSISTENCY of every non-baseline language against ``baseline``, with Holm across them.

    Empty when the baseline language is not in ``df``. A language whose judgments (or the
    baseline's) all failed is still listed, with ``n_pairs`` 0 and its reasons.

    ``wilcoxon_p_holm`` adjusts the Wilcoxon p-values of the languages in this block (one model,
    one arm) as one family: "is any language rated differently from the baseline?".
    """
    if "pair_key" not in df.columns:
        df = prepare_frame(df)
    out: dict[str, Any] = {}
    languages = {str(x) for x in df["language"].unique()}
    if baseline not in languages:
        return out
    table = per_pair(df)
    items = per_pair_items(attach_items(df, n_items=scale.n_items), n_items=scale.n_items)
    scored = set(table["pred"].columns) if len(table) else set()
    for lang in sorted(languages - {baseline}):
        if {baseline, lang} <= scored:
            both = table.loc[table["pred"][baseline].notna() & table["pred"][lang].notna()]
            pred_b, pred_l = both["pred"][baseline].to_numpy(), both["pred"][lang].to_numpy()
            true_b, true_l = both["true"][baseline].to_numpy(), both["true"][lang].to_numpy()
        else:  # every judgment failed in one of the two languages: still reported, with reasons
            pred_b = pred_l = true_b = true_l = np.empty(0)
        block = consistency_gaps(
            pred_b, pred_l, scale=scale, n_resamples=n_resamples, seed=seed,
            truth_baseline=true_b, truth_other=true_l, equivalence_margin=equivalence_margin,
        )
        why = block.pop("undefined")
        block["item_shift"], reason = item_shift(items, baseline, lang, n_items=scale.n_items,
                                                 n_resamples=n_resamples, seed=seed)
        if reason:
            why["item_shift"] = reason
        else:
            few = "fewer than 2 cases" if block["item_shift"]["n"] < 2 else "no bootstrap resamples (n_resamples=0)"
            why.update({f"item_shift.ci95.{j}": few for j, ci in enumerate(block["item_shift"]["ci95"]) if ci is None})
        block["undefined"] = why
        out[lang] = block
    langs = list(out)
    adjusted = holm_adjust([out[lang]["wilcoxon_p"] for lang in langs])
    for lang, p_holm in zip(langs, adjusted):
        block = out[lang]
        keys = list(block)
        block["wilcoxon_p_holm"] = p_holm
        if p_holm is None:
            block["undefined"]["wilcoxon_p_holm"] = block["undefined"].get("wilcoxon_p", "wilcoxon_p is undefined")
        # keep the adjusted p next to the raw one, undefined last
        at = keys.index("wilcoxon_p") + 1
        order = keys[:at] + ["wilcoxon_p_holm"] + keys[at:]
        out[lang] = {k: block[k] for k in order}
    return out


def _by_language(df, *, scale: Scale, n_resamples: int, seed: int) -> dict[str, Any]:
    return {str(lang): score_metrics(g, scale=scale, n_resamples=n_resamples, seed=seed)
            for lang, g in df.groupby("language", sort=True)}


def _model_block(df, *, scale: Scale, baseline: str, n_resamples: int, seed: int,
                 equivalence_margin: float | None) -> dict[str, Any]:
    import pandas as pd

    opts = {"scale": scale, "n_resamples": n_resamples, "seed": seed}
    margin = {"equivalence_margin": equivalence_margin}
    block: dict[str, Any] = {
        "answers": answer_diversity(df),
        "overall": score_metrics(df, **opts),
        "by_language": _by_language(df, **opts),
        "consistency": consistency_block(df, baseline=baseline, **opts, **margin),
    }
    arms = sorted(str(a) for a in df["arm"].dropna().unique() if a)
    non_baseline_arms = [a for a in arms if a != "baseline"]
    if len(non_baseline_arms) > 1:
        # Each arm against the same baseline-language samples.
        base_rows = df[df["language"] == baseline]
        block["by_arm"] = {}
        for arm in non_baseline_arms:
            arm_df = df[(df["arm"] == arm) & (df["language"] != baseline)]
            both = pd.concat([arm_df, base_rows])
            block["by_arm"][arm] = {
                "by_language": _by_language(arm_df, **opts),
                "consistency": consistency_block(both, baseline=baseline, **opts, **margin),
            }
    return block


def _with_panels(df, panels: dict[str, list[str]], *, aggregate: Aggregate, n_items: int):
    """The judgments plus one virtual judge per panel (its members' aggregate per sample)."""
    if aggregate not in ("median", "mean"):
        raise ValueError(f"panel_aggregate must be median or mean, got {aggregate!r}")
    if not panels:
        return df
    import pandas as pd

    check_panels(panels, sorted(str(m) for m in df["model"].unique()))
    return pd.concat([df, *(panel_frame(df, name=name, members=members, aggregate=aggregate, n_items=n_items)
                            for name, members in panels.items())], ignore_index=True)


def run_metrics(
    records: list[dict[str, Any]],
    /,
    *,
    scale: Scale,
    baseline_language: str = "en",
    run_id: str | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    equivalence_margin: float | None = None,
    panels: Mapping[str, Sequence[str]] | None = None,
    panel_aggregate: Aggregate = "median",
) -> RunMetrics:
    """The whole metrics.json document for a run's judgment records (docs/contract.md §4, extended).

    Returns a typed ``RunMetrics``; ``.to_json()`` is the document itself.
    ``records`` may also be a DataFrame (see ``records_frame``). Bootstrap CIs resample cases
    (``pair_id``) ``n_resamples`` times from ``seed``; the same records and settings always give
    the same document, whatever their order. ``equivalence_margin`` is the ± margin of the
    consistency blocks' equivalence tests, in scale points (default: ±1 PHQ-9 point scaled by
    the scale's range, ``default_margin``). ``panels`` ({name: member judges}) adds a virtual
    judge per panel whose judgments are the ``panel_aggregate`` of its members' (``panel_frame``),
    scored and compared like the others, with a ``panel`` block (members, aggregate, agreement).
    """
    if n_resamples < 0:
        raise ValueError(f"n_resamples must be >= 0, got {n_resamples}")
    df = records_frame(records)
    check_judgments(df)
    panels = {str(k): [str(m) for m in v] for k, v in (panels or {}).items()}
    judged = df
    df = _with_panels(df, panels, aggregate=panel_aggregate, n_items=scale.n_items)
    df = attach_items(df, n_items=scale.n_items)
    if equivalence_margin is not None and not equivalence_margin > 0:
        raise ValueError(f"equivalence_margin must be > 0, got {equivalence_margin}")
    margin = default_margin(scale) if equivalence_margin is None else float(equivalence_margin)
    models = {
        str(model): _model_block(g, scale=scale, baseline=baseline_language, n_resamples=n_resamples, seed=seed,
                                 equivalence_margin=margin)
        for model, g in df.groupby("model", sort=True)
    }
    for name, members in panels.items():
        models[name]["panel"] = {
            "members": members, "aggregate": panel_aggregate,
            "agreement": panel_agreement(judged, members=members, n_resamples=n_resamples, seed=seed),
        }
    doc = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "baseline_language": baseline_language,
        "scale": scale.name,
        "cutoff": scale.cutoff,
        "bootstrap": {"n_resamples": n_resamples, "seed": seed, "level": CI_LEVEL, "unit": "pair_id"},
        "equivalence_margin": margin,
        "models": models,
        "comparisons": compare_judges(df, scale=scale, n_resamples=n_resamples, seed=seed),
    }
    formats = format_effect(df, n_resamples=n_resamples, seed=seed)
    if formats:  # only runs of two tasks sharing cases
        doc["format_effect"] = formats
    raters = raters_block(df)
    if raters is not None:  # only tasks with truth.ratings
        doc["raters"] = raters
    return RunMetrics.model_validate(doc)


def group_metrics(
    df,
    /,
    *,
    scale: Scale,
    by: str | Sequence[str] = ("model", "language"),
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[Any, dict[str, Any]]:
    """METRICS for every group of a DataFrame of judgments, for notebooks.

    Parameters
    ----------
    df
        ``records_frame`` output, or any DataFrame with the columns ``prepare_frame`` needs.
    by
        Column(s) to group by, e.g. ``"model"``, ``("model", "language")``, ``("model", "arm")``;
        ``()`` for one group of everything.

    Returns
    -------
    dict
        ``{group key: METRICS}``: a tuple key when ``by`` is a sequence (``()`` for no grouping),
        the value itself when ``by`` is a string.

    Examples
    --------
    >>> import pandas as pd
    >>> from judgebench.metrics import group_metrics
    >>> from judgebench.scales import PHQ9
    >>> df = pd.DataFrame({"pair_id": ["a", "b", "c"], "language": "en", "model": "m",
    ...                    "status": "ok", "pred_total": [4, 10, 21], "true_total": [5, 12, 20]})
    >>> group_metrics(df, scale=PHQ9, by="model")["m"]["mae"]
    1.3333333333333333
    """
    df = prepare_frame(df) if "pair_key" not in df.columns else df
    check_judgments(df)
    df = attach_items(df, n_items=scale.n_items)
    keys = [by] if isinstance(by, str) else list(by)
    opts = {"scale": scale, "n_resamples": n_resamples, "seed": seed}
    if not keys:
        return {(): score_metrics(df, **opts)}
    out = {}
    for key, g in df.groupby(keys if len(keys) > 1 else keys[0], sort=True, dropna=False):
        out[key] = score_metrics(g, **opts)
    return out


def _flat(value: Any, prefix: str, row: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in ("undefined", "band_confusion"):
                _flat(v, f"{prefix}.{k}" if prefix else str(k), row)
    elif isinstance(value, list):
        if prefix.startswith("ci95.") and len(value) == 2:
            row[f"{prefix}.lo"], row[f"{prefix}.hi"] = value
        elif all(isinstance(v, (int, float)) or v is None for v in value):
            row.update({f"{prefix}.{i}": v for i, v in enumerate(value, start=1)})
    else:
        row[prefix] = value


def metrics_table(
    df,
    /,
    *,
    scale: Scale,
    by: str | Sequence[str] = ("model", "language"),
    n_resamples: int = 1000,
    seed: int = 0,
):
    """``group_metrics`` as a DataFrame: one row per group, one column per scalar metric.

    Nested keys become dotted columns (``auc.10``, ``ci95.mae.lo``, ``item_mae.9``,
    ``reliability.icc_2_1``); the band confusion matrix and the ``undefined`` reasons stay in
    ``group_metrics``. Undefined values are missing (None / NaN in numeric columns).
    """
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, m in group_metrics(df, scale=scale, by=by, n_resamples=n_resamples, seed=seed).items():
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, key))
        _flat(m, "", row)
        rows.append(row)
    return pd.DataFrame(rows)
