"""`judgebench generate`: write dialogues for personas with any litellm model."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import GenerationIncomplete, InputError


class ArmChoice(str, Enum):
    original = "original"
    translate = "translate"
    localize = "localize"


def generate(
    personas: Annotated[Path, typer.Option("--personas", "-p", help="YAML persona file (see README, 'Generating dialogues').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Task JSONL to write (only samples that validate).")],
    model: Annotated[str, typer.Option("--model", "-m", help="Generator: a litellm model string or a judge name from --models-file.")] = "local/gemma-3-270m",
    arm: Annotated[ArmChoice, typer.Option("--arm", help="original (write from the persona), translate (a --source dialogue into --language), localize (write natively as a --nationality national).")] = ArmChoice.original,
    language: Annotated[str, typer.Option("--language", "-l", help="BCP-47 code of the dialogues to write.")] = "en",
    nationality: Annotated[Optional[str], typer.Option("--nationality", help="Nationality of the localized persona (with --arm localize), e.g. China.")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="Task with the dialogues to translate (with --arm translate), matched by pair_id = persona id.")] = None,
    source_language: Annotated[str, typer.Option("--source-language", help="Language of the --source dialogues to translate.")] = "en",
    models_file: Annotated[Optional[Path], typer.Option("--models-file", help="YAML file of named judges/generators.")] = None,
    api_base: Annotated[Optional[str], typer.Option("--api-base", help="Base URL of an OpenAI-compatible server.")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", "-c", min=1, help="Requests in flight (default 8).")] = None,
    temperature: Annotated[float, typer.Option("--temperature", min=0.0, max=2.0, help="Sampling temperature.")] = 0.7,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=16, help="Length limit of one dialogue.")] = 4000,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Response cache directory.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the response cache.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Send nothing: list the dialogues that would be written and which the cache already holds.")] = False,
) -> None:
    """Generate evaluation dialogues from persona specifications (item vector or total, symptoms,
    demographics) with any litellm model: written from scratch, translated, or localized (the
    persona-localization study's method). Output is a task JSONL with provenance (generator
    model, prompt hash, persona) in meta; every sample is validated before it is written, and
    every failure is reported (exit 1 if any)."""
    from ..generate import GenerationRequest, generate_dialogues, load_personas, plan_generation
    from ..models import load_models_file, resolve_judges
    from ..runner import default_cache_dir
    from ..tasks import load_task

    people = load_personas(personas)
    if arm == ArmChoice.localize and not nationality:
        raise InputError("--arm localize needs --nationality (e.g. --nationality India --language hi)")
    sources = {}
    if arm == ArmChoice.translate:
        if not source:
            raise InputError("--arm translate needs --source (a task holding the dialogues to translate)")
        task = load_task(source)
        sources = {s.pair_id: s for s in task.samples if s.language == source_language}
        missing = [p.id for p in people if p.id not in sources]
        if missing:
            raise InputError(f"--source {source}: no {source_language!r} sample with pair_id "
                             f"{', '.join(missing)} (pair_id must equal the persona id)")
    named = load_models_file(models_file) if models_file else {}
    generator = resolve_judges([model], named=named, api_base=api_base, concurrency=concurrency)[0]
    requests = [GenerationRequest(p, arm.value, language, nationality, sources.get(p.id)) for p in people]
    cache = None if no_cache else (cache_dir or default_cache_dir())
    if dry_run:
        rows = plan_generation(requests, generator, cache_dir=cache, temperature=temperature, max_tokens=max_tokens)
        if as_json:
            typer.echo(json.dumps({"generator": generator.model, "out": str(out), "dialogues": rows}, indent=2))
        else:
            cached = sum(r["cached"] for r in rows)
            typer.echo(f"dry run, nothing sent: {len(rows)} dialogues with {generator.model} -> {out} "
                       f"({cached} from cache, {len(rows) - cached} calls to make)")
            for r in rows:
                typer.echo(f"  {r['id']}{'  (cached)' if r['cached'] else ''}")
        return

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ._console import esc

    console = Console(stderr=True, soft_wrap=True)
    with Progress(TextColumn("[bold]generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as progress:
        bar = progress.add_task("generate", total=len(requests))
        results = generate_dialogues(
            requests, generator, out=out, cache_dir=cache,
            temperature=temperature, max_tokens=max_tokens, on_done=lambda r: progress.advance(bar),
        )
    failures = [(req.sample_id, reason) for req, obj, reason in results if obj is None]
    if as_json:
        typer.echo(json.dumps({"out": str(out), "written": len(results) - len(failures),
                               "failed": [{"id": i, "reason": r} for i, r in failures]}, indent=2, ensure_ascii=False))
    else:
        console.print(f"{len(results) - len(failures)} of {len(results)} dialogues valid → {esc(out)}")
        for sid, reason in failures:
            console.print(f"[red]failed[/] {esc(sid)}: {esc(reason[:300])}")
    if failures:
        raise GenerationIncomplete(f"{len(failures)} of {len(results)} dialogues could not be generated or did not validate")
