"""The metrics document as typed records: what ``run_metrics`` returns and reports read.

``metrics.json`` is ``RunMetrics.to_json()``; a file read back becomes a ``RunMetrics`` through
``RunMetrics.from_json``, which says which field of which file is wrong instead of letting a
report fail on a missing key. Blocks keep the keys they do not declare (``extra="allow"``) so a
newer file (or a notebook's own additions) survives a round trip; ``to_json`` writes back
exactly the keys that were there, nothing invented. docs/schemas/metrics.schema.json is
generated from these classes (``metrics_json_schema``).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Num = Optional[float]
CI = Optional[list[Optional[float]]]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    def to_json(self) -> dict[str, Any]:
        """The JSON form: the keys this block was built with, in their order."""
        return self.model_dump(mode="json", exclude_unset=True)


class ExpectedBlock(_Open):
    """Point metrics on the expected totals of probability-weighted scoring (docs/metrics.md)."""

    n: int = 0
    mae: Num = None
    rmse: Num = None
    pearson_r: Num = None
    spearman_rho: Num = None
    ccc: Num = None
    mean_signed_error: Num = None
    auc: dict[str, Num] = Field(default_factory=dict, description="Threshold -> AUC of P(total >= threshold).")
    undefined: dict[str, str] = Field(default_factory=dict)


class CalibrationBlock(_Open):
    """Calibration of P(total >= cut-off) against the truth (docs/metrics.md)."""

    cutoff: Optional[int] = None
    n: int = 0
    n_positive: int = 0
    brier: Num = Field(None, description="Brier score (Brier 1950).")
    ece: Num = Field(None, description="Expected calibration error over equal-width bins (Guo et al. 2017).")
    n_bins: Optional[int] = None
    bins: list[dict[str, Any]] = Field(default_factory=list, description="[{lo, hi, n, mean_p, frac_pos}] of non-empty bins.")
    undefined: dict[str, str] = Field(default_factory=dict)


class ScoreBlock(_Open):
    """METRICS of one group of judgments (a model overall, or one language / arm of it)."""

    n: int = Field(description="Judgments in the group (every status).")
    n_scored: int = Field(description="Judgments with status ok.")
    parse_failure_rate: Num = Field(None, description="Share of judgments whose answer could not be parsed.")
    refusal_rate: Num = Field(None, description="Share of judgments the judge refused.")
    error_rate: Num = Field(None, description="Share of judgments whose call failed.")
    undefined: dict[str, str] = Field(default_factory=dict, description="Dotted key -> why that value is null.")
    # pointwise
    mae: Num = Field(None, description="Mean absolute error of the total (docs/metrics.md).")
    rmse: Num = Field(None, description="Root mean squared error of the total.")
    pearson_r: Num = Field(None, description="Pearson correlation of predicted and true totals.")
    spearman_rho: Num = Field(None, description="Spearman rank correlation.")
    ccc: Num = Field(None, description="Lin's concordance correlation coefficient.")
    auc: dict[str, Num] = Field(default_factory=dict, description="Threshold (as a string) -> AUC of the predicted total for true total >= threshold.")
    qwk_bands: Num = Field(None, description="Quadratic-weighted kappa on severity bands.")
    mean_signed_error: Num = Field(None, description="Mean of predicted minus true total.")
    ci95: dict[str, CI] = Field(default_factory=dict, description="Bootstrap 95% CIs (resampling cases), by metric.")
    plausible: Optional[dict[str, Any]] = Field(None, description="In-range rate and visible-item MAE (tasks with truth.items_range).")
    expected: Optional[ExpectedBlock] = Field(None, description="--scoring logprob|sample: metrics of the expected totals.")
    calibration: Optional[CalibrationBlock] = Field(None, description="--scoring logprob|sample: calibration at the cut-off.")
    # pairwise
    accuracy: Num = Field(None, description="Pairwise: share of non-tie pairs ordered correctly.")
    tie_rate: Num = Field(None, description="Pairwise: share of answers that were 'tie'.")
    position_consistency: Num = Field(None, description="Pairwise: share of pairs answered the same in both orders.")

    def auc_at(self, cutoff: int) -> Num:
        return self.auc.get(str(cutoff))


class Equivalence(_Open):
    """TOST of a language's paired gaps against ±margin (docs/metrics.md, EQUIVALENCE)."""

    margin: float = Field(description="± margin in scale points.")
    p: Num = Field(None, description="TOST p: the larger of the two one-sided p-values.")
    verdict: Literal["equivalent", "different", "inconclusive"]
    ci90: CI = Field(None, description="90% CI of the mean gap (the TOST's interval).")
    min_margin: Num = Field(None, description="The smallest margin these cases could establish: max |bound| of ci90.")
    n: int = 0


