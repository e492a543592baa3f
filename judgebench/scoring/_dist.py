"""Distributions of item values and of the total they add up to."""

from __future__ import annotations

from typing import Sequence

Dist = Sequence[float]


def item_expectations(dists: Sequence[Dist], /) -> list[float]:
    """E[item] = sum_v v * p(v) for every item distribution over 0..item_max."""
    return [sum(v * p for v, p in enumerate(d)) for d in dists]


def expected_total(dists: Sequence[Dist], /) -> float:
    """The sum of the items' expected values (linearity of expectation: no independence needed).

    >>> expected_total([[0.5, 0.5, 0, 0], [0, 0, 0.25, 0.75]])
    3.25
    """
    return float(sum(item_expectations(dists)))


def total_distribution(dists: Sequence[Dist], /) -> list[float]:
    """P(total = s) for s = 0..sum of item maxima: the convolution of the item distributions.

    Treats items as independent given the dialogue, an approximation: the judge's item
    probabilities are each read at their own token, conditional on the items written before.

    >>> total_distribution([[0.5, 0.5], [0.5, 0.5]])
    [0.25, 0.5, 0.25]
    """
    out = [1.0]
    for d in dists:
        nxt = [0.0] * (len(out) + len(d) - 1)
        for i, a in enumerate(out):
            if a:
                for j, b in enumerate(d):
                    nxt[i + j] += a * b
        out = nxt
    return out


def prob_at_least(total_dist: Dist, /, threshold: int) -> float:
    """P(total >= threshold) from a distribution over totals 0..max."""
    return float(min(1.0, max(0.0, sum(total_dist[max(0, threshold):]))))


def empirical_item_dists(item_vectors: Sequence[Sequence[int]], /, *, item_max: int) -> list[list[float]]:
    """Per item, the share of the answers (e.g. the ok repeats of one sample) giving each value
    0..item_max: the original G-Eval recipe of sampling the judge several times.

    >>> empirical_item_dists([[1, 3], [2, 3]], item_max=3)
    [[0.0, 0.5, 0.5, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    if not item_vectors:
        raise ValueError("empirical_item_dists needs at least one item vector")
    n = len(item_vectors)
    k = len(item_vectors[0])
    out = [[0.0] * (item_max + 1) for _ in range(k)]
    for vec in item_vectors:
        for j, v in enumerate(vec):
            out[j][int(v)] += 1.0 / n
    return out
