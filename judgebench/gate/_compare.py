"""Compare a run's metrics with a baseline's: what moved, by how much, and is it a regression."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import IncomparableError
from ._tolerances import GateConfig, direction


@dataclass(frozen=True)
class Check:
    model: str
    scope: str
    """``overall``, a language, or ``gap:<language>``."""
    metric: str
    baseline: float | None
    current: float | None
    allowed: float | None
    passed: bool
    note: str = ""

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "delta": self.delta}


def _get(block: dict[str, Any], path: str) -> float | None:
    value: Any = block
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_comparable(current: dict[str, Any], baseline: dict[str, Any], *, allow: set[str]) -> list[str]:
    """Reasons the two metrics documents cannot be compared (empty when they can)."""
    reasons = []
    pc, pb = current.get("provenance") or {}, baseline.get("provenance") or {}
    if "task" not in allow and pc.get("tasks") and pb.get("tasks") and pc["tasks"] != pb["tasks"]:
        reasons.append("different task content (task hash); pass --allow-different-task to compare anyway")
    if "prompt" not in allow and pc.get("prompt_hash") and pb.get("prompt_hash") and pc["prompt_hash"] != pb["prompt_hash"]:
        reasons.append("different prompt (prompt hash); pass --allow-different-prompt to compare anyway")
    models_c, models_b = set(current.get("models", {})), set(baseline.get("models", {}))
    if "judge" not in allow and models_c != models_b:
        reasons.append(
            f"different judges (run: {', '.join(sorted(models_c)) or 'none'}; baseline: "
            f"{', '.join(sorted(models_b)) or 'none'}); pass --allow-different-judge to compare anyway"
        )
    if current.get("baseline_language") != baseline.get("baseline_language"):
        reasons.append("different baseline language")
    return reasons


def compare(current: dict[str, Any], baseline: dict[str, Any], config: GateConfig, *, allow: set[str] = frozenset()) -> list[Check]:
    """Every check of the gate. Raises IncomparableError when the runs cannot be compared."""
    reasons = check_comparable(current, baseline, allow=allow)
    if reasons:
        raise IncomparableError([f"incomparable runs: {r}" for r in reasons])
    b_models = baseline.get("models", {})
    c_models = current.get("models", {})
    pairs = [(m, m) for m in c_models if m in b_models]
    if not pairs and len(c_models) == 1 and len(b_models) == 1:
        pairs = [(next(iter(c_models)), next(iter(b_models)))]  # judge swap explicitly allowed
    if not pairs:
        raise IncomparableError("incomparable runs: no judge in common")
    checks: list[Check] = []
    for cm, bm in pairs:
        cur, base = c_models[cm], b_models[bm]
        scopes = [("overall", cur.get("overall", {}), base.get("overall", {}))]
        if config.per_language:
            for lang, block in cur.get("by_language", {}).items():
                if lang in base.get("by_language", {}):
                    scopes.append((lang, block, base["by_language"][lang]))
        cutoff = int(current.get("cutoff") or 10)
        for scope, cblock, bblock in scopes:
            for name, tol in config.metrics.items():
                metric = f"auc.{cutoff}" if name == "auc.cutoff" else name
                b, c = _get(bblock, metric), _get(cblock, metric)
                if b is None:
                    continue  # nothing to hold the run to
                allowed = tol.allowed(b)
                if c is None:
                    checks.append(Check(cm, scope, metric, b, None, allowed, False, "became undefined"))
                    continue
                worse = (c - b) if direction(metric) == "lower_is_better" else (b - c)
                checks.append(Check(cm, scope, metric, b, c, allowed, worse <= allowed + 1e-12))
        for lang, cons in cur.get("consistency", {}).items():
            gap = _get(cons, "mean_signed_gap")
            if gap is None:
                continue
            if config.max_abs_gap is not None:
                checks.append(Check(cm, f"gap:{lang}", "abs_gap_limit", None, abs(gap), config.max_abs_gap,
                                    abs(gap) <= config.max_abs_gap))
            bgap = _get(base.get("consistency", {}).get(lang, {}), "mean_signed_gap")
            if config.max_gap_increase is not None and bgap is not None:
                checks.append(Check(cm, f"gap:{lang}", "abs_gap_increase", abs(bgap), abs(gap),
                                    config.max_gap_increase, abs(gap) - abs(bgap) <= config.max_gap_increase + 1e-12))
    return checks
