"""Judges: a litellm model string, or a named judge from a models file (YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._yaml import read_yaml
from ..errors import InputError
from ..redaction import public_params, public_url, register_config_secrets
from ._local import DEFAULT_LOCAL_MODEL, LOCAL_PROVIDER

StructuredOutput = Literal["auto", "schema", "json", "off"]
_JUDGE_KEYS = {"model", "api_base", "concurrency", "params", "structured_output", "timeout", "max_retries", "deployments"}
_DEPLOYMENT_KEYS = {"model", "api_base", "rpm", "tpm", "weight"}


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
    """``auto`` uses a JSON schema where litellm says the model supports one."""
    timeout: float = 120.0
    max_retries: int = 4
    deployments: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    """Several servers of the same model (``api_base``, optional ``model``, ``rpm``, ``tpm``),
    balanced by litellm's Router within their rate limits."""

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
            "deployments": [{**public_params(d), "api_base": public_url(d.get("api_base"))} for d in self.deployments],
        }


def _judge_from_mapping(name: str, spec: Any, where: str) -> JudgeSpec:
    if not isinstance(spec, dict):
        raise InputError(f"{where}: judges.{name}: must be a mapping with at least 'model'")
    problems = [
        f"{where}: judges.{name}.{k}: unknown key; known: {', '.join(sorted(_JUDGE_KEYS))}"
        for k in spec if k not in _JUDGE_KEYS
    ]
    if not isinstance(spec.get("model"), str) or not spec["model"]:
        problems.append(f"{where}: judges.{name}.model: required, a litellm model string")
    conc = spec.get("concurrency", 8)
    if not isinstance(conc, int) or conc < 1:
        problems.append(f"{where}: judges.{name}.concurrency: {conc!r} must be an integer >= 1")
    params = spec.get("params", {})
    if not isinstance(params, dict):
        problems.append(f"{where}: judges.{name}.params: must be a mapping of litellm parameters")
    timeout = spec.get("timeout", 120.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        problems.append(f"{where}: judges.{name}.timeout: {timeout!r} must be a number of seconds > 0")
    retries = spec.get("max_retries", 4)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        problems.append(f"{where}: judges.{name}.max_retries: {retries!r} must be an integer >= 0")
    if "api_base" in spec and not isinstance(spec["api_base"], str):
        problems.append(f"{where}: judges.{name}.api_base: must be a URL string")
    so = spec.get("structured_output", "auto")
    if so is False:
        so = "off"  # YAML reads an unquoted `off` as false
    if so not in ("auto", "schema", "json", "off"):
        problems.append(f"{where}: judges.{name}.structured_output: {so!r} must be auto, schema, json or off")
    deployments = spec.get("deployments") or []
    if not isinstance(deployments, list):
        problems.append(f"{where}: judges.{name}.deployments: must be a list of {{api_base, rpm, tpm}}")
        deployments = []
    for i, d in enumerate(deployments):
        if not isinstance(d, dict) or not d.get("api_base"):
            problems.append(f"{where}: judges.{name}.deployments[{i}]: needs at least api_base")
            continue
        for k in d:
            if k not in _DEPLOYMENT_KEYS:
                problems.append(f"{where}: judges.{name}.deployments[{i}].{k}: unknown key; known: {', '.join(sorted(_DEPLOYMENT_KEYS))}")
    if problems:
        raise InputError(problems)
    return JudgeSpec(
        name=name,
        model=spec["model"],
        api_base=spec.get("api_base"),
        concurrency=conc,
        params=params,
        structured_output=so,
        timeout=float(timeout),
        max_retries=retries,
        deployments=tuple(deployments),
    )


def load_models_file(path: Path) -> dict[str, JudgeSpec]:
    """Read ``judges: {name: {model: ..., api_base: ..., concurrency: ..., params: {...}}}``."""
    data = read_yaml(path, "models file")
    if not isinstance(data, dict) or not isinstance(data.get("judges"), dict):
        raise InputError(f"{path}: expected a top-level 'judges:' mapping of name -> settings")
    return {name: _judge_from_mapping(str(name), spec, str(path)) for name, spec in data["judges"].items()}


def resolve_judges(
    models: list[str],
    *,
    named: dict[str, JudgeSpec],
    api_base: str | None,
    concurrency: int | None,
    timeout: float | None = None,
    max_retries: int | None = None,
) -> list[JudgeSpec]:
    """Turn ``--model`` values into judges. A name from the models file wins over a raw string;
    ``--api-base``, ``--concurrency``, ``--timeout`` and ``--max-retries`` override every judge."""
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
        if timeout is not None:
            changes["timeout"] = timeout
        if max_retries is not None:
            changes["max_retries"] = max_retries
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
