"""Reading the YAML files users write (models, personas, tolerances), with errors that point at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InputError


def read_yaml(path: Path, what: str) -> Any:
    """Parsed YAML, or an InputError naming the file, the line and what to fix."""
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read {what}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{line}: invalid YAML in {what}: {getattr(e, 'problem', None) or e}") from None
