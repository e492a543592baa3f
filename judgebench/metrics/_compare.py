"""Paired comparisons between judges that rated the same samples (docs/metrics.md "Comparing judges").

Two judges scored on the same dialogues are compared *paired*: the between-case variance that
makes two separate confidence intervals overlap cancels in the per-case difference. The unit of
every resample is the case (``pair_id``), as everywhere in the metrics: a case's samples in
several languages are not independent.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from ..scales import Scale
from ._bootstrap import percentile_ci, resample_counts, resampled_auc, score_histograms
from ._consistency import holm_adjust

N_PERMUTATIONS = 10_000
"""Random sign flips of the permutation test; with at most log2 of this many cases every flip is
enumerated and the p-value is exact."""

ALPHA = 0.05


def _units(clusters: Any) -> tuple[np.ndarray, int]:
    _, codes = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    return codes, int(codes.max()) + 1 if codes.size else 0


def sign_flip_p(diffs: Any, clusters: Any = None, /, *, n_permutations: int = N_PERMUTATIONS,
                seed: int = 0) -> float | None:
    """Two-sided paired permutation p for "the mean difference is 0", flipping whole clusters.

    With s_c the sum of the differences of cluster c (one value per cluster when ``clusters`` is
    None) and T = |sum_c s_c|, under H0 (the two judges are exchangeable within a case) every
    sign vector e in {-1, +1}^m is equally likely::

        p = #{e : |sum_c e_c s_c| >= T} / 2^m                (m <= log2(n_permutations): exact)
        p = (1 + #{b : |sum_c e_bc s_c| >= T}) / (1 + B)      (B random sign vectors otherwise)

    References
    ----------
    Fisher RA (1935). The Design of Experiments, §21. Good PI (2005). Permutation, Parametric and
    Bootstrap Tests of Hypotheses, 3rd ed., §3.6 (paired data); clusters flipped as units:
    Raudenbush & Liu (2000), or any cluster-randomisation text.

    Returns
    -------
    float or None
        None with fewer than 2 clusters.
    """
    d = np.asarray(diffs, dtype=float)
    codes, m = _units(np.arange(d.size) if clusters is None else clusters)
    if m < 2:
        return None
    s = np.bincount(codes, weights=d, minlength=m)
    observed = abs(s.sum())
    # flipped sums equal in exact arithmetic can differ in the last bits
    tol = 1e-9 * max(1.0, float(np.abs(s).sum()))
    if 2**m <= n_permutations:
        signs = 1 - 2 * ((np.arange(2**m)[:, None] >> np.arange(m)) & 1)
        return float((np.abs(signs @ s) >= observed - tol).mean())
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    per_chunk = max(1, 2_000_000 // m)
    while done < n_permutations:
        b = min(per_chunk, n_permutations - done)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(b, m))
        hits += int((np.abs(signs @ s) >= observed - tol).sum())
        done += b
    return (1 + hits) / (1 + n_permutations)


def mcnemar_p(b: int, c: int, /) -> float | None:
    """Exact (binomial) McNemar p: of the n = b + c discordant samples, is b ~ Binomial(n, 1/2)?

    ``p = min(1, 2 * sum_{i <= min(b, c)} C(n, i) / 2^n)``; None when no sample is discordant.
    Exact at every count: the chi-square form is only an approximation to this.

    References
    ----------
    McNemar Q (1947). Psychometrika 12(2):153-157. Fagerland MW, Lydersen S, Laake P (2013).
    The McNemar test for binary matched-pairs data: mid-p and asymptotic are better than exact
    conditional. BMC Medical Research Methodology 13:91 (the exact form used here is their
    conservative reference).
    """
    from scipy.stats import binom

    n = b + c
    if n == 0:
        return None
    return float(min(1.0, 2 * binom.cdf(min(b, c), n, 0.5)))


def bootstrap_p(stats: np.ndarray, /) -> float | None:
    """Two-sided percentile-bootstrap p for "the statistic is 0": twice the smaller share of the
    defined resamples on either side of 0, at most 1 (Efron & Tibshirani 1993, §16.4)."""
    s = np.asarray(stats, dtype=float)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return None
    return float(min(1.0, 2 * min((s <= 0).mean(), (s >= 0).mean())))


def judge_table(df, /):
    """One row per sample: ``pair_key``, ``true`` and each judge's mean ok prediction (repeats
    averaged first; NaN where that judge scored none of its repeats)."""
    ok = df[df["status"] == "ok"]
    pred = ok.groupby(["sample_key", "model"])["pred_total"].mean().unstack("model")
    keys = df.groupby("sample_key").agg(pair_key=("pair_key", "first"), true=("true_total", "mean"))
    return keys.join(pred, how="left")


def _mae_diff(ea, eb, codes, m, *, n_resamples, seed):
    sums = np.stack([np.bincount(codes, weights=w, minlength=m) for w in (np.ones_like(ea), ea, eb)], axis=1)
    diffs = []
    for w in resample_counts(m, n_resamples=n_resamples, seed=seed):
        n, sa, sb = (w @ sums).T
        diffs.append((sa - sb) / n)
    return np.concatenate(diffs) if diffs else np.empty(0)


def _auc_diff(t, pa, pb, codes, m, *, cutoff, n_resamples, seed):
    pos = t >= cutoff
    ha, hb = score_histograms(pa, pos, codes, m), score_histograms(pb, pos, codes, m)
    full = np.ones((1, m))
    point = float((resampled_auc(full, *ha) - resampled_auc(full, *hb))[0])
    diffs = [resampled_auc(w, *ha) - resampled_auc(w, *hb)
             for w in resample_counts(m, n_resamples=n_resamples, seed=seed)]
    return point, np.concatenate(diffs) if diffs else np.empty(0)


def compare_pair(truth: Any, pred_a: Any, pred_b: Any, clusters: Any, /, *, scale: Scale,
                 n_resamples: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """Judge a against judge b on the samples both scored (arrays aligned by sample).

    Three rows, ``diff`` = a - b (``p_holm`` is left for ``compare_judges``):

    - ``mae``: MAE_a - MAE_b = (1/n) sum_i (|a_i - t_i| - |b_i - t_i|); CI: paired cluster
      bootstrap (both judges' errors of a drawn case enter together); p: ``sign_flip_p`` on the
      per-sample error differences, cases flipped as units.
    - ``auc_C``: AUC_a - AUC_b for true total >= C (the cut-off); CI and p (``bootstrap_p``) from the
      same paired cluster bootstrap.
    - ``accuracy_C``: share of samples classified right at the cut-off (pred >= C vs true >= C),
      a minus b = (n_10 - n_01) / n; CI from the paired bootstrap, p: exact McNemar on n_10, n_01.
    """
    t, pa, pb = (np.asarray(x, dtype=float) for x in (truth, pred_a, pred_b))
    codes, m = _units(clusters)
    n = int(t.size)
    cut = scale.cutoff
    rows: list[dict[str, Any]] = []
    if n == 0:
        for metric in ("mae", f"auc_{cut}", f"accuracy_{cut}"):
            rows.append({"metric": metric, "diff": None, "ci": None, "p": None, "n": 0,
                         "test": None, "undefined": {"diff": "no sample scored by both judges"}})
        return rows
    ea, eb = np.abs(pa - t), np.abs(pb - t)
    enough = m >= 2 and n_resamples >= 1
    few = "fewer than 2 cases (pair_ids) scored by both" if m < 2 else "no bootstrap resamples (n_resamples=0)"

    boot = _mae_diff(ea, eb, codes, m, n_resamples=n_resamples, seed=seed) if enough else np.empty(0)
    mae_row = {"metric": "mae", "diff": float(ea.mean() - eb.mean()), "ci": percentile_ci(boot) if enough else None,
               "p": sign_flip_p(ea - eb, codes, seed=seed), "n": n, "test": "sign-flip permutation"}
    rows.append(mae_row)

    pos = t >= cut
    point, boot = _auc_diff(t, pa, pb, codes, m, cutoff=cut, n_resamples=n_resamples if enough else 0, seed=seed)
    auc_row = {"metric": f"auc_{cut}", "diff": point if np.isfinite(point) else None,
               "ci": percentile_ci(boot) if enough else None, "p": None, "n": n, "test": "paired bootstrap"}
    if auc_row["diff"] is not None and auc_row["ci"] is not None:
        auc_row["p"] = bootstrap_p(boot)
    rows.append(auc_row)

    right_a, right_b = (pa >= cut) == pos, (pb >= cut) == pos
    n10, n01 = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    if enough:
        sums = np.stack([np.bincount(codes, weights=w.astype(float), minlength=m)
                         for w in (np.ones(n), right_a, right_b)], axis=1)
        acc = np.concatenate([(lambda s: (s[:, 1] - s[:, 2]) / s[:, 0])(w @ sums)
                              for w in resample_counts(m, n_resamples=n_resamples, seed=seed)])
    rows.append({"metric": f"accuracy_{cut}", "diff": (n10 - n01) / n, "ci": percentile_ci(acc) if enough else None,
                 "p": mcnemar_p(n10, n01), "n": n, "test": "exact McNemar"})

    for row in rows:
        why = {}
        if row["diff"] is None:
            why["diff"] = f"AUC undefined: the samples scored by both hold only one class at {cut}"
        if row["ci"] is None:
            why["ci"] = why.get("diff") or (few if not enough else "undefined in more than half of the resamples")
        if row["p"] is None:
            why["p"] = (why.get("diff") or why.get("ci") if row["metric"].startswith("auc")
                        else "no discordant sample (both judges right or wrong on every one)"
                        if row["metric"].startswith("accuracy") else few)
        row["undefined"] = why
    return rows


def compare_judges(df, /, *, scale: Scale, n_resamples: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """The ``comparisons`` list of metrics.json: every pair of judges (a before b in name order),
    on the samples both scored ok, repeats averaged per sample first.

    Each entry is ``{"a", "b", "metric", "diff", "ci", "p", "p_holm", "n", "test", "undefined"}``
    (``compare_pair``); ``p_holm`` is Holm-adjusted over the pairs of one metric (``holm_adjust``).
    """
    models = sorted(str(m) for m in df["model"].unique())
    if len(models) < 2:
        return []
    table = judge_table(df)
    # a judge with no ok judgment has no column yet: all NaN, so it pairs with nothing
    table = table.reindex(columns=[*table.columns, *(m for m in models if m not in table.columns)])
    out: list[dict[str, Any]] = []
    for a, b in combinations(models, 2):
        sub = table[table[[a, b]].notna().all(axis=1)]
        for row in compare_pair(sub["true"], sub[a], sub[b], sub["pair_key"], scale=scale,
                                n_resamples=n_resamples, seed=seed):
            out.append({"a": a, "b": b, **row})
    for metric in dict.fromkeys(r["metric"] for r in out):
        family = [r for r in out if r["metric"] == metric]
        for r, adj in zip(family, holm_adjust([r["p"] for r in family])):
            r["p_holm"] = adj
            if adj is None:
                r["undefined"]["p_holm"] = r["undefined"].get("p", "p is undefined")
    keys = ("a", "b", "metric", "diff", "ci", "p", "p_holm", "n", "test", "undefined")
    return [{k: r[k] for k in keys} for r in out]


def rank_intervals(errors: Any, clusters: Any, /, *, n_resamples: int = 1000, seed: int = 0,
                   level: float = 0.95) -> dict[str, Any]:
    """Bootstrap rank intervals of k judges by MAE, and which are not shown worse than the best.

    ``errors`` is an (n samples x k judges) array of absolute errors on samples every judge
    scored. Per resample of the cases, each judge's rank is 1 + the number of judges with a
    strictly lower MAE; the interval is the percentiles of those ranks (Hall & Miller 2009,
    Using the bootstrap to quantify the authority of an empirical ranking, Ann Stat 37:3929).
    Every judge is compared with the best (lowest MAE) by ``sign_flip_p``, Holm over the k - 1
    tests; ``tied_with_best`` is true where the adjusted p >= 0.05 (and for the best itself).

    Returns
    -------
    dict
        ``{"rank_ci": [[lo, hi], ...] | None, "p_vs_best_holm": [...], "tied_with_best": [...],
        "best": index, "n": n}``.
    """
    e = np.asarray(errors, dtype=float)
    n, k = e.shape
    codes, m = _units(clusters)
    out: dict[str, Any] = {"n": n, "best": None, "rank_ci": None, "p_vs_best_holm": [None] * k,
                           "tied_with_best": [None] * k}
    if n == 0 or k == 0:
        return out
    mae = e.mean(axis=0)
    best = int(np.argmin(mae))
    out["best"] = best
    if m >= 2 and n_resamples >= 1:
        sums = np.stack([np.bincount(codes, weights=col, minlength=m) for col in
                         [np.ones(n), *e.T]], axis=1)
        ranks = []
        for w in resample_counts(m, n_resamples=n_resamples, seed=seed):
            s = w @ sums
            r_mae = s[:, 1:] / s[:, :1]
            ranks.append(1 + (r_mae[:, None, :] < r_mae[:, :, None]).sum(axis=2))
        all_ranks = np.concatenate(ranks)
        alpha = (1 - level) / 2
        out["rank_ci"] = [[int(np.floor(np.quantile(all_ranks[:, j], alpha))),
                           int(np.ceil(np.quantile(all_ranks[:, j], 1 - alpha)))] for j in range(k)]
    others = [j for j in range(k) if j != best]
    adjusted = holm_adjust([sign_flip_p(e[:, j] - e[:, best], codes, seed=seed) for j in others])
    out["p_vs_best_holm"][best] = None
    out["tied_with_best"][best] = True
    for j, adj in zip(others, adjusted):
        out["p_vs_best_holm"][j] = adj
        out["tied_with_best"][j] = adj is None or adj >= ALPHA
    return out
