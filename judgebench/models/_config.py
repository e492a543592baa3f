"""Judges: a litellm model string, or a named judge from a models file (YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..redaction import public_params, public_url, register_config_secrets
from ._local import DEFAULT_LOCAL_MODEL, LOCAL_PROVIDER

StructuredOutput = Literal["auto", "schema", "json", "grammar", "off"]
Scoring = Literal["point", "logprob", "sample", "auto"]


@dataclass(frozen=True)
class JudgeSpec:
    """One judge as the runner sees it."""

    name: str
    """Shown in results (``model`` field) and reports."""
    model: str
    """The litellm model string, e.g. ``openai/gpt-4o-mini`` or ``local/gemma-3-270m``."""
    api_base: str | None = None
    concurrency: int = 8
    """Requests in flight at once for this judge."""
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    """Extra litellm parameters (``max_tokens``, ``top_p``, ``seed``...)."""
    structured_output: StructuredOutput = "auto"
    """``auto``: what the server supports (asked once per api_base for OpenAI-compatible servers),
    else a JSON schema where litellm says the model supports one; ``grammar``: judgebench's GBNF
    grammar in the request body (llama.cpp servers); ``off``: plain text."""
    timeout: float = 120.0
    max_retries: int = 4
    deployments: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    """Several servers of the same model (``api_base``, optional ``model``, ``rpm``, ``tpm``),
    balanced by litellm's Router within their rate limits."""
    scoring: Scoring = "point"
    """``point`` the parsed answer; ``logprob`` also the item distributions read from the answer's
    token probabilities; ``sample`` empirical item distributions over the run's repeats;
    ``auto`` logprob where the provider returns log-probabilities (docs/metrics.md)."""
    slots: int | None = None
    """Requests the server works on at once (models file ``slots:``); the default concurrency."""
    concurrency_given: bool = False
    """True when ``concurrency`` was set (models file or ``--concurrency``), so slots do not override it."""
    price: dict[str, float] | None = field(default=None, hash=False)
    """USD per million tokens (``input_per_mtok``, ``output_per_mtok``), instead of litellm's price map."""
    mechanism: str | None = None
    """The structured output in use once resolved for a run (``schema``, ``json``, ``grammar``,
    ``off``); None: ``auto`` decided by litellm's data at the first call."""
    resolution: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    """How the run settled structured output and concurrency (recorded in run.json)."""
    batch: bool = False
    """Judge through the provider's batch API (half price, up to 24 h) instead of direct calls."""

    @property
    def cache_endpoint(self) -> str | None:
        """What identifies the endpoint in the cache key: replicas of one model are one endpoint."""
        if self.deployments:
            return "fleet:" + ",".join(sorted({d.get("model", self.model) for d in self.deployments}))
        return self.api_base

    @property
    def is_local(self) -> bool:
        return self.model.split("/", 1)[0] == LOCAL_PROVIDER

    def describe(self) -> dict[str, Any]:
        """What run.json records: settings without any secret."""
        return {
            "name": self.name,
            "model": self.model,
            "api_base": public_url(self.api_base),
            "concurrency": self.concurrency,
            "params": public_params(self.params),
            "structured_output": self.structured_output,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "slots": self.slots,
            "price": self.price,
            "resolved": self.resolution,
            "deployments": [{**public_params(d), "api_base": public_url(d.get("api_base"))} for d in self.deployments],
            "scoring": self.scoring,
            "batch": self.batch,
        }


