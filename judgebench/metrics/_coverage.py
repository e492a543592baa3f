"""Coverage: how many judgments could be scored, and where the failures fall.

Refusals cluster in severe cases (missing not at random), so the failure rates are also given by
*true* band: an MAE over the scored subset can look good precisely because the hard cases were
refused.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..scales import Scale
from ._bands import band_index

FAILURES = {"parse_failure_rate": "parse_error", "refusal_rate": "refusal", "error_rate": "error"}
"""metrics.json key -> the ``status`` it counts."""


def status_rates(statuses: Sequence[str] | np.ndarray, /) -> dict[str, float | None]:
    """Share of judgments per failure status: ``count(status == s) / n``; None when ``n == 0``.

    Keys ``parse_failure_rate``, ``refusal_rate``, ``error_rate``; the remainder is the
    coverage (``status == "ok"``).
    """
    s = np.asarray(statuses, dtype=object)
    n = s.size
    return {key: (float((s == status).sum() / n) if n else None) for key, status in FAILURES.items()}


def coverage_by_band(
    true_totals: Sequence[float] | np.ndarray, statuses: Sequence[str] | np.ndarray, /, *, scale: Scale
) -> dict[str, dict[str, Any]]:
    """Failure rates within each band of the *true* total.

    Returns
    -------
    dict
        ``{band label: {"n", "parse_failure_rate", "refusal_rate", "error_rate"}}`` for every
        band of the scale; the rates are None for a band with no judgment.
    """
    t = np.asarray(true_totals, dtype=float)
    s = np.asarray(statuses, dtype=object)
    if t.shape != s.shape:
        raise ValueError(f"true_totals and statuses differ in length ({t.shape} vs {s.shape})")
    known = ~np.isnan(t)
    bands = band_index(t[known], scale=scale)
    s = s[known]
    k = len(scale.bands)
    n_by_band = np.bincount(bands, minlength=k)
    out: dict[str, dict[str, Any]] = {}
    for i, label in enumerate(scale.band_labels):
        n = int(n_by_band[i])
        row: dict[str, Any] = {"n": n}
        for key, status in FAILURES.items():
            hits = int(np.count_nonzero((bands == i) & (s == status)))
            row[key] = hits / n if n else None
        out[label] = row
    return out
