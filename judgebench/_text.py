"""Text from data and servers made safe for a terminal (shared by reports and the CLI)."""

from __future__ import annotations


def terminal_safe(text: object, *, newlines: bool = False) -> str:
    """Control characters (terminal escape sequences) shown as ``\\xNN`` instead of obeyed;
    line breaks kept only when ``newlines``."""
    return "".join(c if c.isprintable() or c == "\t" or (newlines and c == "\n") else f"\\x{ord(c):02x}"
                   for c in str(text))
