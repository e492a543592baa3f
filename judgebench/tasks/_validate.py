"""Validate JSONL samples against docs/contract.md §1, collecting every problem with file:line: field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..scales import Scale
from ._records import Sample, Turn


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _nonempty_str(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def check_sample(obj: Any, scale: Scale, where: str, problems: list[str]) -> Sample | None:
    """Check one decoded line; append problems; return a Sample when the line is valid."""
    if not isinstance(obj, dict):
        problems.append(f"{where}: expected a JSON object, got {type(obj).__name__}")
        return None
    before = len(problems)

    def bad(field: str, msg: str) -> None:
        problems.append(f"{where}: {field}: {msg}")

    for key in ("id", "pair_id", "language"):
        if key not in obj:
            bad(key, "missing (a non-empty string)")
        elif not _nonempty_str(obj[key]):
            bad(key, f"{obj[key]!r} must be a non-empty string")

    turns = obj.get("turns")
    parsed_turns: list[Turn] = []
    if turns is None:
        bad("turns", 'missing (a list of {"role": str, "text": str})')
    elif not isinstance(turns, list) or not turns:
        bad("turns", 'must be a non-empty list of {"role": str, "text": str}')
    else:
        for i, t in enumerate(turns):
            if not isinstance(t, dict):
                bad(f"turns[{i}]", 'must be an object {"role": str, "text": str}')
                continue
            if not _nonempty_str(t.get("role")):
                bad(f"turns[{i}].role", f"{t.get('role')!r} must be a non-empty string")
            if not _nonempty_str(t.get("text")):
                bad(f"turns[{i}].text", f"{t.get('text')!r} must be a non-empty string")
            if _nonempty_str(t.get("role")) and _nonempty_str(t.get("text")):
                parsed_turns.append(Turn(role=t["role"], text=t["text"]))

    truth = obj.get("truth")
    total = items = items_range = hidden = ratings = None
    if not isinstance(truth, dict):
        bad("truth", 'missing or not an object {"total": int, "items": [...]}')
    else:
        total = truth.get("total")
        if total is None:
            bad("truth.total", f"missing (an integer in 0..{scale.max_total})")
        elif not _is_int(total):
            bad("truth.total", f"{total!r} is not an integer")
        elif not 0 <= total <= scale.max_total:
            bad("truth.total", f"{total} is not in 0..{scale.max_total}")
        items = truth.get("items")
        if items is not None:
            if not isinstance(items, list) or len(items) != scale.n_items:
                bad("truth.items", f"must be a list of exactly {scale.n_items} integers")
            else:
                for i, v in enumerate(items):
                    if not _is_int(v):
                        bad(f"truth.items[{i}]", f"{v!r} is not an integer")
                    elif not 0 <= v <= scale.item_max:
                        bad(f"truth.items[{i}]", f"{v} is not in 0..{scale.item_max}")
                if (
                    len(problems) == before
                    and _is_int(total)
                    and sum(items) != total
                ):
                    bad("truth.total", f"{total} does not equal the sum of truth.items ({sum(items)})")
        items_range = _check_items_range(truth.get("items_range"), items, scale, bad)
        hidden = _check_hidden_items(truth.get("hidden_items"), scale, bad)
        ratings = _check_ratings(truth.get("ratings"), scale, bad)

    meta = obj.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        bad("meta", "must be an object when present")
    elif "arm" in meta and not _nonempty_str(meta["arm"]):
        bad("meta.arm", f"{meta['arm']!r} must be a non-empty string")

    if len(problems) > before:
        return None
    return Sample(
        id=obj["id"],
        pair_id=obj["pair_id"],
        language=obj["language"],
        turns=tuple(parsed_turns),
        true_total=total,
        true_items=tuple(items) if items is not None else None,
        true_items_range=items_range,
        hidden_items=hidden,
        true_ratings=ratings,
        meta=meta,
    )


def _check_items_range(value: Any, items: Any, scale: Scale, bad) -> tuple[tuple[int, int], ...] | None:
    """``truth.items_range``: one ``[lo, hi]`` per item, the plausible range given the text
    (docs/data.md), with ``0 <= lo <= truth.items[i] <= hi <= item_max``."""
    if value is None:
        return None
    if not scale.n_items or not isinstance(value, list) or len(value) != scale.n_items:
        bad("truth.items_range", f"must be a list of exactly {scale.n_items} [lo, hi] pairs")
        return None
    out = []
    for i, pair in enumerate(value):
        if not (isinstance(pair, list) and len(pair) == 2 and all(_is_int(v) for v in pair)):
            bad(f"truth.items_range[{i}]", f"{pair!r} must be a pair of integers [lo, hi]")
            continue
        lo, hi = pair
        if not 0 <= lo <= hi <= scale.item_max:
            bad(f"truth.items_range[{i}]", f"{pair} must satisfy 0 <= lo <= hi <= {scale.item_max}")
        elif isinstance(items, list) and i < len(items) and _is_int(items[i]) and not lo <= items[i] <= hi:
            bad(f"truth.items_range[{i}]", f"{pair} does not contain truth.items[{i}] = {items[i]}")
        out.append((lo, hi))
    return tuple(out) if len(out) == scale.n_items else None


def _check_ratings(value: Any, scale: Scale, bad) -> tuple[tuple[str, tuple[int, ...]], ...] | None:
    """``truth.ratings``: other raters' item vectors, ``[{"rater": str, "items": [...]}, ...]``,
    each with the scale's item count and range, one entry per rater."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        bad("truth.ratings", 'must be a non-empty list of {"rater": str, "items": [...]}')
        return None
    if not scale.n_items:
        bad("truth.ratings", f"scale {scale.name} has no items to rate")
        return None
    out, seen = [], set()
    for i, r in enumerate(value):
        if not isinstance(r, dict):
            bad(f"truth.ratings[{i}]", 'must be an object {"rater": str, "items": [...]}')
            continue
        rater, items = r.get("rater"), r.get("items")
        ok = True
        if not _nonempty_str(rater):
            bad(f"truth.ratings[{i}].rater", f"{rater!r} must be a non-empty string")
            ok = False
        elif rater in seen:
            bad(f"truth.ratings[{i}].rater", f"{rater!r} rates this sample twice")
            ok = False
        if not isinstance(items, list) or len(items) != scale.n_items:
            bad(f"truth.ratings[{i}].items", f"must be a list of exactly {scale.n_items} integers")
            continue
        for j, v in enumerate(items):
            if not _is_int(v):
                bad(f"truth.ratings[{i}].items[{j}]", f"{v!r} is not an integer")
                ok = False
            elif not 0 <= v <= scale.item_max:
                bad(f"truth.ratings[{i}].items[{j}]", f"{v} is not in 0..{scale.item_max}")
                ok = False
        if ok:
            seen.add(rater)
            out.append((rater, tuple(items)))
    return tuple(out) if len(out) == len(value) else None


