"""Turn a judge's text into a score or a typed failure (docs/contract.md §2). Never guesses a number."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Union

from .scales import Scale


@dataclass(frozen=True)
class Judgment:
    """A usable score."""

    total: int
    items: tuple[int, ...] | None
    flags: tuple[str, ...] = ()
    """Oddities that did not prevent scoring, e.g. ``total_mismatch`` (stated total != item sum)."""


@dataclass(frozen=True)
class Unparsed:
    """No usable score in the answer (status ``parse_error``)."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The judge declined to rate (status ``refusal``)."""

    reason: str


ParseResult = Union[Judgment, Unparsed, Refused]

# Phrases with which chat models decline; checked only when no score could be parsed, so a
# rationale that mentions "I can't be sure" next to a valid JSON answer is still scored.
_REFUSAL = re.compile(
    r"\b(I\s*(?:'m| am)\s+(?:sorry|unable|not able)|I\s+(?:can(?:'|no)t|cannot|won'?t|will not)"
    r"\s+(?:help|provide|assist|assess|rate|diagnose|do|comply|score|make)"
    r"|(?:not|n't)\s+(?:able|appropriate|qualified)\s+to\s+(?:provide|assess|rate|diagnose|make)"
    r"|as an ai\b|seek (?:immediate |professional )?help|crisis (?:line|hotline)"
    r"|mental health professional|suicide (?:and crisis )?(?:prevention )?(?:life)?line)",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```(?:json|JSON)?")


def json_objects(text: str):
    """Every JSON object embedded in the text, outermost first, tolerating fences and prose."""
    text = _FENCE.sub(" ", text)
    decoder = json.JSONDecoder()
    i = text.find("{")
    while i != -1:
        try:
            obj, end = decoder.raw_decode(text, i)
        except ValueError:  # not JSON here, or an integer too long for Python to convert
            i = text.find("{", i + 1)
            continue
        except RecursionError:
            return  # nested deeper than Python's parser goes: no judge answers like that
        if isinstance(obj, dict):
            yield obj
        i = text.find("{", end)


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and len(v) < 20 and v.strip().lstrip("-").isdigit():
        return int(v.strip())
    return None


def _valid_items(raw: Any, scale: Scale) -> tuple[int, ...] | None:
    if not isinstance(raw, list) or len(raw) != scale.n_items:
        return None
    vals = [_as_int(v) for v in raw]
    if any(v is None or not 0 <= v <= scale.item_max for v in vals):
        return None
    return tuple(vals)  # type: ignore[arg-type]


def parse_judgment(text: str | None, scale: Scale) -> ParseResult:
    """Parse a pointwise answer ``{"items": [...], "total": n}``.

    Valid items win (their sum is the score; a disagreeing total is flagged); else a valid total
    alone; else a refusal if the text reads like one; else ``Unparsed``.
    """
    if text is None or not text.strip():
        return Unparsed("empty_response")
    saw_object = False
    for obj in json_objects(text):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        if "items" not in lowered and "total" not in lowered:
            continue
        saw_object = True
        items = _valid_items(lowered.get("items"), scale) if scale.n_items else None
        total = _as_int(lowered.get("total"))
        total_ok = total is not None and 0 <= total <= scale.max_total
        if items is not None:
            flags = ()
            if "total" in lowered and (not total_ok or total != sum(items)):
                flags = ("total_mismatch",)
            return Judgment(total=sum(items), items=items, flags=flags)
        if total_ok:
            flags = ("items_invalid",) if "items" in lowered else ()
            return Judgment(total=total, items=None, flags=flags)  # type: ignore[arg-type]
    if _REFUSAL.search(text):
        return Refused("refusal_text")
    return Unparsed("out_of_range" if saw_object else "no_json_object")


@dataclass(frozen=True)
class Choice:
    """A usable pairwise answer: which dialogue shows the more depressed person."""

    value: str
    """``A`` (first shown), ``B`` (second shown) or ``tie``."""
    flags: tuple[str, ...] = ()


PairParseResult = Union[Choice, Unparsed, Refused]
_CHOICES = {"a": "A", "b": "B", "tie": "tie"}


def parse_choice(text: str | None) -> PairParseResult:
    """Parse a pairwise answer ``{"more_depressed": "A" | "B" | "tie"}`` (case-insensitive)."""
    if text is None or not text.strip():
        return Unparsed("empty_response")
    saw_object = False
    for obj in json_objects(text):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        if "more_depressed" not in lowered:
            continue
        saw_object = True
        value = lowered["more_depressed"]
        if isinstance(value, str) and value.strip().lower() in _CHOICES:
            return Choice(_CHOICES[value.strip().lower()])
    if _REFUSAL.search(text):
        return Refused("refusal_text")
    return Unparsed("invalid_choice" if saw_object else "no_json_object")
