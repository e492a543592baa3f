"""Settings a judge can only know by asking its server: how to constrain the answer
(``structured_output: auto``) and how many requests it works on at once (its slots).

Done once per run before the first call, without litellm (a fully cached run stays free of it).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from ..redaction import public_url
from ._config import JudgeSpec
from ._probe import ServerInfo, probe

OPENAI_COMPATIBLE = ("openai", "hosted_vllm", "openai_like")
"""Providers whose ``api_base`` can be any server speaking the OpenAI API (self-hosted or not)."""


def _bases(judge: JudgeSpec) -> list[str]:
    if judge.deployments:
        return [str(d["api_base"]) for d in judge.deployments]
    return [judge.api_base] if judge.api_base else []


def _needs_probe(judge: JudgeSpec) -> bool:
    if judge.is_local or judge.model.split("/", 1)[0] not in OPENAI_COMPATIBLE or not _bases(judge):
        return False
    return judge.structured_output == "auto" or (judge.slots is None and not judge.concurrency_given)


def _server_text(servers: list[ServerInfo]) -> str:
    kinds = sorted({f"{s.kind} {s.version}" if s.version else s.kind for s in servers})
    return ", ".join(kinds)


async def resolve_judge(judge: JudgeSpec) -> JudgeSpec:
    """The judge with ``mechanism`` (the structured output it will use, or None when litellm's
    capability data decides at the first call), ``concurrency`` from the server's slots unless
    given, and ``resolution`` (what run.json, run.log and the summary say about it)."""
    servers = list(await asyncio.gather(*(probe(b) for b in _bases(judge)))) if _needs_probe(judge) else []
    mode = judge.structured_output
    mechanism: str | None = None if mode == "auto" else mode
    fell_back = False
    if judge.is_local:
        why = "embedded judge: judgebench's grammar"
    elif mode != "auto":
        why = "set in the models file"
    elif servers and len({s.structured_output for s in servers}) == 1 and servers[0].structured_output:
        mechanism = servers[0].structured_output
        why = f"auto: the server is {_server_text(servers)}"
    elif servers:
        fell_back = True
        where = ", ".join(str(public_url(b)) for b in _bases(judge))
        why = (f"auto: the server at {where} was not recognised ({_server_text(servers)}); "
               "litellm's data on the model decides, which means plain text (the prompt's instructions only) "
               "for a model it does not know; set structured_output: grammar, schema or json if the server has one")
    else:
        why = "auto: litellm's data on the model"
    slots = judge.slots
    if slots is None and servers and all(s.slots for s in servers):
        slots = sum(s.slots or 0 for s in servers)
    concurrency = judge.concurrency
    if slots and not judge.concurrency_given and not judge.is_local:
        concurrency = slots
    resolution = {
        "structured_output": mechanism or "auto",
        "why": why,
        "fell_back": fell_back,
        "servers": [s.describe() for s in servers],
        "slots": slots,
        "concurrency_from": "given" if judge.concurrency_given or judge.is_local else
                            ("slots" if slots else "default"),
    }
    return replace(judge, mechanism=mechanism, concurrency=concurrency, resolution=resolution)


async def resolve_judges_for_run(judges: list[JudgeSpec]) -> list[JudgeSpec]:
    """Every judge resolved (their servers asked in parallel)."""
    return list(await asyncio.gather(*(resolve_judge(j) for j in judges)))
