"""`judgebench check RUN_DIR --baseline PATH`: the CI regression gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import RegressionFound


def check(
    run_dir: Annotated[Path, typer.Argument(help="The run to check (a run directory or its metrics.json).")],
    baseline: Annotated[Path, typer.Option("--baseline", "-b", help="The baseline run directory or metrics.json to hold it to.")],
    config: Annotated[Optional[Path], typer.Option("--config", help="YAML tolerances (per metric absolute/relative, per-language gap limits). Default: built-in tolerances, see README.")] = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Also write JUnit XML here for CI systems.")] = None,
    allow_different_task: Annotated[bool, typer.Option("--allow-different-task", help="Compare even if the task content differs.")] = False,
    allow_different_prompt: Annotated[bool, typer.Option("--allow-different-prompt", help="Compare even if the prompt differs.")] = False,
    allow_different_judge: Annotated[bool, typer.Option("--allow-different-judge", help="Compare even if the judges differ (e.g. a candidate model against the baseline model).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """CI regression gate: hold a run to a baseline run (or metrics file) within tolerances.

    Exit 0 if no metric moved beyond its tolerance, 1 on a regression (the metrics that
    regressed are named), 2 on bad or incomparable input (different task, prompt or judge)."""
    from ..gate import DEFAULT, compare, junit_xml, load_gate_config
    from ..reports import load_run_metrics

    # Validated as metrics documents first (a damaged file is exit 2 naming the field); the gate
    # itself compares the JSON form, addressed by the dotted paths of the tolerances file.
    current = load_run_metrics(run_dir).to_json()
    base = load_run_metrics(baseline).to_json()
    cfg = load_gate_config(config) if config else DEFAULT
    allow = {name for name, flag in (("task", allow_different_task), ("prompt", allow_different_prompt),
                                     ("judge", allow_different_judge)) if flag}
    checks = compare(current, base, cfg, allow=allow)
    failed = [c for c in checks if not c.passed]
    if junit:
        junit.write_text(junit_xml(checks), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps({"passed": not failed, "checks": [c.to_json() for c in checks]}, indent=2))
    else:
        from rich.table import Table

        from ._console import cell, esc, stdout_console

        console = stdout_console()
        moved = [c for c in checks if not c.passed or (c.delta not in (None, 0.0))]
        table = Table("model", "scope", "metric", "baseline", "run", "Δ", "allowed", "", title="what moved")
        fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        for c in sorted(moved, key=lambda c: c.passed):
            table.add_row(cell(c.model), cell(c.scope), cell(c.metric), fmt(c.baseline), fmt(c.current),
                          "–" if c.delta is None else f"{c.delta:+.3f}", fmt(c.allowed),
                          "[green]ok[/]" if c.passed else f"[red]REGRESSION[/] {esc(c.note)}".strip())
        if moved:
            console.print(table)
        console.print(f"{len(checks)} checks, {len(failed)} regressions against {esc(baseline)}")
    if failed:
        names = sorted({f"{c.metric} ({c.scope})" for c in failed})
        raise RegressionFound(f"{len(failed)} regression(s): {', '.join(names)}")
