"""Whole-document properties of run_metrics on random runs: every null explained, never NaN,
order of records irrelevant, perfect agreement gives the perfect values."""

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgebench.metrics import none_paths, run_metrics
from judgebench.scales import PHQ8, PHQ9

STATUS = st.sampled_from(["ok"] * 6 + ["parse_error", "refusal", "error"])


@st.composite
def runs(draw, *, perfect=False):
    n_pairs = draw(st.integers(0, 6))
    languages = draw(st.lists(st.sampled_from(["en", "hi", "zh", "bn"]), min_size=1, max_size=3, unique=True))
    repeats = draw(st.integers(1, 3))
    models = draw(st.lists(st.sampled_from(["m1", "m2"]), min_size=1, max_size=2, unique=True))
    arms = draw(st.sampled_from([("translated",), ("translated", "localized")]))
    records = []
    for p in range(n_pairs):
        items = draw(st.lists(st.integers(0, 3), min_size=9, max_size=9))
        for arm_i, arm in enumerate(arms):
            for lang in languages:
                if lang == "en" and arm_i > 0:
                    continue  # one baseline sample per pair
                for model in models:
                    for rep in range(repeats):
                        status = "ok" if perfect else draw(STATUS)
                        pred_items = items if perfect else draw(st.lists(st.integers(0, 3), min_size=9, max_size=9))
                        ok = status == "ok"
                        records.append({
                            "task": "t", "sample_id": f"p{p}-{lang}-{arm}", "pair_id": f"p{p}", "language": lang,
                            "arm": "baseline" if lang == "en" else arm, "model": model, "repeat": rep,
                            "status": status, "pred_total": sum(pred_items) if ok else None,
                            "pred_items": pred_items if ok and draw(st.booleans()) or perfect and ok else None,
                            "true_total": sum(items), "true_items": items,
                        })
    return records


def _blocks(doc):
    """Every METRICS and CONSISTENCY block of a document, with a name for messages."""
    for model, m in doc["models"].items():
        yield f"{model}/overall", m["overall"]
        for lang, b in m["by_language"].items():
            yield f"{model}/{lang}", b
        for lang, b in m["consistency"].items():
            yield f"{model}/consistency/{lang}", b
        for arm, a in m.get("by_arm", {}).items():
            for lang, b in a["by_language"].items():
                yield f"{model}/{arm}/{lang}", b
            for lang, b in a["consistency"].items():
                yield f"{model}/{arm}/consistency/{lang}", b


@settings(max_examples=40, deadline=None)
@given(runs(), st.sampled_from([PHQ9, PHQ8]))
def test_every_null_has_a_reason_and_nothing_is_nan(records, scale):
    doc = run_metrics(records, scale=scale, n_resamples=20).to_json()
    json.dumps(doc, allow_nan=False)  # raises on NaN / inf anywhere
    for name, block in _blocks(doc):
        nulls = set(none_paths(block))
        assert set(block["undefined"]) == nulls, name
        assert "undefined for these data" not in block["undefined"].values(), name


@settings(max_examples=30, deadline=None)
@given(runs(), st.randoms(use_true_random=False))
def test_invariant_to_the_order_of_records(records, rnd):
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert run_metrics(shuffled, scale=PHQ9, n_resamples=30) == run_metrics(records, scale=PHQ9, n_resamples=30)


@settings(max_examples=30, deadline=None)
@given(runs(perfect=True))
def test_perfect_agreement(records):
    doc = run_metrics(records, scale=PHQ9, n_resamples=20).to_json()
    for name, block in _blocks(doc):
        if "consistency" in name:
            if block["n_pairs"]:
                assert block["mean_signed_gap"] == 0 and block["mean_abs_gap"] == 0, name
                assert block["band_flip_rate"] == 0 and block["delta_mae"] == 0, name
                assert block["bland_altman"]["bias"] == 0 and block["bland_altman"]["sd"] in (None, 0), name
            continue
        if not block["n_scored"]:
            continue
        assert block["mae"] == 0 and block["rmse"] == 0 and block["mean_signed_error"] == 0, name
        assert block["item_mae"] == [0.0] * 9, name
        if block["ccc"] is not None:
            assert block["ccc"] == pytest.approx(1.0), name
            assert block["sd_ratio"] == pytest.approx(1.0), name
        rel = block["reliability"]
        if rel["n_repeats"] > 1:
            assert rel["mean_within_sample_sd"] == 0, name
            for key in ("icc_2_1", "krippendorff_alpha_interval"):
                assert rel[key] is None or rel[key] == pytest.approx(1.0), name


def test_shuffled_records_with_a_fixed_seed_keep_every_ci():
    rnd = random.Random(0)
    records = [{"task": "t", "sample_id": f"p{i}-{lang}", "pair_id": f"p{i}", "language": lang, "arm": None,
                "model": "m", "repeat": r, "status": "ok", "pred_total": (i * 7 + r + (lang == "hi")) % 28,
                "true_total": (i * 7) % 28} for i in range(30) for lang in ("en", "hi") for r in range(2)]
    shuffled = records[:]
    rnd.shuffle(shuffled)
    a = run_metrics(records, scale=PHQ9, n_resamples=200).to_json()["models"]["m"]
    b = run_metrics(shuffled, scale=PHQ9, n_resamples=200).to_json()["models"]["m"]
    assert a["overall"]["ci95"] == b["overall"]["ci95"] and a["consistency"] == b["consistency"]
