"""Item distributions read from hand-made token streams, and the totals they imply."""

import doctest
import math

import numpy as np
import pytest

import judgebench.scoring._dist as dist_mod
import judgebench.scoring._extract as extract_mod
from judgebench.scoring import (
    empirical_item_dists, expected_total, item_distributions, prob_at_least, total_distribution,
)


def tok(text, lp=0.0, top=None, **kw):
    t = {"token": text, "logprob": lp, **kw}
    if top is not None:
        t["top"] = [{"token": k, "logprob": math.log(p)} for k, p in top.items()]
    return t


def stream(items, tops, *, style="split", total=None):
    """Tokens of '{"items": [a, b, ...], "total": N}' with the given alternatives per item."""
    toks = [tok('{"'), tok("items"), tok('":'), tok(" [")]
    for i, (v, top) in enumerate(zip(items, tops)):
        if i:
            toks.append(tok(","))
        if style == "split":
            if i:
                toks.append(tok(" "))
            toks.append(tok(str(v), math.log(top.get(str(v), 0.5)), top))
        elif style == "space":  # " 2" carries its own space
            toks.append(tok((" " if i else "") + str(v), -0.1, top))
    toks += [tok('],'), tok(' "'), tok("total"), tok('":'), tok(" " + str(total if total is not None else sum(items))), tok("}")]
    return toks


def text_of(toks):
    return "".join(t["token"] for t in toks)


def test_admissible_alternatives_are_kept_summed_and_renormalised():
    # item 1: "2" 0.5, " 2" 0.1, "1" 0.2, then junk "x" 0.1 and "7" (beyond item_max 3) 0.1
    # kept mass: value 2 = 0.6, value 1 = 0.2 -> renormalised over 0.8: [0, .25, .75, 0]
    tops = [{"2": 0.5, " 2": 0.1, "1": 0.2, "x": 0.1, "7": 0.1}, {"0": 0.9, "3": 0.1}]
    toks = stream([2, 0], tops)
    r = item_distributions(text_of(toks), toks, items=[2, 0], item_max=3)
    assert r.flags == ()
    np.testing.assert_allclose(r.dists[0], [0, 0.25, 0.75, 0])
    np.testing.assert_allclose(r.dists[1], [0.9, 0, 0, 0.1])
    # E = (0.25*1 + 0.75*2) + 0.1*3 = 1.75 + 0.3
    assert expected_total(r.dists) == pytest.approx(2.05)


def test_tokens_with_leading_spaces_are_read():
    tops = [{"1": 0.5, " 1": 0.5}, {" 3": 0.4, " 2": 0.6}]
    toks = stream([1, 2], tops, style="space")
    r = item_distributions(text_of(toks), toks, items=[1, 2], item_max=3)
    assert r.flags == ()
    np.testing.assert_allclose(r.dists[0], [0, 1, 0, 0])
    np.testing.assert_allclose(r.dists[1], [0, 0, 0.6, 0.4])


def test_a_token_holding_more_than_the_digit_flags_that_item_and_falls_back():
    toks = [tok('{"items": ['), tok("2,", -0.2, {"2,": 0.8, "1,": 0.2}), tok(" "),
            tok("1", -0.1, {"1": 0.7, "0": 0.3}), tok('], "total": 3}')]
    r = item_distributions(text_of(toks), toks, items=[2, 1], item_max=3)
    assert r.flags == ("logprob_unavailable:item1",)
    assert r.dists[0] == [0, 0, 1, 0]  # the point answer, never a guess
    np.testing.assert_allclose(r.dists[1], [0.3, 0.7, 0, 0])


def test_no_admissible_alternative_flags_the_item():
    toks = stream([1, 1], [{"1": 0.9, "x": 0.1}, {"one": 0.9}])
    toks[toks.index(next(t for t in toks[5:] if t["token"] == "1"))]["logprob"] = None  # chosen lp missing too
    r = item_distributions(text_of(toks), toks, items=[1, 1], item_max=3)
    assert r.flags == ("logprob_unavailable:item2",)
    assert r.dists[1] == [0, 1, 0, 0]