def _schema():
    """The models file as pydantic models (built on first use, off the CLI's start-up path)."""
    from pydantic import BeforeValidator, Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
    from typing import Annotated

    from .._config import Strict

    def _off(value: Any) -> Any:
        return "off" if value is False else value  # YAML reads an unquoted `off` as false

    class Deployment(Strict):
        api_base: str = Field(description="Base URL of one replica.")
        model: str | None = Field(default=None, description="Model string on that replica (default: the judge's).")
        rpm: PositiveInt | None = None
        tpm: PositiveInt | None = None
        weight: PositiveFloat | None = None

    class Price(Strict):
        input_per_mtok: NonNegativeFloat = Field(description="USD per million prompt tokens.")
        output_per_mtok: NonNegativeFloat = Field(description="USD per million answer tokens.")

    class Judge(Strict):
        model: str = Field(min_length=1, description="A litellm model string, e.g. openai/gpt-4o-mini.")
        api_base: str | None = Field(default=None, description="Base URL of an OpenAI-compatible server.")
        concurrency: PositiveInt = Field(default=8, description="Requests in flight for this judge (default: the server's slots when known, else 8).")
        params: dict[str, Any] = Field(default_factory=dict, description="Any litellm parameter.")
        structured_output: Annotated[StructuredOutput, BeforeValidator(_off)] = "auto"
        timeout: float = Field(default=120.0, gt=0, le=86400, description="Seconds per call (at most a day).")
        max_retries: NonNegativeInt = Field(default=4, description="Retries after transient failures.")
        deployments: list[Deployment] = Field(default_factory=list, description="Replicas behind litellm's Router.")
        scoring: Scoring = Field(default="point", description="point, logprob, sample or auto (probability-weighted scores).")
        slots: PositiveInt | None = Field(default=None, description="Requests the server(s) work on at once; the default concurrency.")
        price: Price | None = Field(default=None, description="Price per million tokens, for models litellm has no price for.")
        batch: bool = Field(default=False, description="Judge through the provider's batch API (OpenAI-compatible or Anthropic).")

    class File(Strict):
        judges: dict[str, Judge] = Field(description="Judge name -> settings.")
        panels: dict[str, Annotated[list[str], Field(min_length=2)]] = Field(
            default_factory=dict, description="Panel name -> its member judges (a virtual judge, no extra calls).")

    return File


def load_models_file(path: Path) -> dict[str, JudgeSpec]:
    """Read ``judges: {name: {model: ..., api_base: ..., concurrency: ..., params: {...}}}``."""
    return load_models_config(path)[0]


def load_models_config(path: Path) -> tuple[dict[str, JudgeSpec], dict[str, list[str]]]:
    """The models file's judges (``load_models_file``) and its ``panels: {name: [judge, ...]}``."""
    from .._config import load_config

    spec, _ = load_config(_schema(), path, "models file")
    return _judges(spec), {str(k): [str(m) for m in v] for k, v in spec.panels.items()}


def _judges(spec) -> dict[str, JudgeSpec]:
    return {
        str(name): JudgeSpec(
            name=str(name), model=j.model, api_base=j.api_base, concurrency=j.concurrency, params=dict(j.params),
            structured_output=j.structured_output, timeout=float(j.timeout), max_retries=j.max_retries,
            deployments=tuple(d.model_dump(exclude_none=True) for d in j.deployments), scoring=j.scoring,
            slots=j.slots, concurrency_given="concurrency" in j.model_fields_set,
            price=j.price.model_dump() if j.price else None, batch=j.batch,
        )
        for name, j in spec.judges.items()
    }


def resolve_judges(
    models: list[str],
    *,
    named: dict[str, JudgeSpec],
    api_base: str | None,
    concurrency: int | None,
    timeout: float | None = None,
    max_retries: int | None = None,
    scoring: Scoring | None = None,
) -> list[JudgeSpec]:
    """Turn ``--model`` values into judges. A name from the models file wins over a raw string;
    ``--api-base``, ``--concurrency``, ``--timeout``, ``--max-retries`` and ``--scoring`` override
    every judge."""
    if not models:
        models = [DEFAULT_LOCAL_MODEL]
    judges: list[JudgeSpec] = []
    for m in models:
        if m in named:
            j = named[m]
        elif "/" not in m:
            raise InputError(
                f"--model {m}: not a judge in the models file and not a litellm model string "
                "(provider/model, e.g. openai/gpt-4o-mini or local/gemma-3-270m)"
            )
        else:
            j = JudgeSpec(name=m, model=m, concurrency=1 if m.startswith(LOCAL_PROVIDER + "/") else 8)
        changes: dict[str, Any] = {}
        if api_base and not j.is_local:
            changes["api_base"] = api_base
        if concurrency:
            changes["concurrency"] = 1 if j.is_local else concurrency
            changes["concurrency_given"] = True
        if timeout is not None:
            changes["timeout"] = timeout
        if max_retries is not None:
            changes["max_retries"] = max_retries
        if scoring is not None:
            changes["scoring"] = scoring
        if changes:
            from dataclasses import replace

            j = replace(j, **changes)
        # inline keys, keys inside extra_body/extra_query, URL passwords: never to be written
        register_config_secrets(j.params, j.api_base)
        for d in j.deployments:
            register_config_secrets(d, d.get("api_base"))
        judges.append(j)
    names = [j.name for j in judges]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"--model: {', '.join(sorted(dupes))} given more than once")
    return judges
