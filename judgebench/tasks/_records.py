"""Typed records for tasks and their samples."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ..scales import Scale

Mode = Literal["pointwise", "pairwise"]


@dataclass(frozen=True)
class Turn:
    role: str
    """Who speaks (``clinician``, ``patient``, ``assistant``...); shown to the judge as is."""
    text: str


@dataclass(frozen=True)
class Sample:
    """One dialogue with its ground truth."""

    id: str
    pair_id: str
    """The same case (persona) across languages."""
    language: str
    turns: tuple[Turn, ...]
    true_total: int
    true_items: tuple[int, ...] | None = None
    true_items_range: tuple[tuple[int, int], ...] | None = None
    """Per item, the plausible ``(lo, hi)`` given the text (``truth.items_range``)."""
    hidden_items: tuple[int, ...] | None = None
    """1-based items the text never evidences (``truth.hidden_items``)."""
    true_ratings: tuple[tuple[str, tuple[int, ...]], ...] | None = None
    """Other raters' item vectors, ``(rater, items)`` (``truth.ratings``)."""
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def arm(self) -> str | None:
        """``meta.arm`` (``baseline``, ``translated``, ``localized``) when the task has arms."""
        arm = self.meta.get("arm")
        return arm if isinstance(arm, str) else None

    def to_json(self) -> dict[str, Any]:
        """The docs/contract.md §1 form of the sample."""
        truth: dict[str, Any] = {"total": self.true_total}
        if self.true_items is not None:
            truth["items"] = list(self.true_items)
        if self.true_items_range is not None:
            truth["items_range"] = [list(r) for r in self.true_items_range]
        if self.hidden_items is not None:
            truth["hidden_items"] = list(self.hidden_items)
        if self.true_ratings is not None:
            truth["ratings"] = [{"rater": r, "items": list(v)} for r, v in self.true_ratings]
        out: dict[str, Any] = {
            "id": self.id,
            "pair_id": self.pair_id,
            "language": self.language,
            "turns": [{"role": t.role, "text": t.text} for t in self.turns],
            "truth": truth,
        }
        if self.meta:
            out["meta"] = self.meta
        return out


@dataclass(frozen=True)
class Task:
    """A named, validated set of samples plus how to judge them."""

    name: str
    description: str
    scale: Scale
    baseline_language: str
    mode: Mode
    samples: tuple[Sample, ...]
    source: Path
    prompt_template: str | None = None
    """A custom prompt template (text), or None for the built-in prompt."""

    @cached_property
    def content_hash(self) -> str:
        """sha256 over the samples and judging settings: runs of equal hash are comparable."""
        payload = {
            "scale": self.scale.name,
            "mode": self.mode,
            "baseline_language": self.baseline_language,
            "samples": [s.to_json() for s in self.samples],
        }
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()

    @property
    def languages(self) -> list[str]:
        return sorted({s.language for s in self.samples})

    @property
    def arms(self) -> list[str]:
        return sorted({s.arm for s in self.samples if s.arm})

    def select(
        self,
        *,
        languages: list[str] | None = None,
        arms: list[str] | None = None,
        limit: int | None = None,
    ) -> Task:
        """A subset of the task. ``limit`` keeps N cases (pair_ids) spread evenly over the range
        of true totals (see ``spread_cases``), in every selected language, so a small run still
        sees every severity band and cross-language consistency stays computable. Selecting
        arms always keeps the baseline language, which the other languages are compared with."""
        samples = list(self.samples)
        if languages:
            wanted = set(languages)
            samples = [s for s in samples if s.language in wanted]
        if arms:
            wanted_arms = set(arms)
            samples = [
                s for s in samples
                if s.arm in wanted_arms or s.language == self.baseline_language
            ]
        if limit is not None:
            chosen = spread_cases(samples, limit)
            samples = [s for s in samples if s.pair_id in chosen]
        return replace(self, samples=tuple(samples))


def spread_cases(samples: list[Sample], n: int) -> set[str]:
    """``n`` pair_ids spread over the severity range, deterministically.

    Cases are ordered by their true total (ties by first appearance in the file) and the ones at
    the evenly spaced quantiles ``(i + 0.5) / n`` are taken: ``--limit 5`` on the bundled tasks
    gives one case per PHQ-9 band. Linear in the number of samples.
    """
    first: dict[str, tuple[int, int]] = {}
    for i, s in enumerate(samples):
        first.setdefault(s.pair_id, (s.true_total, i))
    ordered = sorted(first, key=lambda pid: first[pid])
    if n >= len(ordered):
        return set(ordered)
    return {ordered[int((i + 0.5) * len(ordered) / n)] for i in range(n)}


@dataclass(frozen=True)
class Pair:
    """Two samples of one language shown together in pairwise mode; ``a`` is shown first."""

    a: Sample
    b: Sample

    @property
    def id(self) -> str:
        return f"{self.a.id}|{self.b.id}"

    @property
    def language(self) -> str:
        return self.a.language

    @property
    def arm(self) -> str | None:
        return self.a.arm


def pair_questions(task: Task) -> list[Pair]:
    """Every unordered pair of samples within a language (and arm), asked in both orders, so
    position bias can be measured: n samples give n(n-1) questions (12 -> 132)."""
    groups: dict[tuple[str, str | None], list[Sample]] = {}
    for s in task.samples:
        groups.setdefault((s.language, s.arm), []).append(s)
    out = []
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                out += [Pair(a, b), Pair(b, a)]
    return out
