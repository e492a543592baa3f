"""Rating scales: ranges, items and severity bands. Scales are data, not code paths."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A symptom questionnaire whose total a judge estimates."""

    name: str
    """Identifier used in task.yaml (``phq9``)."""
    max_total: int
    """Totals run from 0 to this value."""
    n_items: int
    """Number of items; 0 when the task gives totals only."""
    item_max: int
    """Each item runs from 0 to this value."""
    bands: tuple[tuple[str, int], ...]
    """(label, lowest total) in increasing order; a total belongs to the last band it reaches."""
    cutoff: int
    """The usual clinical cut-off (``total >= cutoff`` screens positive)."""
    item_labels: tuple[str, ...] = ()
    """What each item asks, in item order (shown to the judge); empty: standard order unnamed."""
    title: str = ""
    """How the questionnaire is named in prompts and reports (``PHQ-9``); defaults to ``name``."""
    window: str = "the last two weeks"
    """The time window the items ask about, as the prompt says it."""
    anchors: tuple[str, ...] = ()
    """Meaning of each item value 0..item_max (``not at all``, ...), when the scale has them."""
    thresholds: tuple[int, ...] = ()
    """Totals at which AUC is reported (truth >= t); empty: every total from 1 to max_total - 1."""

    def __post_init__(self) -> None:
        problems = []
        if self.max_total < 1:
            problems.append(f"max_total {self.max_total} must be at least 1")
        if self.n_items < 0 or self.item_max < 1:
            problems.append("n_items must be >= 0 and item_max >= 1")
        if self.n_items and self.n_items * self.item_max != self.max_total:
            problems.append(f"{self.n_items} items of 0..{self.item_max} sum to {self.n_items * self.item_max}, "
                            f"not max_total {self.max_total}")
        if not 0 < self.cutoff <= self.max_total:
            problems.append(f"cutoff {self.cutoff} must be in 1..{self.max_total}")
        lows = [low for _, low in self.bands]
        if not lows or lows[0] != 0 or lows != sorted(set(lows)) or lows[-1] > self.max_total:
            problems.append("bands must start at 0 and rise strictly, within 0..max_total")
        if self.item_labels and len(self.item_labels) != self.n_items:
            problems.append(f"{len(self.item_labels)} item_labels for {self.n_items} items")
        if self.anchors and len(self.anchors) != self.item_max + 1:
            problems.append(f"{len(self.anchors)} anchors for item values 0..{self.item_max}")
        if any(not 0 < t <= self.max_total for t in self.thresholds):
            problems.append(f"thresholds must be in 1..{self.max_total}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def display_name(self) -> str:
        return self.title or self.name

    @property
    def auc_thresholds(self) -> tuple[int, ...]:
        return self.thresholds or tuple(range(1, self.max_total))

    def band(self, total: float) -> int:
        """Index of the band a (possibly fractional) total falls in."""
        idx = 0
        for i, (_, low) in enumerate(self.bands):
            if total >= low:
                idx = i
        return idx

    @classmethod
    def from_json(cls, d: dict) -> Scale:
        """The inverse of ``dataclasses.asdict`` (as stored in metrics.json ``scale_def``)."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{**{k: v for k, v in d.items() if k in known},
                      "bands": tuple((str(k), int(v)) for k, v in d["bands"]),
                      "item_labels": tuple(d.get("item_labels", ())),
                      "anchors": tuple(d.get("anchors", ())),
                      "thresholds": tuple(int(t) for t in d.get("thresholds", ()))})

    @property
    def band_labels(self) -> list[str]:
        return [label for label, _ in self.bands]


PHQ9 = Scale(
    name="phq9",
    max_total=27,
    n_items=9,
    item_max=3,
    bands=(("minimal", 0), ("mild", 5), ("moderate", 10), ("moderately severe", 15), ("severe", 20)),
    cutoff=10,
    item_labels=(
        "little interest or pleasure",
        "feeling down, depressed, hopeless",
        "sleep too little or too much",
        "tired, little energy",
        "poor appetite or overeating",
        "feeling bad about yourself",
        "trouble concentrating",
        "moving slowly or restless",
        "thoughts of death or self-harm",
    ),
    title="PHQ-9",
    anchors=("not at all", "several days", "more than half the days", "nearly every day"),
    # 3..24 as in the passive-estimation literature (Tieleman et al. 2026)
    thresholds=tuple(range(3, 25)),
)

PHQ8 = Scale(
    name="phq8",
    max_total=24,
    n_items=8,
    item_max=3,
    bands=PHQ9.bands,
    cutoff=10,
    item_labels=PHQ9.item_labels[:8],
    title="PHQ-8",
    anchors=PHQ9.anchors,
    thresholds=tuple(range(3, 22)),
)

BDI2 = Scale(
    name="bdi2",
    max_total=63,
    n_items=21,
    item_max=3,
    bands=(("minimal", 0), ("mild", 14), ("moderate", 20), ("severe", 29)),
    cutoff=20,
    title="BDI-II",
)

SCALES = {s.name: s for s in (PHQ9, PHQ8, BDI2)}


def scale_from_mapping(spec: dict, where: str) -> Scale:
    """A scale defined as data in task.yaml::

        scale:
          name: gad7
          max_total: 21
          n_items: 7          # 0 when only totals are known
          item_max: 3
          cutoff: 10
          bands: {minimal: 0, mild: 5, moderate: 10, severe: 15}
          item_labels: [...]  # optional
          title: GAD-7        # optional: how prompts and reports name it
          window: the last two weeks          # optional
          anchors: [not at all, several days, more than half the days, nearly every day]
          thresholds: [5, 10, 15]             # optional AUC thresholds
    """
    from .errors import InputError

    problems = []
    for key in ("name", "max_total", "bands", "cutoff"):
        if key not in spec:
            problems.append(f"{where}: scale.{key}: required")
    unknown = set(spec) - {"name", "max_total", "n_items", "item_max", "cutoff", "bands", "item_labels",
                           "title", "window", "anchors", "thresholds"}
    problems += [f"{where}: scale.{k}: unknown key" for k in sorted(unknown)]
    if problems:
        raise InputError(problems)
    bands = spec["bands"]
    if not isinstance(bands, dict) or not bands or not all(isinstance(v, int) for v in bands.values()):
        raise InputError(f"{where}: scale.bands: a mapping of band label -> lowest total")
    try:
        return Scale(
            name=str(spec["name"]),
            max_total=int(spec["max_total"]),
            n_items=int(spec.get("n_items", 0)),
            item_max=int(spec.get("item_max", 3)),
            bands=tuple(sorted(((str(k), int(v)) for k, v in bands.items()), key=lambda kv: kv[1])),
            cutoff=int(spec["cutoff"]),
            item_labels=tuple(str(x) for x in spec.get("item_labels", ())),
            title=str(spec.get("title", "")),
            window=str(spec.get("window", "the last two weeks")),
            anchors=tuple(str(x) for x in spec.get("anchors", ())),
            thresholds=tuple(int(t) for t in spec.get("thresholds", ())),
        )
    except (TypeError, ValueError) as e:
        raise InputError(f"{where}: scale: {e}") from None


def get_scale(name: str) -> Scale:
    from .errors import InputError

    try:
        return SCALES[name.lower().replace("-", "")]
    except KeyError:
        raise InputError(f"unknown scale {name!r}; known: {', '.join(SCALES)}") from None
