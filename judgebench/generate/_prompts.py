"""Prompts that ask a model to write an evaluation dialogue for a persona."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from ..tasks import Sample
from ._personas import Persona

Arm = Literal["original", "translate", "localize"]

LEVELS = {0: "not at all", 1: "several days", 2: "more than half the days", 3: "nearly every day"}

SYSTEM = """\
You write synthetic conversations for evaluating AI judges of depression severity. They are \
not for clinical use. Write natural speech between a clinician and a person, 14-24 turns, \
alternating, the clinician first. Every symptom the person has is evidenced in their own words \
with a frequency cue that matches its level over the last two weeks; symptoms they do not have \
are absent or denied. Never recite questionnaire wording and never state a score or a severity \
band. If the person has thoughts of death or self-harm, the clinician responds with care.
Answer with only a JSON object: {"turns": [{"role": "clinician" | "patient", "text": "..."}]}"""

DIALOGUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "turns": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"role": {"type": "string", "enum": ["clinician", "patient"]},
                               "text": {"type": "string"}},
                "required": ["role", "text"],
            },
        }
    },
    "required": ["turns"],
}


def _persona_text(p: Persona) -> str:
    lines = [f"Scale: {p.scale.name}, total {p.total} of {p.scale.max_total}."]
    if p.items is not None and p.scale.item_labels:
        for label, v in zip(p.scale.item_labels, p.items):
            lines.append(f"- {label}: {v} ({LEVELS.get(v, v)})")
    for k, v in p.details.items():
        lines.append(f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}")
    return "\n".join(lines)


def generation_messages(
    persona: Persona, *, arm: Arm, language: str, nationality: str | None, source: Sample | None
) -> list[dict[str, str]]:
    """The request for one dialogue."""
    if arm == "translate":
        assert source is not None  # checked by the caller, which knows the file and line
        transcript = json.dumps({"turns": [{"role": t.role, "text": t.text} for t in source.turns]}, ensure_ascii=False)
        user = (f"Translate this conversation faithfully into the language with BCP-47 code '{language}': same "
                f"turns, same content, same frequency cues, same names (transliterated), natural spoken register.\n\n"
                f"{transcript}")
    elif arm == "localize":
        user = (f"Write the conversation natively in the language with BCP-47 code '{language}'. The person is from "
                f"{nationality}: give them a local name, a locally plausible occupation, family situation and setting, "
                f"and local idioms of distress, with exactly the same symptom levels, age and gender:\n\n{_persona_text(persona)}")
    else:
        user = (f"Write the conversation in the language with BCP-47 code '{language}' for this person:\n\n"
                f"{_persona_text(persona)}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def generation_prompt_hash() -> str:
    blob = json.dumps([SYSTEM, DIALOGUE_SCHEMA], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
