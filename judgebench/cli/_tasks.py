"""`judgebench tasks list | validate | export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import TaskError

app = typer.Typer(help="List, validate and export tasks.", no_args_is_help=True)


@app.command("list")
def list_tasks(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the bundled tasks with their languages, arms and sample counts."""
    from ..tasks import bundled_task_names, load_task

    rows = []
    for name in bundled_task_names():
        t = load_task(name)
        rows.append({
            "name": t.name, "description": t.description, "scale": t.scale.name, "mode": t.mode,
            "n_samples": len(t.samples), "n_cases": len({s.pair_id for s in t.samples}),
            "languages": t.languages, "arms": t.arms, "baseline_language": t.baseline_language,
        })
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    from ._console import cell, esc, stdout_console

    table = Table("task", "samples", "cases", "languages", "arms", "scale", "mode")
    for r in rows:
        table.add_row(*map(cell, (r["name"], r["n_samples"], r["n_cases"], " ".join(r["languages"]),
                                  " ".join(r["arms"]) or "–", r["scale"], r["mode"])))
    console = stdout_console()
    console.print(table)
    for r in rows:
        console.print(f"[bold]{esc(r['name'])}[/]: {esc(r['description'])}")


@app.command("validate")
def validate(
    paths: Annotated[list[str], typer.Argument(help="Task files (.jsonl), task directories or bundled task names.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Check tasks against the schema. Prints every problem as file:line: field: message; exit 2 if any."""
    from ..tasks import load_task

    problems: list[str] = []
    summaries = []
    for p in paths:
        try:
            t = load_task(p)
            summaries.append({"task": p, "ok": True, "n_samples": len(t.samples), "languages": t.languages})
        except TaskError as e:
            problems.extend(e.problems)
            summaries.append({"task": p, "ok": False, "problems": e.problems})
    if as_json:
        typer.echo(json.dumps(summaries, indent=2, ensure_ascii=False))
        if problems:
            raise typer.Exit(2)
        return
    if problems:
        raise TaskError(problems)
    for s in summaries:
        typer.echo(f"ok: {s['task']}: {s['n_samples']} samples in {', '.join(s['languages'])}")


@app.command("export")
def export(
    task: Annotated[str, typer.Argument(help="A bundled task name, a task directory or a .jsonl file.")],
    language: Annotated[list[str], typer.Option("--language", "-l", help="Only these languages (repeatable).")] = [],
    arm: Annotated[list[str], typer.Option("--arm", help="Only these arms (repeatable); the baseline language is kept.")] = [],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Print a task's samples as JSONL in the docs/contract.md §1 schema."""
    from ..tasks import load_task

    t = load_task(task).select(languages=language or None, arms=arm or None)
    text = "".join(json.dumps(s.to_json(), ensure_ascii=False) + "\n" for s in t.samples)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