class ItemShift(_Open):
    """Per item, the mean signed shift against the baseline language, with 95% CIs."""

    n: int = 0
    mean: list[Num] = Field(default_factory=list)
    ci95: list[CI] = Field(default_factory=list)


class ConsistencyBlock(_Open):
    """One language against the baseline language, case by case (docs/metrics.md, CONSISTENCY)."""

    n_pairs: int = Field(description="Cases scored in both languages.")
    mean_signed_gap: Num = Field(None, description="Mean of (language - baseline) predicted total per case.")
    mean_abs_gap: Num = Field(None, description="Mean absolute gap per case.")
    signed_gap_ci95: CI = Field(None, description="Bootstrap 95% CI of the mean signed gap.")
    wilcoxon_p: Num = Field(None, description="Wilcoxon signed-rank p of the gaps.")
    wilcoxon_p_holm: Num = Field(None, description="Holm-adjusted across the languages of the block.")
    bland_altman: Optional[dict[str, Num]] = Field(None, description="Bias and 95% limits of agreement.")
    agreement: Num = Field(None, description="Pairwise: share of pairs answered as in the baseline language.")
    equivalence: Optional[Equivalence] = Field(None, description="Is the language rated the same as the baseline, within the margin?")
    item_shift: Optional[ItemShift] = Field(None, description="Per-item signed shift against the baseline.")
    undefined: dict[str, str] = Field(default_factory=dict, description="Dotted key -> why that value is null.")


class ArmMetrics(_Open):
    """One arm (translated, localized, ...) of the non-baseline languages."""

    by_language: dict[str, ScoreBlock] = Field(default_factory=dict)
    consistency: dict[str, ConsistencyBlock] = Field(default_factory=dict)


class PanelAgreement(_Open):
    krippendorff_alpha_interval: Num = None
    ci95: CI = None
    n_samples: int = 0
    undefined: dict[str, str] = Field(default_factory=dict)


class Panel(_Open):
    """A virtual judge made of other judges' judgments (--panel)."""

    members: list[str]
    aggregate: Literal["median", "mean"] = "median"
    agreement: Optional[PanelAgreement] = None


class ModelMetrics(_Open):
    """Everything measured about one judge in a run."""

    answers: Optional[dict[str, Any]] = Field(None, description="How varied the judge's answers were (metrics/_answers.py).")
    overall: ScoreBlock
    by_language: dict[str, ScoreBlock] = Field(default_factory=dict)
    consistency: dict[str, ConsistencyBlock] = Field(default_factory=dict)
    by_arm: dict[str, ArmMetrics] = Field(default_factory=dict, description="Per arm, when a task has several non-baseline arms.")
    panel: Optional[Panel] = Field(None, description="Only for a panel: its members, aggregate and their agreement.")

    def groups(self) -> list[tuple[str, ScoreBlock, Optional[ConsistencyBlock]]]:
        """(label, block, consistency) for overall, each language, and each arm of a language."""
        out: list[tuple[str, ScoreBlock, Optional[ConsistencyBlock]]] = [("overall", self.overall, None)]
        for lang, block in self.by_language.items():
            out.append((lang, block, self.consistency.get(lang)))
            for arm in sorted(self.by_arm):
                arm_metrics = self.by_arm[arm]
                if lang in arm_metrics.by_language:
                    out.append((f"{lang} · {arm}", arm_metrics.by_language[lang], arm_metrics.consistency.get(lang)))
        return out


class Usage(_Open):
    """Tokens and cost of one judge's judgments in the run."""

    judgments: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Num = Field(None, description="Paid in this run (cached answers cost nothing).")
    cost_usd_all: Num = Field(None, description="What all the judgments cost when they were made.")
    priced: bool = Field(False, description="False when the model has no known price.")


