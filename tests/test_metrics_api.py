"""The notebook API (DataFrame in, per-group metrics out) and the explicit undefined cases."""

import doctest
import json

import pandas as pd
import pytest

import judgebench.metrics as metrics
from judgebench.metrics import group_metrics, metrics_table, prepare_frame, records_frame, run_metrics, score_metrics
from judgebench.scales import PHQ9


def _rec(pair, lang, pred, truth, *, status="ok", model="m", repeat=0):
    return {"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang, "arm": None,
            "model": model, "repeat": repeat, "status": status, "pred_total": pred if status == "ok" else None,
            "true_total": truth}


def test_facade_exports_every_public_name():
    for name in metrics.__all__:
        assert getattr(metrics, name) is not None
    assert {"group_metrics", "metrics_table", "icc_2_1", "holm_adjust", "bland_altman"} <= set(metrics.__all__)


def test_group_metrics_docstring_example():
    result = doctest.testmod(metrics._summary, verbose=False)
    assert result.attempted >= 1 and result.failed == 0


def test_group_metrics_from_a_plain_dataframe():
    # no task, sample_id, arm, repeat or item columns: prepare_frame fills them in
    df = pd.DataFrame({
        "pair_id": ["a", "b", "c", "a", "b", "c"], "language": ["en"] * 3 + ["hi"] * 3, "model": "m",
        "status": ["ok", "ok", "ok", "ok", "refusal", "ok"],
        "pred_total": [4, 10, 21, 6, None, 20], "true_total": [5, 12, 20, 5, 12, 20],
    })
    by_lang = group_metrics(df, scale=PHQ9, n_resamples=50)
    assert set(by_lang) == {("m", "en"), ("m", "hi")}
    # en: errors 1, 2, 1 -> 4/3 ; hi: errors 1, 0 over 2 scored of 3 -> 1/2, one refusal in 3
    assert by_lang[("m", "en")]["mae"] == pytest.approx(4 / 3)
    assert by_lang[("m", "hi")]["mae"] == pytest.approx(1 / 2) and by_lang[("m", "hi")]["refusal_rate"] == pytest.approx(1 / 3)
    assert group_metrics(df, scale=PHQ9, by=(), n_resamples=0)[()]["n"] == 6
    assert score_metrics(df, scale=PHQ9, n_resamples=0)["n_scored"] == 5  # raw frame accepted too
    table = metrics_table(df, scale=PHQ9, by="language", n_resamples=50)
    assert list(table["language"]) == ["en", "hi"]
    assert {"mae", "auc.10", "ci95.mae.lo", "ci95.mae.hi", "reliability.icc_2_1", "coverage_by_band.severe.refusal_rate"} <= set(table.columns)
    assert table.loc[table["language"] == "en", "mae"].item() == pytest.approx(4 / 3)


def test_records_frame_accepts_records_or_a_dataframe():
    recs = [_rec("a", "en", 5, 7), _rec("b", "en", 9, 9)]
    from_records = records_frame(recs)
    from_frame = records_frame(pd.DataFrame(recs))
    assert list(from_records["pair_key"]) == list(from_frame["pair_key"]) == ["t\x1fa", "t\x1fb"]
    assert run_metrics(pd.DataFrame(recs), scale=PHQ9, n_resamples=0) == run_metrics(recs, scale=PHQ9, n_resamples=0)


@pytest.mark.parametrize("change, message", [
    ({"drop": "true_total"}, "true_total"),
    ({"status": "timeout"}, "status must be one of"),
    ({"pred_total": None}, "status 'ok' has no pred_total"),
    ({"true_total": None}, "numeric true_total"),
])
def test_prepare_frame_says_what_to_fix(change, message):
    df = pd.DataFrame([_rec("a", "en", 5, 7)])
    if "drop" in change:
        df = df.drop(columns=[change["drop"]])
    else:
        for k, v in change.items():
            df[k] = v
    with pytest.raises(ValueError, match=message):
        prepare_frame(df)


# --- undefined is explicit: null with a reason, never NaN, never a crash ---

