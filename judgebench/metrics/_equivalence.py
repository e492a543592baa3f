"""Equivalence: is a language rated *the same* as the baseline, within a stated margin?

A gap whose CI crosses zero is absence of evidence, not evidence of consistency; that needs a
test whose null hypothesis is "the languages differ by at least the margin" (docs/metrics.md,
"Equivalence").
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..scales import Scale

ALPHA = 0.05
PHQ9_MARGIN = 1.0
"""Default margin in PHQ-9 points; other scales get it scaled by their range (max_total / 27)."""

Verdict = Literal["equivalent", "different", "inconclusive"]


def default_margin(scale: Scale) -> float:
    """±1 PHQ-9 point, in the units of ``scale``: 1.0 * max_total / 27."""
    return PHQ9_MARGIN * scale.max_total / 27


def tost_paired(diffs: Any, /, *, margin: float, alpha: float = ALPHA) -> dict[str, Any]:
    """Two one-sided t-tests (TOST) of the paired differences d against ``(-margin, +margin)``.

    With n differences, mean d̄, standard error s = sd(d) / sqrt(n) (ddof 1) and t_{n-1}::

        p_low  = P(T > (d̄ + margin) / s)        H0: mean <= -margin
        p_high = P(T < (d̄ - margin) / s)        H0: mean >= +margin
        p      = max(p_low, p_high)
        CI     = d̄ ± t_{1-alpha, n-1} s          (the 1 - 2 alpha CI; 90% at alpha 0.05)

    Verdict (alpha 0.05):

    - ``equivalent``: p < alpha, i.e. the 90% CI lies inside (-margin, +margin);
    - ``different``: the 90% CI lies entirely beyond the margin (lower bound > +margin or upper
      bound < -margin), i.e. the one-sided test of "the gap is within the margin on that side"
      rejects at alpha: the language is shown to differ by more than the margin;
    - ``inconclusive``: anything else (the CI straddles a margin), and fewer than 2 differences.

    ``min_margin`` = max(|CI low|, |CI high|): the smallest margin these data could show
    equivalence for (the power note). When every difference is the same (s = 0) the CI is that
    value and p is 0 inside the margin, 1 outside.

    Matches ``statsmodels.stats.weightstats.ttost_paired`` (see the tests).

    References
    ----------
    Schuirmann DJ (1987). A comparison of the two one-sided tests procedure and the power
    approach for assessing the equivalence of average bioavailability. J Pharmacokinet Biopharm
    15(6):657-680. Lakens D (2017). Equivalence tests: a practical primer for t tests,
    correlations, and meta-analyses. Soc Psychol Personal Sci 8(4):355-362.

    Returns
    -------
    dict
        ``{"margin", "p", "verdict", "ci90", "min_margin", "n"}`` (``p``, ``ci90`` and
        ``min_margin`` None with fewer than 2 differences).
    """
    from scipy import stats

    d = np.asarray(diffs, dtype=float)
    n = int(d.size)
    out: dict[str, Any] = {"margin": float(margin), "p": None, "verdict": "inconclusive",
                           "ci90": None, "min_margin": None, "n": n}
    if n < 2:
        return out
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(n))
    # averaged repeats: gaps equal in exact arithmetic may differ in the last bits
    if se <= 1e-12 * max(1.0, abs(mean)):
        lo = hi = mean
        p = 0.0 if abs(mean) < margin else 1.0
    else:
        df = n - 1
        p_low = float(stats.t.sf((mean + margin) / se, df))
        p_high = float(stats.t.cdf((mean - margin) / se, df))
        p = max(p_low, p_high)
        half = float(stats.t.ppf(1 - alpha, df)) * se
        lo, hi = mean - half, mean + half
    out["p"] = p
    out["ci90"] = [lo, hi]
    out["min_margin"] = max(abs(lo), abs(hi))
    if p < alpha:
        out["verdict"] = "equivalent"
    elif lo > margin or hi < -margin:
        out["verdict"] = "different"
    return out

