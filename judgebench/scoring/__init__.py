"""Probability-weighted scores (G-Eval style): the judge's own token probabilities of each item
value, and what follows from them (expected totals, P(total >= t)). Pure functions, no I/O.

See docs/metrics.md, "Probability-weighted scores".
"""

from ._dist import (
    empirical_item_dists, expected_total, item_expectations, prob_at_least, total_distribution,
)
from ._extract import ItemDists, item_distributions

SCORING_MODES = ("point", "logprob", "sample", "auto")
"""``--scoring`` values: ``point`` the parsed answer only; ``logprob`` item distributions from the
answer's token probabilities; ``sample`` empirical item distributions over ``--repeats``;
``auto`` logprob where the provider returns logprobs, else point."""

__all__ = [
    "ItemDists",
    "SCORING_MODES",
    "empirical_item_dists",
    "expected_total",
    "item_distributions",
    "item_expectations",
    "prob_at_least",
    "total_distribution",
]
