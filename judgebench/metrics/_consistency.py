"""Does a judge rate the same case the same way in every language? (per ``pair_id``)"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..scales import Scale
from ._agreement import bland_altman
from ._bands import band_index
from ._bootstrap import bootstrap_mean_ci
from ._equivalence import default_margin, tost_paired


def wilcoxon_p(diffs: np.ndarray, /) -> float | None:
    """Two-sided Wilcoxon signed-rank p for "the median gap is 0"; None if all gaps are 0.

    scipy's ``wilcoxon(zero_method="wilcox")``: zero gaps are dropped (Wilcoxon 1945,
    Biometrics Bulletin 1:80).
    """
    from scipy.stats import wilcoxon

    # Averaged repeats make gaps equal in exact arithmetic differ in the last bit (22/3 - 7 vs
    # 1/3); rounding far below any rating resolution lets the test see them as the ties they are.
    d = np.round(np.asarray(diffs, dtype=float), 9)
    if d.size < 2 or np.all(d == 0):
        return None
    try:
        p = float(wilcoxon(d, zero_method="wilcox").pvalue)
    except ValueError:
        return None
    return p if np.isfinite(p) else None


def why_no_wilcoxon(diffs: np.ndarray, /) -> str:
    """Reason ``wilcoxon_p`` is None."""
    d = np.asarray(diffs, dtype=float)
    if d.size < 2:
        return "fewer than 2 pairs"
    if np.all(d == 0):
        return "every gap is 0"
    return "signed-rank test undefined for these gaps"


def holm_adjust(pvalues: Sequence[float | None], /) -> list[float | None]:
    """Holm step-down adjusted p-values; None entries stay None and are not counted.

    With the m defined p-values sorted ascending, p_(1) <= ... <= p_(m)::

        adj_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))

    Rejecting where ``adj <= alpha`` controls the family-wise error rate at alpha, uniformly
    more powerful than Bonferroni.

    References
    ----------
    Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian Journal
    of Statistics 6(2):65-70.
    """
    defined = [(p, i) for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    m = len(defined)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(defined)):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def consistency_gaps(
    baseline: np.ndarray,
    other: np.ndarray,
    /,
    *,
    scale: Scale,
    n_resamples: int = 1000,
    seed: int = 0,
    truth_baseline: np.ndarray | None = None,
    truth_other: np.ndarray | None = None,
    equivalence_margin: float | None = None,
) -> dict[str, Any]:
    """Gaps ``other - baseline`` over pairs judged in both (arrays aligned by pair).

    Keys (docs/contract.md §4 CONSISTENCY): n_pairs, mean_signed_gap, mean_abs_gap, signed_gap_ci95,
    wilcoxon_p, band_flip_rate, cutoff_flip_rate; and bland_altman (``bland_altman(baseline,
    other)``), delta_mae = mean|other - truth_other| - mean|baseline - truth_baseline| over the
    same pairs (positive: the language is scored worse) with delta_mae_ci95 (the pairs
    resampled), equivalence (``tost_paired`` of the gaps against ±``equivalence_margin``, by
    default ``default_margin(scale)``), and ``undefined`` {key: reason} for every None. ``wilcoxon_p_holm`` needs the
    other languages and is added by ``consistency_block``.
    """
    b = np.asarray(baseline, dtype=float)
    o = np.asarray(other, dtype=float)
    d = o - b
    n = int(d.size)
    why: dict[str, str] = {}
    ba = bland_altman(b, o)
    out: dict[str, Any] = {
        "n_pairs": n,
        "mean_signed_gap": float(d.mean()) if n else None,
        "mean_abs_gap": float(np.abs(d).mean()) if n else None,
        "signed_gap_ci95": bootstrap_mean_ci(d, n_resamples=n_resamples, seed=seed),
        "wilcoxon_p": wilcoxon_p(d),
        "band_flip_rate": (
            float((band_index(b, scale=scale) != band_index(o, scale=scale)).mean()) if n else None
        ),
        "cutoff_flip_rate": float(((b >= scale.cutoff) != (o >= scale.cutoff)).mean()) if n else None,
        "bland_altman": ba,
        "delta_mae": None,
        "delta_mae_ci95": None,
        "equivalence": tost_paired(d, margin=default_margin(scale) if equivalence_margin is None
                                   else equivalence_margin),
    }
    if truth_baseline is not None and truth_other is not None:
        # per pair: how much worse the language is scored than the baseline; its mean is ΔMAE
        worse = np.abs(o - np.asarray(truth_other, dtype=float)) - np.abs(b - np.asarray(truth_baseline, dtype=float))
        out["delta_mae"] = float(worse.mean()) if n else None
        out["delta_mae_ci95"] = bootstrap_mean_ci(worse, n_resamples=n_resamples, seed=seed)
    if n == 0:
        none = "no pair_id judged ok in both languages"
        why.update({k: none for k, v in out.items() if v is None})
        why.update({f"bland_altman.{k}": none for k in ba})
    else:
        few = "fewer than 2 pairs" if n < 2 else "no bootstrap resamples (n_resamples=0)"
        if out["signed_gap_ci95"] is None:
            why["signed_gap_ci95"] = few
        if out["wilcoxon_p"] is None:
            why["wilcoxon_p"] = why_no_wilcoxon(d)
        why.update({f"bland_altman.{k}": "fewer than 2 pairs" for k, v in ba.items() if v is None})
        if out["delta_mae"] is None:
            why["delta_mae"] = why["delta_mae_ci95"] = "true totals not given"
        elif out["delta_mae_ci95"] is None:
            why["delta_mae_ci95"] = few
    if out["equivalence"]["p"] is None:
        why.update({f"equivalence.{k}": "fewer than 2 pairs" for k in ("p", "ci90", "min_margin")})
    out["undefined"] = why
    return out
