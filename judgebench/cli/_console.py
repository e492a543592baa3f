"""Consoles for command output."""

from __future__ import annotations

from .._text import terminal_safe


def stdout_console(*, record: bool = False):
    """A rich console on stdout; when piped or captured it stays wide enough for our tables
    instead of folding them to 80 columns."""
    from rich.console import Console

    console = Console(record=record)
    if record or not console.is_terminal:
        console.width = max(console.width, 200)
    return console




def esc(text: object) -> str:
    """Text from data or the command line, safe inside a rich markup string: ``[/]`` in a
    language code, a path or a server's error is shown, not parsed."""
    from rich.markup import escape

    return escape(terminal_safe(text))


def cell(text: object):
    """A table cell that is never parsed as markup."""
    from rich.text import Text

    return Text(terminal_safe(text))


def check_output(path) -> None:
    """``--output`` must be writable where it points: say so before any work is done."""
    from ..errors import InputError

    if path is not None and not path.parent.is_dir():
        raise InputError(f"--output {path}: the directory {path.parent} does not exist; create it first")
    if path is not None and path.is_dir():
        raise InputError(f"--output {path}: is a directory; give a file name")
