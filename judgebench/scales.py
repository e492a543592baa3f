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


def get_scale(name: str) -> Scale:
    from .errors import InputError

    try:
        return SCALES[name.lower().replace("-", "")]
    except KeyError:
        raise InputError(f"unknown scale {name!r}; known: {', '.join(SCALES)}") from None
