"""Tolerances for the CI gate: how far each metric may move before it counts as a regression."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import InputError


Direction = Literal["lower_is_better", "higher_is_better"]

# Metric path inside a METRICS block -> which way is better.
DIRECTIONS: dict[str, Direction] = {
    "mae": "lower_is_better",
    "rmse": "lower_is_better",
    "pearson_r": "higher_is_better",
    "spearman_rho": "higher_is_better",
    "ccc": "higher_is_better",
    "qwk_bands": "higher_is_better",
    "auc.cutoff": "higher_is_better",  # AUC at the scale's own cut-off (auc.N names one threshold)
    "parse_failure_rate": "lower_is_better",
    "refusal_rate": "lower_is_better",
    "error_rate": "lower_is_better",
    # pairwise mode
    "accuracy": "higher_is_better",
    "position_consistency": "higher_is_better",
    "tie_rate": "lower_is_better",
}


def direction(metric: str) -> Direction | None:
    """Which way is better for a gate metric; ``auc.N`` is any AUC threshold. None: unknown."""
    if metric in DIRECTIONS:
        return DIRECTIONS[metric]
    head, _, tail = metric.partition(".")
    return "higher_is_better" if head == "auc" and tail.isdigit() else None


@dataclass(frozen=True)
class Tolerance:
    absolute: float | None = None
    """Largest allowed move in the worse direction, in the metric's units."""
    relative: float | None = None
    """Largest allowed move in the worse direction, as a share of the baseline value."""

    def allowed(self, baseline: float) -> float:
        limits = []
        if self.absolute is not None:
            limits.append(self.absolute)
        if self.relative is not None:
            limits.append(abs(baseline) * self.relative)
        return max(limits) if limits else 0.0


@dataclass(frozen=True)
class GateConfig:
    metrics: dict[str, Tolerance] = field(default_factory=dict)
    per_language: bool = True
    """Apply the metric tolerances to every language too, not only overall."""
    max_abs_gap: float | None = None
    """|mean signed gap| of any language against the baseline language must stay below this."""
    max_gap_increase: float | None = 1.0
    """|gap| may not grow by more than this against the baseline run."""


DEFAULT = GateConfig(
    metrics={
        "mae": Tolerance(absolute=0.5),
        "rmse": Tolerance(absolute=0.75),
        "pearson_r": Tolerance(absolute=0.05),
        "ccc": Tolerance(absolute=0.05),
        "auc.cutoff": Tolerance(absolute=0.05),
        "parse_failure_rate": Tolerance(absolute=0.02),
        "refusal_rate": Tolerance(absolute=0.02),
        "error_rate": Tolerance(absolute=0.02),
        "accuracy": Tolerance(absolute=0.05),
        "position_consistency": Tolerance(absolute=0.05),
    },
)


def _schema():
    """The tolerances file as pydantic models (built on first use: pydantic stays off the
    start-up path of every other command)."""
    from pydantic import Field, NonNegativeFloat, model_validator

    from .._config import Strict

    class ToleranceSpec(Strict):
        absolute: NonNegativeFloat | None = Field(default=None, description="Largest move in the worse direction, in the metric's units.")
        relative: NonNegativeFloat | None = Field(default=None, description="Largest move in the worse direction, as a share of the baseline value.")

        @model_validator(mode="after")
        def _one(self):
            if self.absolute is None and self.relative is None:
                raise ValueError("give {absolute: X} and/or {relative: Y}")
            return self

    class File(Strict):
        metrics: dict[str, ToleranceSpec] = Field(default_factory=dict)
        per_language: bool = True
        max_abs_gap: NonNegativeFloat | None = None
        max_gap_increase: NonNegativeFloat | None = DEFAULT.max_gap_increase

    return File


def load_gate_config(path: Path) -> GateConfig:
    """Read tolerances from YAML::

        metrics:
          mae: {absolute: 0.5}          # may rise by at most 0.5
          pearson_r: {relative: 0.1}    # may fall by at most 10% of the baseline value
        per_language: true
        max_abs_gap: 2.0
        max_gap_increase: 1.0
    """
    from .._config import load_config

    spec, lines = load_config(_schema(), path, "tolerances")
    unknown = [f"{path}:{lines.get(f'metrics.{m}', 1)}: metrics.{m}: unknown metric; known: {', '.join(DIRECTIONS)}, auc.N"
               for m in spec.metrics if direction(str(m)) is None]
    if unknown:
        raise InputError(unknown)
    metrics = {name: Tolerance(absolute=t.absolute, relative=t.relative) for name, t in spec.metrics.items()}
    return GateConfig(
        metrics=metrics or DEFAULT.metrics,
        per_language=spec.per_language,
        max_abs_gap=spec.max_abs_gap,
        max_gap_increase=spec.max_gap_increase,
    )
