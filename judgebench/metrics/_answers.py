"""How varied a judge's answers are, and how often they carry parser flags.

A judge that gives (nearly) the same answer to every dialogue can still show a plausible MAE;
its scores say nothing about the dialogues. Reports warn when ``most_common_share`` is high.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

SAME_ANSWER_SHARE = 0.9
"""At or above this share of scored judgments with one identical answer, reports warn."""
SAME_ANSWER_MIN_N = 5


def _answer(items: Any, total: Any) -> tuple:
    if isinstance(items, (list, tuple)):
        return ("items", tuple(items))
    return ("total", total)


def answer_diversity(df, /) -> dict[str, Any]:
    """``{n_scored, n_distinct, most_common_share, most_common, flag_rates}`` over the scored rows.

    ``most_common_share`` = (count of the most frequent answer) / n_scored, where an answer is the
    item vector when the judge gave one, else the total. ``flag_rates[f]`` is the share of scored
    judgments with parser flag ``f`` (``total_mismatch``: items and total disagree). Values are
    None when nothing was scored.
    """
    ok = df[df["status"] == "ok"]
    n = len(ok)
    items = ok["pred_items"].tolist() if "pred_items" in ok.columns else [None] * n
    counts = Counter(_answer(i, t) for i, t in zip(items, ok["pred_total"].tolist()))
    flags: Counter = Counter()
    if "flags" in ok.columns:
        for fl in ok["flags"]:
            flags.update(set(fl) if isinstance(fl, (list, tuple)) else ())
    top = counts.most_common(1)[0] if counts else None
    return {
        "n_scored": n,
        "n_distinct": len(counts),
        "most_common_share": top[1] / n if top else None,
        "most_common": (list(top[0][1]) if top[0][0] == "items" else top[0][1]) if top else None,
        "flag_rates": {f: c / n for f, c in sorted(flags.items())} if n else {},
    }


def answer_warnings(model: str, block: dict[str, Any] | None) -> list[str]:
    """Plain-language warnings from an ``answers`` block (empty when there is nothing to say)."""
    if not block or not block.get("n_scored"):
        return []
    out = []
    share = block.get("most_common_share")
    if share is not None and block["n_scored"] >= SAME_ANSWER_MIN_N and share >= SAME_ANSWER_SHARE:
        out.append(f"{model} gave the same answer ({block['most_common']}) to {share:.0%} of the "
                   f"{block['n_scored']} scored dialogues: its scores do not depend on the dialogue")
    for flag, rate in (block.get("flag_rates") or {}).items():
        if rate > 0:
            what = " (items and total disagree; the items' sum is scored)" if flag == "total_mismatch" else ""
            out.append(f"{model}: {rate:.0%} of scored answers flagged {flag}{what}")
    return out
