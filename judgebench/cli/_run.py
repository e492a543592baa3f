"""`judgebench run`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import AllJudgmentsFailed, ErrorRateExceeded, InputError
from ._console import esc

DEFAULT_TASK = "phq9-multilingual"


class ScoringMode(str, Enum):
    point = "point"
    logprob = "logprob"
    sample = "sample"
    auto = "auto"


class PanelAggregate(str, Enum):
    median = "median"
    mean = "mean"


def _progress(console):
    from rich.progress import (
        BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class Remaining(TimeRemainingColumn):
        """No estimate until a few judgments are done: the first one includes loading the model
        or warming the connection, and an ETA drawn from it is hours off."""

        def render(self, task):
            if task.completed < min(5, max(1, (task.total or 0) // 20)):
                from rich.text import Text

                return Text("ETA soon", style="progress.remaining")
            return super().render(task)

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("[green]{task.fields[ok]} ok[/] [yellow]{task.fields[bad]} unscored[/] [red]{task.fields[err]} errors[/]"),
        TimeElapsedColumn(),
        Remaining(),
        console=console,
        transient=False,
    )


def _print_estimate(config, *, as_json: bool) -> None:
    from ..runner import ANSWER_TOKENS, estimate_run

    rows = estimate_run(config)
    if as_json:
        import json

        typer.echo(json.dumps({"answer_tokens_assumed": ANSWER_TOKENS, "judges": rows}, indent=2))
        return
    from rich.table import Table

    from ._console import stdout_console

    table = Table("judge", "judgments", "already done", "in batches", "from cache", "calls to make", "prompt tokens",
                  "answer tokens (est.)", "cost (USD, list price)", "cost (USD, batch price)",
                  title="dry run: nothing was sent")
    for r in rows:
        cost = "unknown price" if not r["priced"] else f"{r['cost_usd']:.4f}"
        batch = "unknown price" if r["cost_usd_batch"] is None else f"{r['cost_usd_batch']:.4f}"
        table.add_row(r["judge"], str(r["judgments"]), str(r["done"]), str(r["in_batches"]), str(r["cached"]), str(r["calls"]),
                      f"{r['prompt_tokens']:,}", f"{r['completion_tokens']:,}", cost,
                      batch + (" (batched)" if r["batch"] else ""))
    console = stdout_console()
    console.print(table)
    console.print(f"Answer tokens assume ~{ANSWER_TOKENS} per call (the JSON answer); rationales cost more.")


def run(
    task: Annotated[list[str], typer.Option("--task", "-t", help=f"Bundled task name, task directory or .jsonl file (repeatable). Default: {DEFAULT_TASK}.")] = [],
    model: Annotated[list[str], typer.Option("--model", "-m", help="litellm model string (openai/gpt-4o-mini, ollama/llama3.1, local/gemma-3-270m) or a judge name from --models-file (repeatable). Default: the embedded local/gemma-3-270m.")] = [],
    models_file: Annotated[Optional[Path], typer.Option("--models-file", help="YAML file of named judges: judges: {name: {model, api_base, concurrency, params}}.")] = None,
    api_base: Annotated[Optional[str], typer.Option("--api-base", help="Base URL for every --model of this run (an OpenAI-compatible server, vLLM, Ollama...).")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", "-c", min=1, help="Requests in flight per judge (default 8; the embedded judge always uses 1).")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.1, max=86400, help="Seconds before a call is abandoned and retried (default 120).")] = None,
    max_retries: Annotated[Optional[int], typer.Option("--max-retries", min=0, help="Retries of a call after 429, 5xx, timeouts or dropped connections (default 4).")] = None,
    max_retry_wait: Annotated[float, typer.Option("--max-retry-wait", min=0.0, help="Longest wait a server may ask for with Retry-After, in seconds (default 300); a longer one ends that judgment as an error with the reason.")] = 300.0,
    repeats: Annotated[int, typer.Option("--repeats", "-r", min=1, help="Judge every sample this many times (separate cache entries), to measure run-to-run agreement.")] = 1,
    temperature: Annotated[float, typer.Option("--temperature", min=0.0, max=2.0, help="Sampling temperature.")] = 0.0,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=16, help="Answer length limit for remote judges.")] = 512,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Judge only the first N cases (pair_ids), in every selected language.")] = None,
    language: Annotated[list[str], typer.Option("--language", "-l", help="Only these languages (repeatable), e.g. -l en -l zh.")] = [],
    arm: Annotated[list[str], typer.Option("--arm", help="Only these arms (meta.arm: translated, localized; repeatable). The baseline language is always kept.")] = [],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Run directory. Rerunning with the same --out resumes. Default results/<run-id>/.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Response cache directory (default $JUDGEBENCH_CACHE_DIR or ~/.cache/judgebench).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the response cache (e.g. after changing the server's chat format or model file behind the same api_base).")] = False,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="When resuming --out, ask again the judgments recorded as 'error' (failed calls); the new line supersedes the old one.")] = False,
    max_error_rate: Annotated[Optional[float], typer.Option("--max-error-rate", min=0.0, max=1.0, help="Exit 1 if the share of judgments with status 'error' exceeds this.")] = None,
    scoring: Annotated[Optional[ScoringMode], typer.Option("--scoring", help="point (default): the parsed answer. logprob: also each item's probabilities from the answer's token log-probabilities (pred_items_dist, pred_total_expected; metrics 'expected' and 'calibration'). sample: distributions from --repeats K (>= 2) answers at --temperature. auto: logprob where the provider returns them. Overrides scoring: in --models-file.")] = None,
    panel: Annotated[list[str], typer.Option("--panel", help="NAME=judgeA,judgeB,judgeC (repeatable): a virtual judge scored beside its members from their judgments (median by default), with the members' agreement; no extra calls. Also `panels:` in --models-file.")] = [],
    panel_aggregate: Annotated[PanelAggregate, typer.Option("--panel-aggregate", help="How a panel combines its members' totals per sample (repeats averaged first): median or mean.")] = PanelAggregate.median,
    equivalence_margin: Annotated[Optional[float], typer.Option("--equivalence-margin", min=0.001, help="± margin, in scale points, within which a language counts as rated the same as the baseline (TOST; docs/metrics.md). Default: 1 PHQ-9 point, scaled to other scales by max total / 27.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON instead of the table.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Send no judgment: print how many calls the run would make (after cache and resume), roughly how many tokens, and the price at the judge's own or litellm's list and batch rates. Self-hosted servers are asked what they are (identity endpoints only), as a real run would.")] = False,
    batch: Annotated[bool, typer.Option("--batch", help="Judge through the provider's batch API (OpenAI-compatible /v1/batches) where the judge's provider has one: half price, answers within 24 h. Batch ids are kept in OUT/batches.json; rerunning with the same --out re-attaches to them. Also `batch: true` per judge in --models-file.")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=0, max=64, help="Processes that make the remote calls. litellm spends ~6 ms of CPU on each call, so one process tops out near 150 calls/s against a fast server. Default: one per core (at most 8) when the run has 500 or more remote judgments to make, else none; 0 makes every call in this process. The embedded judge and fleet judges (deployments) always call from this process.")] = None,
) -> None:
    """Judge every sample with every model, write the run directory, print per-language metrics.

    With no --task and no --model this judges the bundled phq9-multilingual task with the
    embedded local judge: offline, no API key.
    """
    from rich.console import Console

    from ..models import load_models_config, resolve_judges
    from ..runner import RunConfig, check_run_rules, default_cache_dir, execute_run

    console = Console(stderr=True, soft_wrap=True)
    tasks = _load_tasks(task or [DEFAULT_TASK], language=language, arm=arm, limit=limit)
    check_run_rules(tasks)
    named, file_panels = load_models_config(models_file) if models_file else ({}, {})
    judges = resolve_judges(model, named=named, api_base=api_base, concurrency=concurrency,
                            timeout=timeout, max_retries=max_retries, scoring=scoring.value if scoring else None)
    _check_scoring(judges, repeats=repeats, temperature=temperature, console=console)
    panels = _panels(panel, file_panels, [j.name for j in judges])
    out = out or Path("results") / datetime.now().strftime("%Y%m%d-%H%M%S")
    config = RunConfig(
        tasks=tasks, judges=judges, out=out, repeats=repeats, temperature=temperature, max_tokens=max_tokens,
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
        selection={"languages": language, "arms": arm, "limit": limit}, max_retry_wait=max_retry_wait,
        equivalence_margin=equivalence_margin, panels=panels, panel_aggregate=panel_aggregate.value,
        retry_errors=retry_errors,
        batch=batch,
        workers=workers,
    )
    if dry_run:
        _print_estimate(config, as_json=as_json)
        return
    shown = _Progress(console, out, enabled=not quiet and console.is_terminal, quiet=quiet)
    try:
        outcome = execute_run(config, on_start=shown.start, on_done=shown.advance, on_batch=shown.batch)
    except KeyboardInterrupt:
        shown.stop()
        console.print(f"[yellow]interrupted[/]: finished judgments are saved; rerun with --out {esc(out)} to resume")
        if (out / "batches.json").exists():
            console.print(f"submitted batches keep running at the provider: the rerun collects them; "
                          f"`judgebench batches {esc(out)} --cancel` cancels them")
        raise typer.Exit(130) from None
    finally:
        shown.stop()
    _print_outcome(outcome, out, console, as_json=as_json)
    _raise_for_failures(outcome, out, max_error_rate)


def _check_scoring(judges, *, repeats: int, temperature: float, console) -> None:
    """--scoring sample reads distributions from the repeats: one answer is no distribution."""
    sampled = [j.name for j in judges if j.scoring == "sample"]
    if sampled and repeats < 2:
        raise InputError(f"--scoring sample ({', '.join(sampled)}) needs --repeats K with K >= 2: "
                         "the distribution of each item is read from the K answers")
    if sampled and temperature == 0 and not any("temperature" in j.params for j in judges if j.scoring == "sample"):
        console.print("[yellow]warning[/]: --scoring sample at --temperature 0 gives (nearly) identical repeats; "
                      "use e.g. --temperature 1 to sample the judge's uncertainty")


def _panels(flags: list[str], from_file: dict[str, list[str]], judges: list[str]) -> dict[str, list[str]]:
    """--panel NAME=a,b,c values, plus the models file's panels whose members all judge this run
    (a models file may describe more judges than one run uses); checked before any call."""
    from ..metrics import check_panels

    panels = {name: members for name, members in from_file.items() if set(members) <= set(judges)}
    for value in flags:
        name, sep, members = value.partition("=")
        names = [m.strip() for m in members.split(",") if m.strip()]
        if not sep or not name.strip() or not names:
            raise InputError(f"--panel {value}: expected NAME=judgeA,judgeB (judge names as given to --model)")
        panels[name.strip()] = names
    try:
        check_panels(panels, judges)
    except ValueError as e:
        raise InputError(f"--panel: {e}") from None
    return panels


def _load_tasks(refs: list[str], *, language: list[str], arm: list[str], limit: int | None) -> list:
    from ..tasks import load_task

    tasks = []
    loaded = [(ref, load_task(ref)) for ref in refs]
    # A language or arm that no task has is a typo, not a filter that happens to match nothing.
    for flag, wanted, present in (
        ("--language", language, {x for _, full in loaded for x in full.languages}),
        ("--arm", arm, {x for _, full in loaded for x in full.arms}),
    ):
        unknown = [w for w in wanted if w not in present]
        if unknown:
            raise InputError(f"{flag} {', '.join(unknown)}: not in the task(s) "
                             f"(they have: {', '.join(sorted(present)) or 'none'})")
    for ref, full in loaded:
        t = full.select(languages=language or None, arms=arm or None, limit=limit)
        if not t.samples:
            raise InputError(f"--task {ref}: no samples left after --language/--arm/--limit "
                             f"(languages: {', '.join(full.languages)})")
        tasks.append(t)
    return tasks


class _Progress:
    """One bar per judge with ok / unscored / error counts; nothing when quiet or piped."""

    def __init__(self, console, out: Path, *, enabled: bool, quiet: bool = False):
        self.console, self.out, self.quiet = console, out, quiet
        self.progress = _progress(console) if enabled else None
        self.bars: dict[str, int] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.batch_seen: dict[str, tuple] = {}

    def start(self, jobs, n_done: int) -> None:
        if n_done:
            self.console.print(f"[dim]resuming {esc(self.out)}: {n_done} judgments already done[/]")
        if self.progress is None:
            return
        self.progress.start()
        per_judge: dict[str, int] = {}
        for j in jobs:
            per_judge[j.judge.name] = per_judge.get(j.judge.name, 0) + 1
        for name, n in per_judge.items():
            self.counts[name] = {"ok": 0, "bad": 0, "err": 0}
            self.bars[name] = self.progress.add_task(name, total=n, ok=0, bad=0, err=0, rate="")

    def advance(self, rec) -> None:
        if self.progress is None:
            return
        c = self.counts[rec["model"]]
        c["ok" if rec["status"] == "ok" else "err" if rec["status"] == "error" else "bad"] += 1
        bar = self.bars[rec["model"]]
        speed = self.progress.tasks[bar].speed
        self.progress.update(bar, advance=1, rate=f"{speed:.1f}/s" if speed else "", **c)

    def batch(self, info) -> None:
        """One line per change of a batch's status or counts (a poll that saw nothing new is quiet)."""
        seen = (info["status"], info["completed"], info["failed"])
        if self.quiet or self.batch_seen.get(info["batch_id"]) == seen:
            return
        self.batch_seen[info["batch_id"]] = seen
        minutes, seconds = divmod(int(info["elapsed_s"]), 60)
        self.console.print(f"[dim]batch {esc(info['batch_id'])} ({esc(info['judge'])}): {esc(info['status'])}, "
                           f"{info['completed']}/{info['total']} done, {info['failed']} failed, "
                           f"{minutes}m{seconds:02d}s[/]")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _print_outcome(outcome, out: Path, console, *, as_json: bool) -> None:
    if as_json:
        import json

        typer.echo(json.dumps(outcome.metrics.to_json(), indent=2, ensure_ascii=False))
        return
    from ..reports import rich_tables, summary_warnings
    from ._console import stdout_console

    stdout = stdout_console()
    for table in rich_tables(outcome.metrics, title=f"run {outcome.run_id}"):
        stdout.print(table)
    summary = outcome.summary
    console.print(
        f"{summary['judgments']} judgments ({summary['asked']} asked this time, {summary['from_cache']} from cache, "
        f"{outcome.n_resumed} already done) → {esc(out)}/samples.jsonl, metrics.json, run.json"
    )
    for name, info in outcome.structured.items():
        console.print(f"[dim]{esc(name)}: {esc(info['summary'])}[/]")
    for line in summary_warnings(outcome.metrics, summary):
        console.print(f"[yellow]warning[/]: {esc(line)}")


def _raise_for_failures(outcome, out: Path, max_error_rate: float | None) -> None:
    """Exit 1 when nothing was scored, or when --max-error-rate was crossed."""
    if outcome.records and not any(r["status"] == "ok" for r in outcome.records):
        top = outcome.summary["reasons"][0] if outcome.summary["reasons"] else {"reason": "unknown", "n": 0}
        raise AllJudgmentsFailed(
            f"no judgment was scored; most common reason ({top['n']} of {len(outcome.records)}): {top['reason']} "
            f"(details in {out}/samples.jsonl and {out}/run.log)"
        )
    if max_error_rate is not None and outcome.error_rate > max_error_rate:
        raise ErrorRateExceeded(
            f"error rate {outcome.error_rate:.1%} is above --max-error-rate {max_error_rate:.1%} "
            f"(see the 'error' field in {out}/samples.jsonl and {out}/run.log)"
        )
