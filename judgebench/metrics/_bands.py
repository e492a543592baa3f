"""Severity bands: where a total falls, how bands are confused, and error within each band."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scales import Scale
from ._agreement import ArrayLike, _pair


def band_index(totals: ArrayLike, /, *, scale: Scale) -> np.ndarray:
    """Band index of each total (vectorised ``Scale.band``): the last band whose lower bound it reaches.

    Totals below the first bound fall in band 0, as in ``Scale.band``.
    """
    lows = np.array([low for _, low in scale.bands], dtype=float)
    idx = np.searchsorted(lows, np.asarray(totals, dtype=float), side="right") - 1
    return np.clip(idx, 0, len(lows) - 1)


def band_confusion(y_true: ArrayLike, y_pred: ArrayLike, /, *, scale: Scale) -> dict[str, Any]:
    """Counts of (true band, predicted band).

    ``matrix[i][j]`` = number of judgments whose true total is in band ``labels[i]`` and whose
    predicted total is in band ``labels[j]`` (rows truth, columns prediction, the convention of
    ``sklearn.metrics.confusion_matrix``). Counts are always defined; an empty input gives zeros.

    Returns
    -------
    dict
        ``{"labels": [band label, ...], "matrix": [[int, ...], ...]}``
    """
    t, p = _pair(y_true, y_pred)
    k = len(scale.bands)
    flat = band_index(t, scale=scale) * k + band_index(p, scale=scale)
    matrix = np.bincount(flat, minlength=k * k).reshape(k, k)
    return {"labels": scale.band_labels, "matrix": matrix.astype(int).tolist()}


def mean_signed_error_by_band(
    y_true: ArrayLike, y_pred: ArrayLike, /, *, scale: Scale
) -> dict[str, float | None]:
    """Mean of ``pred - true`` within each *true* band: ``{band label: value or None}``.

    A judge that compresses the range over-estimates the low bands and under-estimates the high
    ones (regression towards the middle); this makes it visible where a single mean hides it.
    None for a band with no scored judgment.
    """
    t, p = _pair(y_true, y_pred)
    k = len(scale.bands)
    bt = band_index(t, scale=scale)
    counts = np.bincount(bt, minlength=k)
    sums = np.bincount(bt, weights=p - t, minlength=k)
    return {
        label: (float(sums[i] / counts[i]) if counts[i] else None)
        for i, label in enumerate(scale.band_labels)
    }
