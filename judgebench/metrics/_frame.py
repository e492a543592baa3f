"""Judgment records (samples.jsonl lines) as the DataFrame every metric group is cut from."""

from __future__ import annotations

from typing import Any

STATUSES = ("ok", "parse_error", "refusal", "error")
REQUIRED = ("pair_id", "language", "model", "status", "pred_total", "true_total")
COLUMNS = ("task", "sample_id", "pair_id", "language", "arm", "model", "repeat", "status",
           "pred_total", "true_total", "pred_items", "true_items", "true_items_range", "hidden_items", "flags",
           "scoring", "pred_items_dist", "pred_total_expected", "true_ratings")
_DEFAULTS: dict[str, Any] = {"task": "", "arm": None, "repeat": 0, "pred_items": None, "true_items": None,
                             "true_items_range": None, "hidden_items": None, "flags": None,
                             "scoring": None, "pred_items_dist": None, "pred_total_expected": None,
                             "true_ratings": None}


def check_judgments(df, /) -> None:
    """Raise ``ValueError``, saying what to fix, if ``df`` cannot be scored.

    A scored judgment needs a prediction and every judgment a truth: anything else would turn
    into NaN in the metrics.
    """
    bad = sorted(set(df["status"].astype(str)) - set(STATUSES))
    if bad:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {', '.join(bad)}")
    if ((df["status"] == "ok") & df["pred_total"].isna()).any():
        raise ValueError("a judgment with status 'ok' has no pred_total; a failure must have another status")
    if df["true_total"].isna().any():
        raise ValueError("every judgment needs a numeric true_total")


def prepare_frame(df, /, *, check: bool = True):
    """Normalise (and by default check) a DataFrame of judgments, one row per sample x model x repeat.

    Needs the columns ``pair_id, language, model, status, pred_total, true_total``; ``task``,
    ``sample_id``, ``arm``, ``repeat``, ``pred_items`` and ``true_items`` are optional. Adds
    ``pair_key`` (the case: pair ids are unique only within a task) and ``sample_key`` (the
    sample, for repeats) and sorts the rows, so no metric depends on the order of the records.
    Returns a new frame; raises ``ValueError`` saying what to fix (``check_judgments``).
    """
    import pandas as pd

    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"judgments need the column(s) {', '.join(missing)} (see records_frame)")
    df = df.copy()
    for col, default in _DEFAULTS.items():
        if col not in df.columns:
            df[col] = default
    df["task"] = df["task"].fillna("").astype(str)
    df["repeat"] = pd.to_numeric(df["repeat"], errors="coerce").fillna(0).astype(int)
    df["pred_total"] = pd.to_numeric(df["pred_total"], errors="coerce").astype(float)
    df["true_total"] = pd.to_numeric(df["true_total"], errors="coerce").astype(float)
    if check:
        check_judgments(df)
    df["pair_key"] = df["task"] + "\x1f" + df["pair_id"].astype(str)
    # docs/contract.md §1: at most one sample per (pair_id, language, arm) within a task, so that triple
    # stands in for a missing sample_id
    derived = df["pair_key"] + "\x1f" + df["language"].astype(str) + "\x1f" + df["arm"].astype(str)
    if "sample_id" in df.columns:
        given = df["task"] + "\x1f" + df["sample_id"].astype(str)
        df["sample_key"] = given.where(df["sample_id"].notna(), derived)
    else:
        df["sample_key"] = derived
    df = df.sort_values(["model", "language", "pair_key", "sample_key", "repeat"], kind="stable")
    return df.reset_index(drop=True)


def records_frame(records: list[dict[str, Any]] | Any):
    """Judgment records (samples.jsonl lines), or a DataFrame of them, as a normalised frame.

    Not checked (reports also read pairwise runs' records through it); the metrics check what
    they score with ``check_judgments``.
    """
    import pandas as pd

    if isinstance(records, pd.DataFrame):
        return prepare_frame(records, check=False)
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS)) if records else pd.DataFrame(columns=list(COLUMNS))
    return prepare_frame(df, check=False)
