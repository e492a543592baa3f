"""The command line: parses options, calls the library, formats output, sets exit codes.

Exit codes are decided here and only here (docs/contract.md §3): 0 done, 1 a threshold was
crossed (error rate, regression), 2 bad input or usage, 3 an unexpected internal failure (one
line; ``JUDGEBENCH_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import os
import sys

import typer

from ..errors import InputError, JudgebenchError
from . import _batches, _cache, _check, _generate, _leaderboard, _report, _run, _tasks
from ._console import terminal_safe as _terminal_safe

app = typer.Typer(
    name="judgebench",
    help="Measure how well LLM judges rate depression severity (PHQ-9) from conversations, "
    "in many languages, and whether they rate the same case the same way in every language.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: importing rich's help renderer doubles start-up
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("run")(_run.run)
app.command("report")(_report.report)
app.command("leaderboard")(_leaderboard.leaderboard)
app.command("check")(_check.check)
app.command("generate")(_generate.generate)
app.command("batches")(_batches.batches)
app.add_typer(_tasks.app, name="tasks")
app.add_typer(_cache.app, name="cache")


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"judgebench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Measure LLM judges of depression severity across languages."""


def main() -> None:
    debug = os.environ.get("JUDGEBENCH_DEBUG") == "1"
    try:
        app()
    except JudgebenchError as e:
        if debug:
            raise
        prefix = "error" if isinstance(e, InputError) else "failed"
        for line in str(e).splitlines() or [type(e).__name__]:
            print(f"{prefix}: {_terminal_safe(line)}", file=sys.stderr)
        sys.exit(e.exit_code)
    except Exception as e:  # noqa: BLE001 - the one place an unexpected failure becomes exit 3
        if debug:
            raise
        what = " ".join(str(e).split())[:300] or "no message"
        print(f"failed: internal error ({type(e).__name__}: {_terminal_safe(what)}); "
              "run again with JUDGEBENCH_DEBUG=1 for the traceback", file=sys.stderr)
        sys.exit(3)
