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
    """One run's metrics per model, overall and per language, with the cross-language gaps."""
    from .. import reports
    from ..results import load_metrics

    metrics = load_metrics(run_dir)
    if format == ReportFormat.table:
        from ._console import stdout_console

        console = stdout_console(record=output is not None)
        for table in reports.rich_tables(metrics, title=f"run {metrics.get('run_id')}"):
            console.print(table)
        if output:
            output.write_text(console.export_text(), encoding="utf-8")
        return
    if format == ReportFormat.html:
        raise InputError("--format html is not available yet; use table, markdown or json")
    text = reports.markdown_table(metrics) if format == ReportFormat.markdown else reports.json_report(metrics)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
