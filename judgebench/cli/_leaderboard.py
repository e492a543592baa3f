"""`judgebench leaderboard RUN_DIR...`."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class RankBy(str, Enum):
    point = "point"
    expected = "expected"


class BoardFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"
    html = "html"


def _records(paths: list[Path], labels: list[str]) -> dict[str, list[dict]]:
    """The judgments of every run given as a directory (paired rank intervals need them)."""
    from ..results import RunStore

    return {label: list(RunStore(p).iter_records()) for p, label in zip(paths, labels) if p.is_dir()}


def leaderboard(
    runs: Annotated[list[Path], typer.Argument(help="Run directories (or metrics.json files) to rank together.")],
    format: Annotated[BoardFormat, typer.Option("--format", "-f", help="table (default), markdown, csv, json or html.")] = BoardFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    allow_mixed: Annotated[bool, typer.Option("--allow-mixed", help="Rank runs of different tasks or prompts together anyway.")] = False,
    rank_by: Annotated[RankBy, typer.Option("--rank-by", help="point (default): MAE of the predicted total. expected: MAE of the expected total of --scoring logprob|sample runs (judges without one rank last).")] = RankBy.point,
) -> None:
    """Rank judges across runs by MAE of the predicted total (lower is better), with per-language
    MAE, the mean and worst cross-language gap, coverage (share of judgments scored) and cost;
    runs with probability-weighted scores add the MAE of the expected total and the Brier score
    at the cut-off (--rank-by expected ranks by the former).

    Given run directories, judges are also compared paired on the samples all of them scored:
    a bootstrap 95% interval of each rank, and "≈ best" on judges not significantly worse than
    the best (sign-flip permutation test, Holm-adjusted)."""
    from .. import reports

    loaded = [(p.name if p.is_dir() else p.parent.name, reports.load_run_metrics(p)) for p in runs]
    if not allow_mixed:
        reports.check_same_task(loaded)
    from ._console import check_output

    check_output(output)
    rows = reports.leaderboard_rows(loaded, rank_by=rank_by.value,
                                    records=_records(runs, [label for label, _ in loaded]))
    header, cells = reports.leaderboard_cells(rows)
    if format == BoardFormat.table:
        from rich.table import Table

        from ._console import cell, stdout_console

        pairwise = bool(rows) and "accuracy" in rows[0]
        title = ("judgebench leaderboard (ranked by accuracy without ties, higher is better)" if pairwise
                 else "judgebench leaderboard (ranked by MAE of the expected total, lower is better)"
                 if rank_by == RankBy.expected else "judgebench leaderboard (ranked by MAE, lower is better)")
        table = Table(*header, title=title)
        for row in cells:
            table.add_row(*map(cell, row))
        console = stdout_console(record=output is not None)
        console.print(table)
        if output:
            output.write_text(console.export_text(), encoding="utf-8")
        return
    pairwise = bool(rows) and "accuracy" in rows[0]
    ranking = ("Ranked by accuracy without ties (higher is better), then position consistency."
               if pairwise else ("Ranked by MAE of the expected total (lower is better), then MAE, mean |gap|, coverage."
               if rank_by == RankBy.expected else
               "Ranked by MAE of the predicted total (lower is better), then mean |gap|, then coverage.")
               + (f" Rank 95% CI: bootstrap over the cases of the {rows[0]['n_common']} samples every judge scored; "
                  "≈ best: not significantly worse than the best (paired sign-flip permutation test, Holm)."
                  if rows and rows[0].get("n_common") is not None else ""))
    if format == BoardFormat.markdown:
        prov = loaded[0][1].provenance if loaded else None
        tasks = (", ".join(str(t.get("name")) for t in prov.tasks) if prov else "") or "?"
        text = (f"# judgebench leaderboard\n\nTask `{tasks}`, prompt `{prov.prompt_hash if prov else None}`; "
                f"runs: {', '.join(label for label, _ in loaded)}.\n\n" + reports.markdown(header, cells) + (
            f"\n{ranking} " + ("" if pairwise else
            "`mean |gap|`: mean over languages of |mean pred(language) − pred(baseline)| per case; ")
            + "coverage: share of judgments scored.\n"))
    elif format == BoardFormat.json:
        primary = "accuracy" if pairwise else "expected_mae" if rank_by == RankBy.expected else reports.PRIMARY
        text = json.dumps({"primary_metric": primary, "rows": rows},
                          indent=2, ensure_ascii=False) + "\n"
    elif format == BoardFormat.csv:
        text = reports.csv_text(header, cells)
    else:
        text = reports.html_page("judgebench leaderboard", reports.html_table(header, cells)
                                 + f"<p class='note'>{ranking}</p>")
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
