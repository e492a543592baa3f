"""The self-contained HTML report of one run: tables plus the plots people would rather look at."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scales import Scale, get_scale
from . import _plots
from ._compare import (
    COMPARISON_HEADER, COMPARISON_NOTE, FORMAT_HEADER, FORMAT_NOTE, comparison_cells, equivalence_lines,
    format_effect_cells, panel_line, rater_line,
)
from ._formats import html_page, html_table
from ._rows import columns_for, fmt, metric_rows, undefined_notes

if TYPE_CHECKING:
    from ..metrics import RunMetrics

# Marks each figure once the browser has decoded it, so a headless test can tell that the
# plots really render (not only that <img> tags exist).
_RENDER_CHECK = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.querySelectorAll('img.plot')];
  document.body.dataset.plots = imgs.length;
  document.body.dataset.plotsRendered = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
});
</script>"""


def _img(uri: str, alt: str) -> str:
    return f"<figure><img class='plot' src='{uri}' alt='{html.escape(alt)}'></figure>"


def _scale_of(metrics: RunMetrics) -> Scale:
    d = metrics.scale_def
    return Scale.from_json(d) if d else get_scale(metrics.scale or "phq9")


def html_report(metrics: RunMetrics, records: list[dict[str, Any]]) -> str:
    from ..metrics import per_pair, records_frame

    scale = _scale_of(metrics)
    base = metrics.baseline_language
    df = records_frame(records)
    parts = []
    prov = metrics.provenance
    tasks = (", ".join(str(t.get("name")) for t in prov.tasks) if prov else "") or "?"
    parts.append(f"<p class='note'>run <b>{html.escape(str(metrics.run_id))}</b> · task {html.escape(tasks)} · "
                 f"scale {html.escape(scale.display_name)} · baseline language {html.escape(base)} · "
                 f"prompt {html.escape(str(prov.prompt_hash if prov else None))}</p>")
    for model, block in metrics.models.items():
        mdf = df[df["model"] == model]
        langs = sorted(block.by_language)
        one = metrics.model_copy(update={"models": {model: block}})
        cols = columns_for(metrics)
        parts.append(f"<h2>{html.escape(model)}</h2>")
        parts.append(html_table([label.replace("base", base) for _, label in cols],
                                [[fmt(k, r[k]) for k, _ in cols] for r in metric_rows(one)]))
        for line in filter(None, (panel_line(metrics, model), rater_line(metrics, model))):
            parts.append(f"<p class='note'>{html.escape(line)}</p>")
        same = equivalence_lines(metrics, model)
        if same:
            parts.append(f"<p class='note'>Rated the same as in {html.escape(base)}? "
                         + "<br>".join(html.escape(line) for line in same) + "</p>")
        notes = undefined_notes(metrics, model)
        if notes:
            parts.append("<p class='note'>– " + "<br>– ".join(html.escape(n) for n in notes) + "</p>")
        if metrics.mode == "pairwise":
            continue  # the plots below are of predicted totals
        parts.append("<h3>Predicted vs true total</h3>" + _img(_plots.pred_vs_true(mdf, langs, scale.max_total), "predicted vs true"))
        if block.consistency:
            parts.append(f"<h3>Agreement with {html.escape(base)} (Bland–Altman)</h3>"
                         + _img(_plots.bland_altman(per_pair(mdf), block.consistency, base), "Bland-Altman"))
            parts.append("<h3>Signed gap per language</h3>" + _img(_plots.gap_bars(block.consistency, base), "signed gaps"))
            heat = _plots.item_shift_heatmap(block.consistency, base)
            if heat:
                parts.append("<h3>Per-item shift per language</h3>" + _img(heat, "per-item shift"))
        parts.append(f"<h3>ROC at ≥ {scale.cutoff}</h3>" + _img(_plots.roc_curves(mdf, langs, scale.cutoff), "ROC"))
        if block.overall.calibration is not None:
            parts.append(f"<h3>Calibration of P(total ≥ {scale.cutoff}) (reliability diagram)</h3>"
                         + _img(_plots.reliability_diagrams(block.by_language), "reliability diagram")
                         + "<p class='note'>Probabilities from the judge's token log-probabilities (or its repeats "
                         "with --scoring sample), items taken as independent; 10 equal-width bins, marker area by "
                         "judgments.</p>")
        parts.append("<h3>Band confusion</h3>"
                     + _img(_plots.band_heatmaps(mdf, langs, scale.band, scale.band_labels), "band confusion"))
        cov_rows = []
        for lang in ["overall", *langs]:
            m = block.overall if lang == "overall" else block.by_language[lang]
            cov_rows.append([lang, str(m.n), str(m.n_scored), fmt("parse_failure_rate", m.parse_failure_rate),
                             fmt("refusal_rate", m.refusal_rate), fmt("error_rate", m.error_rate)])
        parts.append("<h3>Coverage</h3>" + html_table(["language", "judgments", "scored", "parse failures", "refusals", "errors"], cov_rows))
    cells = comparison_cells(metrics)
    if cells:
        parts.append("<h2>Judges compared paired</h2>" + html_table(COMPARISON_HEADER, cells)
                     + f"<p class='note'>{html.escape(COMPARISON_NOTE)}</p>")
    cells = format_effect_cells(metrics)
    if cells:
        parts.append("<h2>Format effect</h2>" + html_table(FORMAT_HEADER, cells)
                     + f"<p class='note'>{html.escape(FORMAT_NOTE)}</p>")
    parts.append("<p class='note'>Synthetic dialogues for evaluating judges; not for clinical use. Gaps: mean of "
                 f"pred(language) − pred({html.escape(base)}) per case, repeats averaged, 95% bootstrap CI over cases.</p>")
    parts.append(_RENDER_CHECK)
    return html_page(f"judgebench report: {metrics.run_id}", "".join(parts))


def write_html_report(run_dir: Path, output: Path) -> Path:
    import importlib.util

    from ..errors import InputError
    from ..results import RunStore

    from ._load import load_run_metrics

    if importlib.util.find_spec("matplotlib") is None:
        raise InputError("--format html draws its plots with matplotlib, which is not installed: "
                         "pip install 'judgebench[report]'")
    metrics = load_run_metrics(run_dir)
    records = list(RunStore(run_dir).iter_records()) if run_dir.is_dir() else []
    output.write_text(html_report(metrics, records), encoding="utf-8")
    return output