def _overall(records, **kw):
    doc = run_metrics(records, scale=PHQ9, n_resamples=kw.pop("n_resamples", 50), **kw).to_json()
    json.dumps(doc, allow_nan=False)
    return doc["models"]["m"]["overall"] if doc["models"] else None


def test_no_records():
    doc = run_metrics([], scale=PHQ9).to_json()
    assert doc["models"] == {} and doc["schema_version"] == 1


def test_empty_group():
    m = score_metrics(records_frame([]), scale=PHQ9)
    assert m["n"] == 0 and m["mae"] is None and m["undefined"]["mae"] == "no judgments"
    assert m["band_confusion"]["matrix"] == [[0] * 5 for _ in range(5)]


def test_all_failures():
    m = _overall([_rec("a", "en", None, 5, status="refusal"), _rec("b", "en", None, 15, status="parse_error")])
    assert m["n"] == 2 and m["n_scored"] == 0 and m["coverage_rate"] == 0
    assert m["mae"] is None and m["undefined"]["mae"] == "no scored judgments"
    assert m["undefined"]["auc.10"] == "no scored judgments"
    assert m["refusal_rate"] == 0.5 and m["parse_failure_rate"] == 0.5


def test_single_sample():
    m = _overall([_rec("a", "en", 12, 10)])
    assert m["mae"] == 2 and m["pearson_r"] is None
    assert m["undefined"]["pearson_r"] == "fewer than 3 scored judgments"
    assert m["undefined"]["ccc"] == "fewer than 2 scored judgments"
    assert m["undefined"]["ci95.mae"] == "fewer than 2 cases (pair_ids) with a scored judgment to resample"
    assert m["undefined"]["reliability.icc_2_1"] == "one judgment per sample (no repeats)"


def test_constant_predictions():
    m = _overall([_rec(p, "en", 9, t) for p, t in (("a", 2), ("b", 12), ("c", 20))])
    assert m["pearson_r"] is None and m["undefined"]["pearson_r"] == "constant predictions"
    assert m["spearman_rho"] is None and m["undefined"]["spearman_rho"] == "constant predictions"
    assert m["ccc"] == 0.0  # defined: no covariance, all the variance is disagreement
    assert m["undefined"]["ci95.pearson_r"] == "pearson_r is undefined (constant predictions)"


def test_one_class_at_the_cutoff():
    m = _overall([_rec(p, "en", pr, t) for p, pr, t in (("a", 2, 3), ("b", 8, 6), ("c", 4, 9))])
    assert m["auc"]["10"] is None and m["undefined"]["auc.10"] == "only one class at threshold 10"
    assert m["sensitivity_at_10"] is None and m["specificity_at_10"] == 1.0
    assert m["undefined"]["sensitivity_at_10"] == "no scored judgment with true total >= 10"
    assert m["undefined"]["ci95.auc_10"] == "auc_10 is undefined (only one class at threshold 10)"


def test_constant_truth():
    m = _overall([_rec(p, "en", pr, 10) for p, pr in (("a", 9), ("b", 11), ("c", 12))])
    assert m["sd_ratio"] is None and m["undefined"]["sd_ratio"] == "constant true totals (SD(true) = 0)"
    assert m["undefined"]["pearson_r"] == "constant true totals"


def test_no_baseline_language_gives_no_consistency():
    doc = run_metrics([_rec("a", "hi", 5, 5)], scale=PHQ9, baseline_language="en").to_json()
    assert doc["models"]["m"]["consistency"] == {}


def test_records_frame_is_lenient_the_metrics_are_not():
    # a pairwise run's records have no true_total: reports may still read them through records_frame
    pairwise = [_rec("a|b", "en", None, None, status="refusal")]
    assert len(records_frame(pairwise)) == 1
    with pytest.raises(ValueError, match="numeric true_total"):
        run_metrics(pairwise, scale=PHQ9)
    with pytest.raises(ValueError, match="numeric true_total"):
        group_metrics(records_frame(pairwise), scale=PHQ9)
