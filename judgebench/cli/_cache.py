"""`judgebench cache info | clear`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(help="Inspect or clear the response cache.", no_args_is_help=True)

CacheDir = Annotated[
    Optional[Path],
    typer.Option("--cache-dir", help="Cache directory (default $JUDGEBENCH_CACHE_DIR or ~/.cache/judgebench)."),
]


@app.command("info")
def info(
    cache_dir: CacheDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Where the cache is, how many answers it holds and its size."""
    from ..runner import cache_stats, default_cache_dir

    stats = cache_stats(cache_dir or default_cache_dir())
    if as_json:
        typer.echo(json.dumps(stats))
    else:
        typer.echo(f"{stats['directory']}: {stats['entries']} cached answers, {stats['size_bytes'] / 1e6:.1f} MB")


@app.command("clear")
def clear(cache_dir: CacheDir = None) -> None:
    """Delete every cached answer (the next run asks the judges again)."""
    from ..runner import clear_cache, default_cache_dir

    d = cache_dir or default_cache_dir()
    n = clear_cache(d)
    typer.echo(f"{d}: removed {n} cached answers")
