"""Persona files for `judgebench generate`: who the dialogue is about, with known severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._yaml import read_yaml
from ..errors import InputError
from ..scales import Scale, get_scale

_KEYS = {"id", "scale", "items", "total", "age", "gender", "occupation", "situation", "nationality",
         "name", "symptoms", "notes"}


@dataclass(frozen=True)
class Persona:
    id: str
    """Becomes the samples' pair_id: every version of this persona shares it."""
    scale: Scale
    total: int
    items: tuple[int, ...] | None
    details: dict[str, Any] = field(default_factory=dict, hash=False)
    """Demographics and free-text symptom notes, passed to the generator as given."""


def load_personas(path: Path) -> list[Persona]:
    """Read a YAML file ``personas: [...]`` (or a JSON list). Every problem is reported at once."""
    data = read_yaml(path, "persona file")
    entries = data.get("personas") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: expected 'personas:' with a list of personas (see README, 'Generating dialogues')")
    problems: list[str] = []
    out: list[Persona] = []
    seen: set[str] = set()
    for i, p in enumerate(entries):
        where = f"{path}: personas[{i}]"
        if not isinstance(p, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        for k in p:
            if k not in _KEYS:
                problems.append(f"{where}.{k}: unknown key; known: {', '.join(sorted(_KEYS))}")
        pid = p.get("id")
        if not isinstance(pid, str) or not pid.strip():
            problems.append(f"{where}.id: required, a non-empty string")
            continue
        if pid in seen:
            problems.append(f"{where}.id: {pid!r} used twice")
        seen.add(pid)
        try:
            scale = get_scale(str(p.get("scale", "phq9")))
        except InputError as e:
            problems.append(f"{where}.scale: {e}")
            continue
        items = p.get("items")
        total = p.get("total")
        if items is not None:
            if (not isinstance(items, list) or len(items) != scale.n_items
                    or not all(isinstance(v, int) and 0 <= v <= scale.item_max for v in items)):
                problems.append(f"{where}.items: must be {scale.n_items} integers in 0..{scale.item_max}")
                continue
            if total is not None and total != sum(items):
                problems.append(f"{where}.total: {total} does not equal the sum of items ({sum(items)})")
                continue
            total = sum(items)
        if not isinstance(total, int) or not 0 <= total <= scale.max_total:
            problems.append(f"{where}: give items, or a total in 0..{scale.max_total}")
            continue
        details = {k: v for k, v in p.items() if k not in ("id", "scale", "items", "total")}
        out.append(Persona(pid, scale, total, tuple(items) if items is not None else None, details))
    if problems:
        raise InputError(problems)
    return out