def test_the_chosen_token_counts_when_the_top_list_leaves_it_out():
    # sampled at temperature: the chosen "3" (p=0.05) is not among the top alternatives given
    toks = [tok('{"items": ['), tok("3", math.log(0.05), {"0": 0.6, "1": 0.35}), tok('], "total": 3}')]
    r = item_distributions(text_of(toks), toks, items=[3], item_max=3)
    np.testing.assert_allclose(r.dists[0], [0.6, 0.35, 0, 0.05])


def test_no_logprobs_no_items_or_other_text_are_flagged_not_errors():
    assert item_distributions('{"items": [1]}', None, items=[1], item_max=3).flags == ("logprob_unavailable:no_logprobs",)
    assert item_distributions('{"items": [1]}', [], items=[1], item_max=3).dists is None
    toks = stream([1], [{"1": 1.0}])
    assert item_distributions('{"total": 1}', toks, items=None, item_max=3).flags == ("logprob_unavailable:no_items",)
    assert item_distributions("something else", toks, items=[1], item_max=3).flags == ("logprob_unavailable:text_mismatch",)
    # items quoted as strings: parsed by the parser, but no digit token to read
    quoted = [tok('{"items": ["1"], "total": 1}')]
    assert item_distributions(text_of(quoted), quoted, items=[1], item_max=3).flags == ("logprob_unavailable:items_not_located",)


def test_every_item_failing_gives_no_distribution():
    toks = [tok('{"items": [1, 2], "total": 3}')]  # one token for everything
    r = item_distributions(text_of(toks), toks, items=[1, 2], item_max=3)
    assert r.dists is None and r.flags == ("logprob_unavailable:item1", "logprob_unavailable:item2")


def test_the_array_with_the_parsed_values_is_the_one_read():
    # a rationale quoting another items array first
    pre = [tok('{"note": "not \\"items\\": [3, 3]", '), tok('"items": ['), tok("0", -0.1, {"0": 0.8, "1": 0.2}),
           tok('], "total": 0}')]
    text = text_of(pre)
    r = item_distributions(text, pre, items=[0], item_max=3)
    np.testing.assert_allclose(r.dists[0], [0.8, 0.2, 0, 0])


def test_bytes_locate_tokens_when_a_character_is_split_across_tokens():
    emoji = "🙂".encode()
    toks = [tok("\ufffd", bytes=list(emoji[:2])), tok("\ufffd", bytes=list(emoji[2:])),
            tok(' {"items": [', bytes=list(b' {"items": [')),
            tok("2", -0.1, {"2": 0.5, "3": 0.5}, bytes=[50]), tok('], "total": 2}', bytes=list(b'], "total": 2}'))]
    text = '🙂 {"items": [2], "total": 2}'
    r = item_distributions(text, toks, items=[2], item_max=3)
    assert r.flags == ()
    np.testing.assert_allclose(r.dists[0], [0, 0, 0.5, 0.5])


def test_total_distribution_is_the_convolution_and_keeps_the_mean():
    rng = np.random.default_rng(0)
    dists = [list(rng.dirichlet(np.ones(4))) for _ in range(9)]
    total = total_distribution(dists)
    assert len(total) == 28 and sum(total) == pytest.approx(1.0)
    ref = np.array([1.0])
    for d in dists:
        ref = np.convolve(ref, d)
    np.testing.assert_allclose(total, ref)
    assert sum(s * p for s, p in enumerate(total)) == pytest.approx(expected_total(dists))
    assert prob_at_least(total, 0) == pytest.approx(1.0)
    assert prob_at_least(total, 10) == pytest.approx(ref[10:].sum())
    assert prob_at_least(total, 28) == 0.0


def test_empirical_distributions_over_repeats():
    assert empirical_item_dists([[0, 3], [1, 3], [1, 3], [1, 2]], item_max=3) == [
        [0.25, 0.75, 0, 0], [0, 0, 0.25, 0.75]]


def test_doctests():
    for mod in (dist_mod, extract_mod):
        assert doctest.testmod(mod).failed == 0
