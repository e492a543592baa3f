"""`judgebench report RUN_DIR`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError


class ReportFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"
    html = "html"


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (or its metrics.json).")],
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="table (default), markdown, json or html.")] = ReportFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """One run's metrics per model, overall and per language, with the cross-language gaps.

    --format html writes one self-contained page with plots (predicted vs true, Bland–Altman and
    signed gaps against the baseline language, ROC, band confusion, coverage) to --output or
    RUN_DIR/report.html."""
    from .. import reports

    from ._console import check_output

    check_output(output)
    metrics = reports.load_run_metrics(run_dir)
    if format == ReportFormat.table:
        from ._console import stdout_console

        console = stdout_console(record=output is not None)
        for table in reports.rich_tables(metrics, title=f"run {metrics.run_id}"):
            console.print(table)
        for line in reports.metric_warnings(metrics):
            console.print(f"warning: {line}", markup=False)
        if output:
            output.write_text(console.export_text(), encoding="utf-8")
        return
    if format == ReportFormat.html:
        if not run_dir.is_dir():
            raise InputError(f"{run_dir}: --format html needs the run directory (it plots samples.jsonl)")
        target = reports.write_html_report(run_dir, output or run_dir / "report.html")
        typer.echo(str(target))
        return
    text = reports.markdown_table(metrics) if format == ReportFormat.markdown else reports.json_report(metrics)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
