"""Item distributions from the token log-probabilities of a judge's JSON answer.

The answer ``{"items": [2, 1, ...], "total": N}`` is generated token by token; at the token that
writes an item's value the provider reports the ``top_logprobs`` alternatives. The admissible
ones (tokens that are a value 0..item_max, optionally after whitespace) are kept, summed per
value and renormalised; everything else is dropped. Whatever cannot be read is flagged and falls
back to the parsed answer: a probability is never guessed (docs/metrics.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

UNAVAILABLE = "logprob_unavailable"
_ITEMS = re.compile(r'"items"\s*:\s*\[', re.IGNORECASE)
_VALUE = re.compile(r"\s*(\d+)\s*([,\]])")


@dataclass(frozen=True)
class ItemDists:
    """What the token probabilities say about the items of one answer."""

    dists: list[list[float]] | None
    """Per item, P(value) for 0..item_max; a point mass at the answer for an item whose
    probabilities could not be read; None when no item's could."""
    flags: tuple[str, ...] = ()
    """``logprob_unavailable:itemN`` (1-based) per item that fell back, or
    ``logprob_unavailable:<reason>`` when the whole answer did (no_logprobs, no_items,
    text_mismatch, items_not_located)."""


def _token_text(tok: dict[str, Any]) -> str:
    return tok.get("token") if isinstance(tok.get("token"), str) else ""


def _spans(text: str, tokens: Sequence[dict[str, Any]]) -> list[tuple[int, int]] | None:
    """Character offsets of every token in ``text``; None when the tokens do not spell it.

    Tokens are compared as text; when that fails and every token carries its UTF-8 ``bytes``
    (a multi-byte character split across tokens shows as U+FFFD in the token text), as bytes."""
    joined = "".join(_token_text(t) for t in tokens)
    if text.startswith(joined) or joined.startswith(text):
        spans, at = [], 0
        for t in tokens:
            n = len(_token_text(t))
            spans.append((at, at + n))
            at += n
        return spans
    if all(isinstance(t.get("bytes"), list) for t in tokens):
        try:
            raw = b"".join(bytes(t["bytes"]) for t in tokens)
        except (TypeError, ValueError):
            return None
        encoded = text.encode("utf-8")
        if not (encoded.startswith(raw) or raw.startswith(encoded)):
            return None
        # byte offset -> character offset of the character that byte belongs to
        char_at = []
        for i, ch in enumerate(text):
            char_at.extend([i] * len(ch.encode("utf-8")))
        char_at.append(len(text))
        spans, at = [], 0
        for t in tokens:
            n = len(t["bytes"])
            lo, hi = min(at, len(char_at) - 1), min(at + n, len(char_at) - 1)
            spans.append((char_at[lo], char_at[hi]))
            at += n
        return spans
    return None


def _item_spans(text: str, items: Sequence[int]) -> list[tuple[int, int]] | None:
    """Character spans of the item values inside the first ``"items": [...]`` array of ``text``
    whose values are the parsed items."""
    for m in _ITEMS.finditer(text):
        at, spans, values = m.end(), [], []
        while True:
            v = _VALUE.match(text, at)
            if v is None:
                break
            spans.append(v.span(1))
            values.append(int(v.group(1)))
            at = v.end()
            if v.group(2) == "]":
                break
        if values == list(items):
            return spans
    return None


def _value_probs(tok: dict[str, Any], item_max: int) -> list[float] | None:
    """P(value) for 0..item_max from one token's alternatives, renormalised; None if no
    admissible alternative has a finite log-probability."""
    alternatives: dict[str, float] = {}
    for alt in tok.get("top") or []:
        if isinstance(alt, dict) and isinstance(alt.get("token"), str) and isinstance(alt.get("logprob"), (int, float)):
            alternatives.setdefault(alt["token"], float(alt["logprob"]))
    if isinstance(tok.get("logprob"), (int, float)):  # the chosen token, if the top list left it out
        alternatives.setdefault(_token_text(tok), float(tok["logprob"]))
    mass = [0.0] * (item_max + 1)
    for text, lp in alternatives.items():
        digits = text.lstrip()
        if not (digits.isascii() and digits.isdigit()) or math.isnan(lp) or lp > 0:
            continue
        value = int(digits)
        if value <= item_max:
            mass[value] += math.exp(lp)
    total = sum(mass)
    if not total > 0:
        return None
    return [m / total for m in mass]


def _point_mass(value: int, item_max: int) -> list[float]:
    return [1.0 if v == value else 0.0 for v in range(item_max + 1)]


def item_distributions(
    text: str | None,
    tokens: Sequence[dict[str, Any]] | None,
    /,
    *,
    items: Sequence[int] | None,
    item_max: int,
) -> ItemDists:
    """The distribution of every item value of a parsed answer, read from its tokens.

    Parameters
    ----------
    text
        The answer text the tokens spell.
    tokens
        ``[{"token": str, "logprob": float, "top": [{"token": str, "logprob": float}, ...],
        "bytes": [int, ...] (optional)}, ...]`` in order (the model client's normal form of
        OpenAI's ``logprobs.content``).
    items
        The parsed item values (``Judgment.items``); the array holding exactly these values is
        the one read.
    item_max
        Items take the values 0..item_max.

    Examples
    --------
    >>> toks = [{"token": '{"items": [', "logprob": 0.0},
    ...         {"token": "1", "logprob": -0.1, "top": [{"token": "1", "logprob": math.log(0.6)},
    ...                                                  {"token": " 2", "logprob": math.log(0.2)},
    ...                                                  {"token": "x", "logprob": math.log(0.2)}]},
    ...         {"token": "]}", "logprob": 0.0}]
    >>> [round(p, 6) for p in item_distributions('{"items": [1]}', toks, items=[1], item_max=3).dists[0]]
    [0.0, 0.75, 0.25, 0.0]
    """
    if not items:
        return ItemDists(None, (f"{UNAVAILABLE}:no_items",))
    if not tokens or text is None:
        return ItemDists(None, (f"{UNAVAILABLE}:no_logprobs",))
    spans = _spans(text, tokens)
    if spans is None:
        return ItemDists(None, (f"{UNAVAILABLE}:text_mismatch",))
    where = _item_spans(text, items)
    if where is None:
        return ItemDists(None, (f"{UNAVAILABLE}:items_not_located",))
    dists, flags, read = [], [], 0
    for j, ((lo, hi), value) in enumerate(zip(where, items)):
        covering = [i for i, (a, b) in enumerate(spans) if a < hi and b > lo]
        probs = None
        if len(covering) == 1:
            tok = tokens[covering[0]]
            a, b = spans[covering[0]]
            # the token must be the value alone, after optional whitespace: "2" or " 2", not "2,"
            if b == hi and not text[a:lo].strip():
                probs = _value_probs(tok, item_max)
        if probs is None:
            flags.append(f"{UNAVAILABLE}:item{j + 1}")
            probs = _point_mass(int(value), item_max)
        else:
            read += 1
        dists.append(probs)
    return ItemDists(dists if read else None, tuple(flags))
