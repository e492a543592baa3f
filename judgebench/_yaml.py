"""Reading the YAML files users write (models, personas, tolerances), with errors that point at them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_ALIASES = 50
"""YAML aliases allowed in one file: config files need few; alias bombs need many."""


def _loader():
    """A safe loader with a nesting limit, so a deeply nested file is an error, not a crash."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            self._depth = getattr(self, "_depth", 0) + 1
            try:
                if self._depth > 100:
                    raise yaml.YAMLError("nested more than 100 levels deep")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return Loader


def read_yaml_with_paths(path: Path, what: str, *, error: type[InputError] = InputError) -> tuple[Any, dict[str, int]]:
    """Parsed YAML and the line of every key path in it (``judges.a.timeout``, ``data[1]``), so a
    problem deep in a file still points at its line; ``error`` naming the file, the line and what
    to fix when it cannot be read. The file is read and parsed once."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        if text.count("*") and len(re.findall(r"(?<![\w*])\*[\w-]+", text)) > MAX_ALIASES:
            # each alias can expand to everything before it: a 1 kB file becomes gigabytes
            raise error(f"{path}: {what} uses more than {MAX_ALIASES} YAML aliases (*name); write the values out")
        loader = _loader()(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except OSError as e:
        raise error(f"{path}: cannot read {what}: {e.strerror}") from None
    except RecursionError:
        raise error(f"{path}: {what} is nested too deeply") from None
    except UnicodeDecodeError:
        raise error(f"{path}: {what} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise error(f"{path}{line}: invalid YAML in {what}: {getattr(e, 'problem', None) or e}") from None
    lines: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    name = f"{prefix}.{key.value}" if prefix else str(key.value)
                    lines.setdefault(name, key.start_mark.line + 1)
                    walk(value, name)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                name = f"{prefix}[{i}]"
                lines.setdefault(name, value.start_mark.line + 1)
                walk(value, name)

    walk(node, "")
    return data, lines
