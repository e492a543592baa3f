"""Reading the YAML files users write (models, personas, tolerances), with errors that point at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InputError


def read_yaml(path: Path, what: str, *, error: type[InputError] = InputError) -> Any:
    """Parsed YAML, or ``error`` naming the file, the line and what to fix."""
    return read_yaml_with_lines(path, what, error=error)[0]


def read_yaml_with_lines(path: Path, what: str, *, error: type[InputError] = InputError) -> tuple[Any, dict[str, int]]:
    """Parsed YAML and the line of each top-level key, so later checks can point at a line."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as e:
        raise error(f"{path}: cannot read {what}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: {what} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise error(f"{path}{line}: invalid YAML in {what}: {getattr(e, 'problem', None) or e}") from None
    node = yaml.compose(text) if isinstance(data, dict) else None
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)} if node else {}
    return data, lines
