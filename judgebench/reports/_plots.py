"""Figures for the HTML report, as PNG data URIs (the page must work offline, self-contained).

Reads plot data from judgment records; drawing only, no statistics beyond what a plot shows.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..metrics import ConsistencyBlock, ScoreBlock

def _figure(ncols: int, *, height: float = 2.8):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, max(ncols, 1), figsize=(2.9 * max(ncols, 1), height), squeeze=False)
    return fig, axes[0]


def _data_uri(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pred_vs_true(df, languages: list[str], max_total: int) -> str:
    fig, axes = _figure(len(languages))
    for ax, lang in zip(axes, languages):
        g = df[(df["language"] == lang) & (df["status"] == "ok")]
        ax.plot([0, max_total], [0, max_total], color="#999", lw=1, ls="--")
        ax.scatter(g["true_total"], g["pred_total"], s=14, alpha=0.6)
        ax.set(xlim=(-1, max_total + 1), ylim=(-1, max_total + 1), title=lang, xlabel="true total")
    axes[0].set_ylabel("predicted total")
    return _data_uri(fig)


def bland_altman(per_pair, consistency: dict[str, ConsistencyBlock], baseline: str) -> str:
    """Per case, difference against the baseline language over the mean of the two predictions,
    with the bias and 95% limits of agreement from metrics.json (so plot and table agree).

    ``per_pair``: ``judgebench.metrics.per_pair`` output (columns ``("pred", language)``).
    """
    import pandas as pd

    pred = per_pair["pred"] if len(per_pair) else pd.DataFrame()
    others = sorted(consistency)
    fig, axes = _figure(len(others))
    for ax, lang in zip(axes, others):
        if baseline in pred.columns and lang in pred.columns:
            both = pred[[baseline, lang]].dropna()
            mean, diff = (both[baseline] + both[lang]) / 2, both[lang] - both[baseline]
        else:  # every judgment failed in one of the two languages
            mean = diff = pd.Series(dtype=float)
        ax.scatter(mean, diff, s=14, alpha=0.6)
        ba = consistency[lang].bland_altman or {}
        for key, style in (("bias", "-"), ("loa_low", "--"), ("loa_high", "--")):
            if ba.get(key) is not None:
                ax.axhline(ba[key], color="#c33", lw=1, ls=style)
        ax.axhline(0, color="#999", lw=0.8)
        ax.set(title=f"{lang} − {baseline}", xlabel="mean of the two predictions")
        if len(diff) == 0:
            ax.text(0.5, 0.5, "no pairs", ha="center", transform=ax.transAxes)
        lows = [float(diff.min()) - 1 if len(diff) else -3, ba.get("loa_low") or 0, -3]
        highs = [float(diff.max()) + 1 if len(diff) else 3, ba.get("loa_high") or 0, 3]
        ax.set_ylim(min(lows), max(highs))
    axes[0].set_ylabel("difference")
    return _data_uri(fig)


def gap_bars(consistency: dict[str, ConsistencyBlock], baseline: str) -> str:
    langs = sorted(consistency)
    fig, axes = _figure(1, height=2.6)
    ax = axes[0]
    gaps = [consistency[lang].mean_signed_gap for lang in langs]
    cis = [consistency[lang].signed_gap_ci95 for lang in langs]
    xs = range(len(langs))
    ax.bar(xs, [g or 0 for g in gaps], color="#4a7bd0")
    for x, g, ci in zip(xs, gaps, cis):
        if g is not None and ci:
            ax.errorbar(x, g, yerr=[[g - ci[0]], [ci[1] - g]], color="black", capsize=4)
    ax.axhline(0, color="#999", lw=0.8)
    ax.set_xticks(list(xs), langs)
    ax.set(ylabel=f"pred − pred({baseline})", title="signed gap with 95% CI")
    return _data_uri(fig)


def roc_points(y_true, score) -> tuple[list[float], list[float]]:
    """(false positive rates, true positive rates) of ``score >= t`` over every distinct t, from
    the strictest to the loosest threshold (the ROC curve; Fawcett 2006, Pattern Recognition
    Letters 27:861)."""
    import numpy as np

    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(score, dtype=float)
    order = np.argsort(-s, kind="stable")
    y, s = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(s)), y.size - 1]  # the last row of each distinct score
    tps = np.cumsum(y)[last]
    fps = (last + 1) - tps
    return [0.0, *(fps / max(1, (~y).sum())).tolist()], [0.0, *(tps / max(1, y.sum())).tolist()]


def roc_curves(df, languages: list[str], threshold: int) -> str:
    fig, axes = _figure(1, height=3.0)
    ax = axes[0]
    ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--")
    for lang in languages:
        g = df[(df["language"] == lang) & (df["status"] == "ok")]
        y = g["true_total"] >= threshold
        if y.nunique() < 2:
            continue
        fpr, tpr = roc_points(y, g["pred_total"])
        ax.plot(fpr, tpr, label=lang)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC, true total ≥ {threshold}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return _data_uri(fig)


def band_heatmaps(df, languages: list[str], band_of, labels: list[str]) -> str:
    import numpy as np

    k = len(labels)
    fig, axes = _figure(len(languages))
    for ax, lang in zip(axes, languages):
        g = df[(df["language"] == lang) & (df["status"] == "ok")]
        m = np.zeros((k, k), dtype=int)
        for t, p in zip(g["true_total"], g["pred_total"]):
            m[band_of(t), band_of(p)] += 1
        ax.imshow(m, cmap="Blues")
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > m.max() / 2 else "black")
        ax.set_xticks(range(k), labels, fontsize=6, rotation=45)
        ax.set_yticks(range(k), labels, fontsize=6)
        ax.set(title=lang, xlabel="predicted band")
    axes[0].set_ylabel("true band")
    return _data_uri(fig)


def reliability_diagrams(by_language: dict[str, ScoreBlock]) -> str:
    """One reliability diagram per language: per probability bin of P(total >= cut-off), the
    observed share of true totals >= cut-off against the mean predicted probability, marker area
    by the bin's judgments; the diagonal is perfect calibration. Drawn from metrics.json
    ``calibration.bins`` so plot and table agree."""
    langs = sorted(by_language)
    fig, axes = _figure(len(langs))
    for ax, lang in zip(axes, langs):
        cal = by_language[lang].calibration
        bins = cal.bins if cal else []
        ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--")
        if bins:
            xs, ys = [b["mean_p"] for b in bins], [b["frac_pos"] for b in bins]
            ax.plot(xs, ys, color="#4a7bd0", lw=1)
            ax.scatter(xs, ys, s=[12 + 6 * b["n"] for b in bins], color="#4a7bd0", alpha=0.7)
        else:
            ax.text(0.5, 0.5, "no probabilities", ha="center", transform=ax.transAxes)
        brier, ece = (cal.brier, cal.ece) if cal else (None, None)
        detail = f"Brier {brier:.3f}, ECE {ece:.2f}" if brier is not None and ece is not None else "undefined"
        ax.set(xlim=(-0.03, 1.03), ylim=(-0.03, 1.03), title=f"{lang} ({detail})", xlabel=f"P(total ≥ {cal.cutoff if cal else ''})")
        ax.title.set_fontsize(8)
    axes[0].set_ylabel("observed share ≥ cut-off")
    return _data_uri(fig)


def item_shift_heatmap(consistency: dict[str, ConsistencyBlock], baseline: str) -> str | None:
    """Languages x items: the mean signed shift of each item against the baseline language
    (``consistency.<lang>.item_shift``); * where the 95% CI excludes 0. None without item data."""
    import numpy as np

    rows = [(lang, c.item_shift) for lang, c in consistency.items() if c.item_shift is not None and c.item_shift.mean]
    if not rows:
        return None
    k = len(rows[0][1].mean)
    m = np.array([[x if x is not None else np.nan for x in r.mean] for _, r in rows], dtype=float)
    top = max(float(np.abs(m).max()), 0.5)
    fig, axes = _figure(1, height=0.5 * len(rows) + 1.6)
    fig.set_size_inches(max(4.0, 0.55 * k + 1.8), 0.5 * len(rows) + 1.6)
    ax = axes[0]
    image = ax.imshow(m, cmap="RdBu_r", vmin=-top, vmax=top, aspect="auto")
    for i, (_, r) in enumerate(rows):
        for j in range(k):
            ci = r.ci95[j] if j < len(r.ci95) else None
            star = "*" if ci and (ci[0] > 0 or ci[1] < 0) else ""
            ax.text(j, i, f"{m[i, j]:+.2f}{star}", ha="center", va="center", fontsize=7,
                    color="white" if abs(m[i, j]) > top * 0.6 else "black")
    ax.set_xticks(range(k), [str(j + 1) for j in range(k)], fontsize=7)
    ax.set_yticks(range(len(rows)), [lang for lang, _ in rows], fontsize=7)
    ax.set(xlabel="item", title=f"item shift vs {baseline} (* 95% CI excludes 0)")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _data_uri(fig)
