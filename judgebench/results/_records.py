"""The judgment record: one line of samples.jsonl, typed, with a documented field each.

Built by the runner, appended by the store, read back by reports and metrics. A new field is
added here, once; ``samples_json_schema()`` publishes the schema (docs/schemas/), and the tests
validate every samples.jsonl they write against it.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["ok", "parse_error", "refusal", "error"]


class RaterItems(BaseModel):
    """One reference rater's item vector for the sample (``truth.ratings``)."""

    model_config = ConfigDict(frozen=True)

    rater: str = Field(description="Who rated (a person, a clinician id, another instrument).")
    items: list[int] = Field(description="The rater's item scores, one per item of the scale.")


class _Base(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    task: str = Field(description="Name of the task the sample belongs to.")
    sample_id: str = Field(description="Sample id; in pairwise mode '<A id>|<B id>', A shown first.")
    pair_id: str = Field(description="The case (persona) across languages; pairwise: '<A case>|<B case>'.")
    language: str = Field(description="BCP-47 code of the dialogue(s).")
    arm: Optional[str] = Field(description="meta.arm of the sample (baseline, translated, localized, codemixed) or null.")
    model: str = Field(description="The judge's name (a litellm model string or a models-file name).")
    repeat: int = Field(ge=0, description="Repeat index (0-based): repeats are separate, separately cached calls.")
    status: Status = Field(description="ok, parse_error, refusal or error; only ok carries a prediction.")
    raw: Optional[str] = Field(description="The judge's answer text (redacted, at most 100,000 characters); null when the call failed.")
    error: Optional[str] = Field(description="Why the judgment is not ok (or null).")
    flags: list[str] = Field(description="Parser flags of a scored answer, e.g. total_mismatch.")
    cached: bool = Field(description="Answered from the response cache.")
    latency_s: Optional[float] = Field(description="Seconds the call took (of the original call when cached).")
    usage: Optional[dict[str, int]] = Field(description="prompt_tokens and completion_tokens, when the provider reported them.")
    cost_usd: Optional[float] = Field(description="litellm's list price of the call (its batch price when a batch answered); null when the model is unpriced.")
    attempts: int = Field(ge=0, description="Calls made for this judgment (0 when cached; a batch line counts as one).")
    deployment: Optional[str] = Field(default=None, description="For a judge with several deployments (a fleet): the api_base of the replica that answered, without credentials; absent otherwise.")
    batch_id: Optional[str] = Field(default=None, description="The provider batch that answered (runs with --batch); absent for direct calls.")


class PointJudgment(_Base):
    """A pointwise judgment: one dialogue, a predicted total (and items)."""

    pred_total: Optional[int] = Field(description="The score: the sum of valid items, else a valid total; null unless ok.")
    pred_items: Optional[list[int]] = Field(description="The judge's item vector when it gave a valid one.")
    true_total: int = Field(description="The sample's true total.")
    true_items: Optional[list[int]] = Field(description="The sample's true item vector, when known.")
    true_items_range: Optional[list[list[int]]] = Field(default=None, description="Per item the plausible [lo, hi] given the text (tasks that record it).")
    hidden_items: Optional[list[int]] = Field(default=None, description="1-based items the text never evidences (tasks that record it).")
    scoring: Optional[Literal["logprob", "sample"]] = Field(default=None, description="The judge's probabilistic scoring mode (--scoring); absent for point scoring. 'sample' judgments are point answers whose repeats metrics turn into distributions.")
    pred_items_dist: Optional[list[list[float]]] = Field(default=None, description="scoring logprob, ok judgments: per item, the probabilities of the values 0..item_max read from the answer's token log-probabilities (admissible tokens only, renormalised); a point mass at the answer for items flagged logprob_unavailable:itemN. Absent when no item could be read.")
    pred_total_expected: Optional[float] = Field(default=None, description="The sum of the items' expected values under pred_items_dist (not the judge's own total).")
    true_ratings: Optional[list[RaterItems]] = Field(default=None, description="Reference raters' item vectors, [{rater, items}] (tasks with truth.ratings).")


class PairJudgment(_Base):
    """A pairwise judgment: which of two dialogues shows the more depressed person."""

    a_id: str = Field(description="Sample shown first (A).")
    b_id: str = Field(description="Sample shown second (B).")
    a_pair_id: Optional[str] = Field(default=None, description="Case of A (the structured form of pair_id, safe for ids containing '|').")
    b_pair_id: Optional[str] = Field(default=None, description="Case of B.")
    true_a: int = Field(description="True total of A.")
    true_b: int = Field(description="True total of B.")
    true_choice: Literal["A", "B", "tie"] = Field(description="The truly more severe dialogue, or tie.")
    pred_choice: Optional[Literal["A", "B", "tie"]] = Field(description="The judge's answer; null unless ok.")
    pred_total: None = Field(default=None, description="Always null in pairwise mode.")
    true_total: None = Field(default=None, description="Always null in pairwise mode.")


JudgmentRecord = Union[PointJudgment, PairJudgment]
_OPTIONAL = ("true_items_range", "hidden_items", "scoring", "pred_items_dist", "pred_total_expected", "true_ratings",
             "deployment", "batch_id")


def record_json(record: JudgmentRecord | dict[str, Any]) -> dict[str, Any]:
    """The samples.jsonl form: every field, optional task fields only when the task has them."""
    if isinstance(record, dict):
        return record
    out = record.model_dump()
    for key in _OPTIONAL:
        if out.get(key) is None:
            out.pop(key, None)
    return out


def samples_json_schema() -> dict[str, Any]:
    """JSON Schema of one samples.jsonl line (published as docs/schemas/samples.schema.json)."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(JudgmentRecord).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "judgebench samples.jsonl line"
    return schema
