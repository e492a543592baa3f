"""Judges compared paired, and languages tested for equivalence, as tables and sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..metrics import Equivalence, RunMetrics

COMPARISON_HEADER = ["a", "b", "metric", "a − b", "95% CI", "p", "p (Holm)", "n", "test"]

_METRIC_NAMES = {"mae": "MAE"}


def _metric_label(metric: str) -> str:
    if metric.startswith("auc_"):
        return f"AUC≥{metric[4:]}"
    if metric.startswith("accuracy_"):
        return f"accuracy at ≥{metric[9:]}"
    return _METRIC_NAMES.get(metric, metric)


def _p(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def comparison_cells(metrics: RunMetrics) -> list[list[str]]:
    """One row per entry of ``comparisons`` (every pair of judges, every metric)."""
    rows = []
    for c in metrics.comparisons:
        ci = c.ci
        rows.append([
            c.a, c.b, _metric_label(c.metric),
            "–" if c.diff is None else f"{c.diff:+.3f}",
            "–" if not ci or None in ci else f"[{ci[0]:+.3f}, {ci[1]:+.3f}]",
            _p(c.p), _p(c.p_holm), str(c.n), c.test or "–",
        ])
    return rows


COMPARISON_NOTE = (
    "Paired comparisons on the samples both judges scored (repeats averaged per sample): a − b, with a "
    "paired bootstrap 95% CI resampling cases; p from a sign-flip permutation test (MAE), the paired "
    "bootstrap (AUC) or an exact McNemar test (accuracy at the cut-off); Holm-adjusted over the pairs of "
    "each metric. For MAE a negative difference means a is closer to the truth."
)


def equivalence_sentence(lang: str, block: Equivalence | None, /) -> str | None:
    """A ``consistency.<lang>.equivalence`` block in words: ``"hi: equivalent within ±1"``,
    ``"zh: inconclusive, 40 cases cannot show ±1 (the smallest margin they could show: ±1.8)"``."""
    if not block:
        return None
    margin, n = block.margin, block.n
    m = f"±{margin:g}"
    ci = block.ci90
    ci_text = f"; 90% CI of the gap [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci and None not in ci else ""
    verdict = block.verdict
    if verdict == "equivalent":
        return f"{lang}: equivalent within {m} ({n} cases{ci_text})"
    if verdict == "different":
        return f"{lang}: different, the gap lies beyond {m} ({n} cases{ci_text})"
    if block.min_margin is None:
        return f"{lang}: inconclusive, {n} case{'' if n == 1 else 's'} cannot test {m}"
    return (f"{lang}: inconclusive, {n} cases cannot show {m} "
            f"(the smallest margin they could show: ±{block.min_margin:.2g}{ci_text})")


def equivalence_lines(metrics: RunMetrics, model: str) -> list[str]:
    """Every language's (and arm's) equivalence verdict for one judge, in words."""
    block = metrics.models.get(model)
    if block is None:
        return []
    lines = [s for lang, c in block.consistency.items() if (s := equivalence_sentence(lang, c.equivalence))]
    for arm, arm_block in sorted(block.by_arm.items()):
        lines += [s for lang, c in arm_block.consistency.items()
                  if (s := equivalence_sentence(f"{lang} · {arm}", c.equivalence))]
    return lines


def panel_line(metrics: RunMetrics, model: str) -> str | None:
    """What a panel is made of and how well its members agree, for a panel's table."""
    block = metrics.models.get(model)
    panel = block.panel if block else None
    if panel is None:
        return None
    ag = panel.agreement
    alpha, ci = (ag.krippendorff_alpha_interval, ag.ci95) if ag else (None, None)
    agreement = ("members' agreement undefined" if alpha is None else
                 f"members' agreement Krippendorff α (interval) = {alpha:.2f}"
                 + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci and None not in ci else "")
                 + f" over {ag.n_samples} samples")
    return (f"panel: the {panel.aggregate} of {', '.join(panel.members)} per sample "
            f"(repeats averaged first; no extra calls); {agreement}")


def rater_line(metrics: RunMetrics, model: str) -> str | None:
    """A judge's agreement with the reference raters' mean beside the raters' own (tasks with
    ``truth.ratings``)."""
    raters = metrics.raters
    judge = raters.judges.get(model) if raters else None
    if judge is None or judge.mae is None:
        return None
    text = f"vs the {len(raters.raters)} reference raters' mean: MAE {judge.mae:.2f}"
    if judge.pearson_r is not None:
        text += f", r {judge.pearson_r:.2f}"
    text += f" over {judge.n} samples"
    human = raters.human_range or {}
    if human.get("mae") and None not in human["mae"]:
        lo, hi = human["mae"]
        where = "inside" if judge.inside_human_range else "outside"
        text += f"; each rater vs the others: MAE {lo:.2f}–{hi:.2f}, so {where} the human range"
    return text


FORMAT_HEADER = ["task a", "task b", "judge", "language", "MAE a − b", "95% CI", "p", "p (Holm)", "cases"]
FORMAT_NOTE = ("Format effect: the same cases (pair_id) in two tasks; per case |error| in a minus in b, "
               "repeats averaged; bootstrap 95% CI over cases; sign-flip permutation p, Holm over the "
               "judges and languages of a pair of tasks. Negative: the judge errs less on task a.")


def format_effect_cells(metrics: RunMetrics) -> list[list[str]]:
    """One row per entry of ``format_effect`` (runs of two tasks sharing cases)."""
    return [[e.a, e.b, e.model, e.language, "–" if e.diff is None else f"{e.diff:+.2f}",
             "–" if not e.ci or None in e.ci else f"[{e.ci[0]:+.2f}, {e.ci[1]:+.2f}]",
             _p(e.p), _p(e.p_holm), str(e.n)]
            for e in metrics.format_effect]