def _check_hidden_items(value: Any, scale: Scale, bad) -> tuple[int, ...] | None:
    """``truth.hidden_items``: 1-based numbers of the items the text never evidences."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(_is_int(v) and 1 <= v <= scale.n_items for v in value) \
            or len(set(value)) != len(value):
        bad("truth.hidden_items", f"must be a list of distinct item numbers in 1..{scale.n_items}")
        return None
    return tuple(sorted(value))


MAX_PROBLEMS_PER_FILE = 50


def read_samples(path: Path, scale: Scale, problems: list[str]) -> list[tuple[Sample, str]]:
    """Read one JSONL file. Returns (sample, "file:line") pairs; appends every problem found."""
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(f"{path}: cannot read: {e.strerror or e}")
        return []
    out: list[tuple[Sample, str]] = []
    first_problem = len(problems)
    lines = data.split(b"\n")
    n_nonblank = 0
    for lineno, raw in enumerate(lines, start=1):
        where = f"{path}:{lineno}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"{where}: not valid UTF-8 at byte {e.start + 1} of the line; save the file as UTF-8")
            continue
        if lineno == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        n_nonblank += 1
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: invalid JSON at column {e.colno}: {e.msg}")
            continue
        except RecursionError:
            problems.append(f"{where}: nested too deeply to be a task sample")
            continue
        sample = check_sample(obj, scale, where, problems)
        if sample is not None:
            out.append((sample, where))
    if n_nonblank == 0 and not problems:
        problems.append(f"{path}: empty file: a task needs at least one sample (one JSON object per line)")
    found = problems[first_problem:]
    if len(found) > MAX_PROBLEMS_PER_FILE:
        # a file that is not a task at all would otherwise print one line per line of it
        del problems[first_problem + MAX_PROBLEMS_PER_FILE:]
        problems.append(f"{path}: ... and {len(found) - MAX_PROBLEMS_PER_FILE} more problems in this file")
    return out


def check_uniqueness(located: list[tuple[Sample, str]], problems: list[str]) -> None:
    """ids are unique; at most one sample per (pair_id, language, meta.arm)."""
    ids: dict[str, str] = {}
    combos: dict[tuple[str, str, str | None], str] = {}
    for sample, where in located:
        if sample.id in ids:
            problems.append(f"{where}: id: {sample.id!r} already used at {ids[sample.id]}")
        else:
            ids[sample.id] = where
        key = (sample.pair_id, sample.language, sample.arm)
        if key in combos:
            arm = f", meta.arm {sample.arm!r}" if sample.arm else ""
            problems.append(
                f"{where}: pair_id: {sample.pair_id!r} already has a {sample.language!r}{arm} "
                f"sample at {combos[key]}; give one of them a different pair_id or meta.arm"
            )
        else:
            combos[key] = where
