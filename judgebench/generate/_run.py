"""Ask a model to write dialogues for personas, cached and concurrent like a run, and keep only
what validates as a task sample (failures are reported, never written)."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import JudgeSpec
from ..redaction import redact
from ..runner import ResponseCache, cached_call
from ..parsing import json_objects
from ..tasks import Sample, check_sample
from ._personas import Persona
from ._prompts import DIALOGUE_SCHEMA, Arm, generation_messages, generation_prompt_hash


@dataclass(frozen=True)
class GenerationRequest:
    persona: Persona
    arm: Arm
    language: str
    nationality: str | None
    source: Sample | None

    @property
    def sample_id(self) -> str:
        if self.arm == "original":
            return f"{self.persona.id}-{self.language}"
        return f"{self.persona.id}-{self.language}-{'translated' if self.arm == 'translate' else 'localized'}"


def _dialogue(text: str | None) -> list[dict[str, Any]] | None:
    for obj in json_objects(text or ""):
        if isinstance(obj.get("turns"), list):
            return obj["turns"]
    return None


def _sample(req: GenerationRequest, turns: Any, generator: JudgeSpec) -> tuple[dict[str, Any] | None, str | None]:
    """The task sample for a generated dialogue, or the reason it is not valid."""
    p = req.persona
    truth: dict[str, Any] = {"total": p.total}
    if p.items is not None:
        truth["items"] = list(p.items)
    arm_name = {"original": "baseline", "translate": "translated", "localize": "localized"}[req.arm]
    obj = {
        "id": req.sample_id, "pair_id": p.id, "language": req.language, "turns": turns, "truth": truth,
        "meta": {"arm": arm_name, "persona": {"id": p.id, **p.details},
                 "nationality": req.nationality,
                 "generator": {"model": generator.model, "prompt_hash": generation_prompt_hash(),
                               "source": req.source.id if req.source else None}},
    }
    problems: list[str] = []
    check_sample(obj, p.scale, req.sample_id, problems)
    if not problems:
        problems += not_a_dialogue(turns)
    return (obj, None) if not problems else (None, "; ".join(problems))


MIN_TURNS = 6
MIN_CHARACTERS = 80  # Chinese is dense: 14 short turns of 6 characters are a dialogue


def not_a_dialogue(turns: list[dict[str, Any]]) -> list[str]:
    """Why a schema-valid answer is still not a dialogue worth judging: too few turns, one
    speaker only, or turns without words (a model that answers ``...``)."""
    problems = []
    if len(turns) < MIN_TURNS:
        problems.append(f"only {len(turns)} turns; a dialogue needs at least {MIN_TURNS}")
    if len({str(t.get("role", "")).strip().lower() for t in turns}) < 2:
        problems.append("one speaker only; a dialogue needs two")
    wordless = sum(1 for t in turns if not any(c.isalnum() for c in str(t.get("text", ""))))
    if wordless:
        problems.append(f"{wordless} turn(s) without a word")
    if sum(len(str(t.get("text", "")).strip()) for t in turns) < MIN_CHARACTERS:
        problems.append(f"shorter than {MIN_CHARACTERS} characters in all")
    return problems


async def _generate_all(requests, generator: JudgeSpec, cache: ResponseCache, *, temperature: float,
                        max_tokens: int, on_done) -> list[tuple[GenerationRequest, dict | None, str | None]]:
    sem = asyncio.Semaphore(generator.concurrency)
    sampling = {"temperature": temperature, "max_tokens": max_tokens, **generator.params}

    async def one(req: GenerationRequest):
        messages = generation_messages(req.persona, arm=req.arm, language=req.language,
                                       nationality=req.nationality, source=req.source)
        async with sem:
            text, failure = await cached_call(generator, messages, sampling=sampling, schema=DIALOGUE_SCHEMA,
                                              cache=cache, label=req.sample_id)
        if failure is not None:
            out = (req, None, failure)
        else:
            turns = _dialogue(text)
            out = (req, None, "the answer holds no {\"turns\": [...]} object") if turns is None else (req, *_sample(req, turns, generator))
        on_done(out)
        return out

    return list(await asyncio.gather(*(one(r) for r in requests)))


def plan_generation(requests: list[GenerationRequest], generator: JudgeSpec, *, cache_dir: Path | None,
                    temperature: float = 0.7, max_tokens: int = 4000) -> list[dict[str, Any]]:
    """What ``generate`` would do, sending nothing: per dialogue its id and whether the cache
    already holds the answer."""
    from ..runner import call_key

    cache = ResponseCache(cache_dir if cache_dir and cache_dir.exists() else None)
    sampling = {"temperature": temperature, "max_tokens": max_tokens, **generator.params}
    try:
        rows = []
        for req in requests:
            messages = generation_messages(req.persona, arm=req.arm, language=req.language,
                                           nationality=req.nationality, source=req.source)
            key = call_key(generator, messages, sampling=sampling, schema=DIALOGUE_SCHEMA)
            rows.append({"id": req.sample_id, "cached": cache.get(key) is not None,
                         "prompt_characters": sum(len(m["content"]) for m in messages)})
        return rows
    finally:
        cache.close()


def generate_dialogues(requests: list[GenerationRequest], generator: JudgeSpec, *, out: Path,
                       cache_dir: Path | None, temperature: float = 0.7, max_tokens: int = 4000,
                       on_done=lambda result: None) -> list[tuple[GenerationRequest, dict | None, str | None]]:
    """Generate, validate, and write the valid samples to ``out`` as task JSONL."""
    cache = ResponseCache(cache_dir)
    try:
        results = asyncio.run(_generate_all(requests, generator, cache, temperature=temperature,
                                            max_tokens=max_tokens, on_done=on_done))
    finally:
        cache.close()
    valid = [obj for _, obj, _ in results if obj is not None]
    if valid:
        # Atomically, and never when nothing validated: a failing server must not empty a good file.
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text("".join(redact(json.dumps(obj, ensure_ascii=False)) + "\n" for obj in valid), encoding="utf-8")
        os.replace(tmp, out)
    return results