class Comparison(_Open):
    """Two judges compared paired on the samples both scored (docs/metrics.md, COMPARISONS)."""

    a: str
    b: str
    metric: str = Field(description="mae, auc_<cutoff> or accuracy_<cutoff>.")
    diff: Num = Field(None, description="a minus b.")
    ci: CI = Field(None, description="Paired bootstrap 95% CI of diff (cases resampled).")
    p: Num = None
    p_holm: Num = Field(None, description="Holm-adjusted over the pairs of judges, per metric.")
    n: int = 0
    test: Optional[str] = None
    undefined: dict[str, str] = Field(default_factory=dict)


class FormatEffect(_Open):
    """The same cases in two tasks: per case |error| in a minus in b, per judge and language."""

    a: str
    b: str
    model: str
    language: str
    n: int = 0
    diff: Num = None
    ci: CI = None
    p: Num = None
    p_holm: Num = None


class RaterAgreement(_Open):
    n: int = 0
    mae: Num = None
    pearson_r: Num = None
    inside_human_range: Optional[bool] = None


class Raters(_Open):
    """Judges against reference raters (truth.ratings), beside the raters against each other."""

    n_samples: int = 0
    raters: dict[str, RaterAgreement] = Field(default_factory=dict, description="Each rater vs the mean of the others.")
    human_range: Optional[dict[str, CI]] = Field(None, description="[min, max] of the raters' mae and pearson_r.")
    judges: dict[str, RaterAgreement] = Field(default_factory=dict, description="Each judge vs the raters' mean.")


class Provenance(_Open):
    """What the numbers were measured on, so a metrics file alone can be checked for comparability."""

    tasks: list[dict[str, Any]] = Field(default_factory=list, description="[{name, content_hash}].")
    prompt_hash: Optional[str] = None
    models: dict[str, str] = Field(default_factory=dict, description="Judge name -> litellm model string.")
    repeats: Optional[int] = None
    temperature: Optional[float] = None


class RunMetrics(_Open):
    """The whole metrics.json document (docs/contract.md §4)."""

    schema_version: Literal[1] = 1
    run_id: Optional[str] = None
    baseline_language: str = "en"
    scale: Optional[str] = Field(None, description="Name of the scale the run used.")
    cutoff: Optional[int] = Field(None, description="The scale's clinical cut-off.")
    mode: Literal["pointwise", "pairwise"] = "pointwise"
    bootstrap: Optional[dict[str, Any]] = Field(None, description="n_resamples, seed, level, unit of every CI.")
    equivalence_margin: Num = Field(None, description="± margin of every equivalence test, in scale points.")
    models: dict[str, ModelMetrics]
    comparisons: list[Comparison] = Field(default_factory=list, description="Every pair of judges, paired (a − b).")
    format_effect: list[FormatEffect] = Field(default_factory=list, description="Runs of two tasks sharing cases.")
    raters: Optional[Raters] = Field(None, description="Tasks with truth.ratings.")
    provenance: Optional[Provenance] = None
    usage: dict[str, Usage] = Field(default_factory=dict)
    scale_def: Optional[dict[str, Any]] = Field(None, description="The scale itself, so reports work for task-defined scales.")

    @property
    def cutoff_or_default(self) -> int:
        """The scale's cut-off; PHQ-9's 10 for files that predate the field."""
        return int(self.cutoff or 10)

    @classmethod
    def from_json(cls, doc: Any, *, source: str = "metrics.json") -> RunMetrics:
        """A metrics document read back; a malformed one is an input error naming the field."""
        from pydantic import ValidationError

        from ..errors import InputError

        try:
            return cls.model_validate(doc)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(top level)"
            raise InputError(f"{source}: {where}: {first['msg']}; not a judgebench metrics file, "
                             "or a damaged one: re-run `judgebench run` on the run directory to rewrite it") from None


def metrics_json_schema() -> dict[str, Any]:
    """JSON Schema of metrics.json (published as docs/schemas/metrics.schema.json)."""
    schema = RunMetrics.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "judgebench metrics.json"
    schema["description"] = ("docs/contract.md §4 and §6; statistics defined in docs/metrics.md. "
                             "Undefined values are null, never NaN.")
    return schema
