"""Render metric rows as a rich table, Markdown or JSON (all from the same rows)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ._compare import (
    COMPARISON_HEADER, COMPARISON_NOTE, FORMAT_HEADER, FORMAT_NOTE, comparison_cells, equivalence_lines,
    format_effect_cells, panel_line, rater_line,
)
from ._formats import markdown, one_line
from ._rows import columns_for, cutoff_of, fmt, metric_rows, undefined_notes, usage_line

if TYPE_CHECKING:
    from ..metrics import RunMetrics


def rich_tables(metrics: RunMetrics, *, title: str | None = None) -> list:
    """One table per model: overall first, then each language."""
    from rich.table import Table
    from rich.text import Text

    from .._text import terminal_safe

    def plain(value: Any) -> Text:
        # names, languages and reasons come from data and servers: never parsed as markup or
        # sent to the terminal as escape sequences
        return Text(terminal_safe(value, newlines=True))

    base = metrics.baseline_language
    tables = []
    rows = metric_rows(metrics)
    for model in dict.fromkeys(r["model"] for r in rows):
        same = [f"rated as in {base}? {line}" for line in equivalence_lines(metrics, model)]
        caption = "\n".join(x for x in [panel_line(metrics, model), rater_line(metrics, model),
                                         usage_line(metrics, model), *same,
                                         *undefined_notes(metrics, model)] if x)
        table = Table(title=plain(f"{title + ' · ' if title else ''}{model}"), header_style="bold", title_justify="left",
                      caption=plain(caption) if caption else None, caption_justify="left")
        for key, label in columns_for(metrics):
            label = label.replace("base", base)
            table.add_column(plain(label), justify="left" if key == "language" else "right", no_wrap=True)
        for row in (r for r in rows if r["model"] == model):
            style = "bold" if row["language"] == "overall" else None
            table.add_row(*(plain(fmt(k, row[k])) for k, _ in columns_for(metrics)), style=style)
        tables.append(table)
    for header, note, title, cells, n_text in _extra_tables(metrics):
        table = Table(title=title, title_justify="left", header_style="bold",
                      caption=plain(note), caption_justify="left")
        for i, label in enumerate(header):
            table.add_column(label, justify="left" if i < n_text or label == "test" else "right")
        for row in cells:
            table.add_row(*map(plain, row))
        tables.append(table)
    return tables


def _extra_tables(metrics: RunMetrics) -> list[tuple[list[str], str, str, list[list[str]], int]]:
    """(header, note, title, cells, number of text columns) of the tables after the per-language
    ones, when they have rows."""
    return [t for t in [
        (COMPARISON_HEADER, COMPARISON_NOTE, "judges compared paired", comparison_cells(metrics), 3),
        (FORMAT_HEADER, FORMAT_NOTE, "format effect", format_effect_cells(metrics), 4),
    ] if t[3]]


def markdown_table(metrics: RunMetrics) -> str:
    base = metrics.baseline_language
    cols = [("model", "model"), *columns_for(metrics)]
    header = [label.replace("base", base) for _, label in cols]
    rows = [[fmt(k, row[k]) for k, _ in cols] for row in metric_rows(metrics)]
    note = "" if metrics.mode == "pairwise" else (
        f"\ngap vs {base}: mean of pred(language) − pred({base}) over cases judged in both, "
        f"with a bootstrap 95% CI resampling cases. AUC≥{cutoff_of(metrics)}: AUC of the predicted total for "
        f"true total ≥ {cutoff_of(metrics)}. Rates are shares of all judgments.\n"
    )
    usage = [f"- {m}: {line}" for m in metrics.models for f in (panel_line, rater_line)
             if (line := f(metrics, m))]
    usage += [f"- {m}: {line}" for m in metrics.models if (line := usage_line(metrics, m))]
    usage += [f"- {m}: {note}" for m in metrics.models for note in undefined_notes(metrics, m)]
    usage += [f"- warning: {w}" for w in metric_warnings(metrics)]
    same = [f"- {m}: {line}" for m in metrics.models for line in equivalence_lines(metrics, m)]
    # names and languages come from data: one bullet stays one line, whatever they hold
    usage, same = [one_line(x) for x in usage], [one_line(x) for x in same]
    text = markdown(header, rows) + note + ("\nUsage and undefined values:\n" + "\n".join(usage) + "\n" if usage else "")
    if same:
        text += (f"\nRated the same as in {base}? Equivalence (TOST) of each language's gaps against the margin:\n"
                 + "\n".join(same) + "\n")
    for header, note, title, cells, n_text in _extra_tables(metrics):
        text += f"\n{title.capitalize()}:\n\n" + markdown(header, cells, right_from=n_text) + "\n" + note + "\n"
    return text


def json_report(metrics: RunMetrics) -> str:
    return json.dumps({"rows": metric_rows(metrics), "metrics": metrics.to_json()}, indent=2, ensure_ascii=False) + "\n"


def metric_warnings(metrics: RunMetrics) -> list[str]:
    """What a reader of the numbers must know: judges that answer the same to everyone, parser
    flags (metrics.json ``models.<m>.answers``)."""
    from ..metrics import answer_warnings

    return [w for model, block in metrics.models.items() for w in answer_warnings(model, block.answers)]


def summary_warnings(metrics: RunMetrics, summary: dict[str, Any]) -> list[str]:
    """``metric_warnings`` plus the most common reasons judgments went unscored in a run."""
    out = metric_warnings(metrics)
    reasons = summary.get("reasons") or []
    if reasons:
        unscored = sum(r["n"] for r in summary.get("all_reasons", reasons))
        top = "; ".join(f"{r['n']}× {r['status']}: {r['reason']}" for r in reasons[:3])
        out.append(f"{unscored} of {summary['judgments']} judgments unscored; most common: {top}")
    return out

