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
        return cls(**{**d, "bands": tuple((str(k), int(v)) for k, v in d["bands"]),
                      "item_labels": tuple(d.get("item_labels", ()))})

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
)

PHQ8 = Scale(
    name="phq8",
    max_total=24,
    n_items=8,
    item_max=3,
    bands=PHQ9.bands,
    cutoff=10,
    item_labels=PHQ9.item_labels[:8],
)

BDI2 = Scale(
    name="bdi2",
    max_total=63,
    n_items=21,
    item_max=3,
    bands=(("minimal", 0), ("mild", 14), ("moderate", 20), ("severe", 29)),
    cutoff=20,
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
    """
    from .errors import InputError

    problems = []
    for key in ("name", "max_total", "bands", "cutoff"):
        if key not in spec:
            problems.append(f"{where}: scale.{key}: required")
    unknown = set(spec) - {"name", "max_total", "n_items", "item_max", "cutoff", "bands", "item_labels"}
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
        )
    except (TypeError, ValueError) as e:
        raise InputError(f"{where}: scale: {e}") from None


def get_scale(name: str) -> Scale:
    from .errors import InputError

    try:
        return SCALES[name.lower().replace("-", "")]
    except KeyError:
        raise InputError(f"unknown scale {name!r}; known: {', '.join(SCALES)}") from None
