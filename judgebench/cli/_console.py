"""Consoles for command output."""

from __future__ import annotations


def stdout_console(*, record: bool = False):
    """A rich console on stdout; when piped or captured it stays wide enough for our tables
    instead of folding them to 80 columns."""
    from rich.console import Console

    console = Console(record=record)
    if record or not console.is_terminal:
        console.width = max(console.width, 200)
    return console
