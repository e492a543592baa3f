"""`judgebench batches RUN_DIR [--cancel] [--json]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def batches(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `judgebench run --batch`.")],
    cancel: Annotated[bool, typer.Option("--cancel", help="Ask the provider to cancel this run's batches that are still in flight. Rerunning the run afterwards keeps the lines they completed and asks for the rest directly.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List a run's provider batches (id, judge, status, counts), asking the provider for the
    status of those not yet collected; --cancel cancels those in flight."""
    from ..runner import list_batches
    from ._console import cell, stdout_console

    rows = list_batches(run_dir, cancel=cancel)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("batch", "judge", "status", "requests", "completed", "failed", "created", "collected",
                  title=f"batches of {run_dir}")
    for r in rows:
        status = r["status"] + (f" ({r['note']})" if r.get("note") else "")
        table.add_row(cell(r["batch_id"] or "(not created)"), cell(r["judge"]), cell(status), str(r["requests"]),
                      str(r["completed"]), str(r["failed"]), cell(r["created_at"] or ""), cell(r["collected_at"] or "–"))
    stdout_console().print(table)
