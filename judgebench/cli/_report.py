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


def load_metrics(run_dir: Path) -> dict:
    from ..results import METRICS_FILE, read_json

    path = run_dir / METRICS_FILE if run_dir.is_dir() else run_dir
    if not path.exists():
        raise InputError(f"{run_dir}: no {METRICS_FILE}; pass a run directory written by `judgebench run`")
    metrics = read_json(path)
    if not isinstance(metrics, dict) or "models" not in metrics:
        raise InputError(f"{path}: not a judgebench metrics file (no 'models' key)")
    return metrics


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (or its metrics.json).")],
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="table (default), markdown, json or html.")] = ReportFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """One run's metrics per model, overall and per language, with the cross-language gaps."""
    from .. import reports

    metrics = load_metrics(run_dir)
    if format == ReportFormat.table:
        from rich.console import Console

        console = Console(record=output is not None, width=150 if output else None)
        if not console.is_terminal:
            console.width = max(console.width, 150)
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
