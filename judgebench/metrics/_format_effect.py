"""Format effect: the same cases written in two formats (two tasks of a run sharing ``pair_id``s).

Does a judge err more on one format than the other? Per judge and language, the per-case change
in absolute error between the two tasks, paired by ``pair_id``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from ._bootstrap import bootstrap_mean_ci
from ._compare import sign_flip_p
from ._consistency import holm_adjust

def _case_errors(df):
    """|pred - true| per (model, task, language, pair_id): repeats averaged per sample first,
    then the samples (arms) of a language, as the consistency metrics do."""
    ok = df[df["status"] == "ok"]
    per_sample = ok.groupby(["model", "task", "language", "pair_id", "sample_key"]).agg(
        pred=("pred_total", "mean"), true=("true_total", "mean"))
    per_sample["err"] = (per_sample["pred"] - per_sample["true"]).abs()
    return per_sample.groupby(["model", "task", "language", "pair_id"])["err"].mean()

def format_effect(df, /, *, n_resamples: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """For every two tasks of ``df`` that share ``pair_id``s, every judge and language judged in
    both: with e_a(c), e_b(c) the absolute errors on case c in task a and task b,

        diff = (1/n) sum_c (e_a(c) - e_b(c))     (MAE in a minus MAE in b, same cases)

    with a percentile bootstrap CI over the cases, a sign-flip permutation p (``sign_flip_p``)
    and ``p_holm`` over the judges and languages of one pair of tasks. Entries
    ``{"a", "b", "model", "language", "n", "diff", "ci", "p", "p_holm", "undefined"}``; empty when no two
    tasks share a case.
    """
    tasks = sorted(str(t) for t in df["task"].unique())
    if len(tasks) < 2:
        return []
    errors = _case_errors(df)
    out: list[dict[str, Any]] = []
    for a, b in combinations(tasks, 2):
        family = []
        for model in sorted(str(m) for m in df["model"].unique()):
            for lang in sorted(str(x) for x in df["language"].unique()):
                try:
                    ea, eb = errors.loc[(model, a, lang)], errors.loc[(model, b, lang)]
                except KeyError:
                    continue
                both = ea.index.intersection(eb.index)
                if not len(both):
                    continue
                d = (ea[both] - eb[both]).to_numpy(dtype=float)
                family.append({"a": a, "b": b, "model": model, "language": lang, "n": int(d.size),
                               "diff": float(d.mean()), "ci": bootstrap_mean_ci(d, n_resamples=n_resamples, seed=seed),
                               "p": sign_flip_p(d, seed=seed)})
        for entry, adj in zip(family, holm_adjust([e["p"] for e in family])):
            entry["p_holm"] = adj
            few = "fewer than 2 cases" if entry["n"] < 2 else "no bootstrap resamples (n_resamples=0)"
            entry["undefined"] = {k: (few if k == "ci" else "fewer than 2 cases")
                                  for k in ("ci", "p", "p_holm") if entry[k] is None}
        out += family
    return out
