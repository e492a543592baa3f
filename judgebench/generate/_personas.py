"""Persona files for `judgebench generate`: who the dialogue is about, with known severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..scales import Scale, get_scale



@dataclass(frozen=True)
class Persona:
    id: str
    """Becomes the samples' pair_id: every version of this persona shares it."""
    scale: Scale
    total: int
    items: tuple[int, ...] | None
    details: dict[str, Any] = field(default_factory=dict, hash=False)
    """Demographics and free-text symptom notes, passed to the generator as given."""


def _schema():
    """The persona file as pydantic models (built on first use)."""
    from typing import Union

    from pydantic import Field

    from .._config import Strict

    class PersonaSpec(Strict):
        id: str = Field(min_length=1, description="Becomes the pair_id of every version of this persona.")
        scale: str = "phq9"
        items: list[int] | None = None
        total: int | None = None
        age: int | None = None
        gender: str | None = None
        occupation: str | None = None
        situation: str | None = None
        nationality: str | None = None
        name: str | None = None
        symptoms: Union[str, list[str], None] = None
        notes: str | None = None

    class File(Strict):
        personas: list[PersonaSpec] = Field(min_length=1)

    return File


def load_personas(path: Path) -> list[Persona]:
    """Read a YAML file ``personas: [...]``. Every problem is reported at once, with its line."""
    from .._config import load_config

    spec, lines = load_config(_schema(), path, "persona file")
    problems: list[str] = []
    out: list[Persona] = []
    seen: set[str] = set()
    for i, p in enumerate(spec.personas):
        def bad(field: str, message: str) -> None:
            key = f"personas[{i}].{field}" if field else f"personas[{i}]"
            problems.append(f"{path}:{lines.get(key, lines.get(f'personas[{i}]', 1))}: {key}: {message}")

        if p.id in seen:
            bad("id", f"{p.id!r} used twice")
        seen.add(p.id)
        try:
            scale = get_scale(p.scale)
        except InputError as e:
            bad("scale", str(e))
            continue
        total = p.total
        if p.items is not None:
            if len(p.items) != scale.n_items or not all(0 <= v <= scale.item_max for v in p.items):
                bad("items", f"must be {scale.n_items} integers in 0..{scale.item_max}")
                continue
            if total is not None and total != sum(p.items):
                bad("total", f"{total} does not equal the sum of items ({sum(p.items)})")
                continue
            total = sum(p.items)
        if total is None or not 0 <= total <= scale.max_total:
            bad("", f"give items, or a total in 0..{scale.max_total}")
            continue
        details = p.model_dump(exclude_none=True, exclude={"id", "scale", "items", "total"})
        out.append(Persona(p.id, scale, total, tuple(p.items) if p.items is not None else None, details))
    if problems:
        raise InputError(problems)
    return out
