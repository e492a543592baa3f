"""One validation layer for the files users write (models file, task.yaml and its scale,
personas, tolerances): each is a pydantic model, and every problem, whichever file it is in, is
reported the same way, ``file:line: field: message``, all at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ._yaml import read_yaml_with_paths
from .errors import InputError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """A config section: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "union[", "literal[", "str", "int", "float", "bool", "dict[", "list[")):
            continue  # pydantic's names for the branch of a union, not a field
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = err.get("msg", "invalid")
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind not in ("value_error", "assertion_error") and "input" in err and not isinstance(err["input"], (dict, list)):
        return f"{err['input']!r}: {msg[:1].lower()}{msg[1:]}"
    return msg


def problems_of(error: ValidationError, path: Path | str, lines: dict[str, int], *, prefix: str = "") -> list[str]:
    """``file:line: field: message`` for every error pydantic found; the line is that of the
    deepest key of the field's path that the file has."""
    out = []
    for err in error.errors(include_url=False):
        field = _dotted(tuple(err["loc"]))
        full = f"{prefix}.{field}" if prefix and field else (prefix or field)
        line = 1
        probe = full
        while probe:
            if probe in lines:
                line = lines[probe]
                break
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        out.append(f"{path}:{line}: {full or '(file)'}: {_message(err)}")
    return out


def validate(model: type[M], data: Any, path: Path | str, lines: dict[str, int] | None = None, *,
             prefix: str = "", error: type[InputError] = InputError) -> M:
    """``data`` as ``model``, or ``error`` listing every problem as ``file:line: field: message``."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise error(problems_of(e, path, lines or {}, prefix=prefix)) from None


def load_config(model: type[M], path: Path, what: str, *, error: type[InputError] = InputError) -> tuple[M, dict[str, int]]:
    """Read a YAML config file and validate it; also returns the line of every key path."""
    data, lines = read_yaml_with_paths(path, what, error=error)
    return validate(model, data, path, lines, error=error), lines
