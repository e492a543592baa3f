"""Judge panels: a virtual judge from its members' judgments, scored beside them; no extra calls."""

import json

import numpy as np
import pytest

from conftest import MINI
from judgebench.metrics import (
    check_panels, krippendorff_alpha_interval, panel_agreement, panel_frame, records_frame, run_metrics,
)
from judgebench.scales import PHQ9
from openai_server import OpenAIServer, biased_judges, truth_map


def _rec(pair, model, pred, truth, *, lang="en", repeat=0, status="ok", items=None):
    return {"task": "t", "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang, "model": model,
            "repeat": repeat, "status": status, "pred_total": pred if status == "ok" else None, "true_total": truth,
            "pred_items": items}


def test_panel_frame_hand_derived():
    recs = [
        # case p1: a's repeats 4 and 6 average to 5; b says 9; c says 20 -> median 9, mean 34/3
        _rec("p1", "a", 4, 8, items=[1] * 4 + [0] * 5), _rec("p1", "a", 6, 8, repeat=1, items=[1] * 6 + [0] * 3),
        _rec("p1", "b", 9, 8, items=[1] * 9), _rec("p1", "c", 20, 8, items=[3] * 6 + [2, 0, 0]),
        # case p2: only c scored; a refused twice, b parse error -> the panel is c
        _rec("p2", "a", None, 3, status="refusal"), _rec("p2", "a", None, 3, repeat=1, status="refusal"),
        _rec("p2", "b", None, 3, status="parse_error"), _rec("p2", "c", 2, 3),
        # case p3: nobody scored -> the most common failure
        _rec("p3", "a", None, 3, status="refusal"), _rec("p3", "b", None, 3, status="refusal"),
        _rec("p3", "c", None, 3, status="error"),
    ]
    df = records_frame(recs)
    med = panel_frame(df, name="trio", members=["a", "b", "c"], n_items=9).set_index("pair_id")
    assert list(med["model"].unique()) == ["trio"] and med.loc["p1", "pred_total"] == 9
    assert med.loc["p2", "pred_total"] == 2 and med.loc["p2", "status"] == "ok"
    assert med.loc["p3", "status"] == "refusal" and np.isnan(med.loc["p3", "pred_total"])
    # items: a's averaged vector [1,1,1,1,0.5,0.5,0,0,0], b's [1]*9, c's [3]*6+[2,0,0]; median per item
    assert med.loc["p1", "pred_items"] == [1, 1, 1, 1, 1, 1, 1, 0, 0]
    mean = panel_frame(df, name="trio", members=["a", "b", "c"], aggregate="mean").set_index("pair_id")
    assert mean.loc["p1", "pred_total"] == pytest.approx(34 / 3)


def test_panel_agreement_is_alpha_of_the_member_matrix():
    rng = np.random.default_rng(0)
    recs, matrix = [], []
    for i in range(25):
        t = int(rng.integers(0, 28))
        row = [int(np.clip(t + rng.normal(0, 2), 0, 27)) for _ in range(3)]
        matrix.append(row)
        recs += [_rec(str(i), m, p, t) for m, p in zip("abc", row)]
    out = panel_agreement(records_frame(recs), members=["a", "b", "c"], n_resamples=300)
    assert out["krippendorff_alpha_interval"] == pytest.approx(krippendorff_alpha_interval(np.array(matrix, float)))
    lo, hi = out["ci95"]
    assert lo < out["krippendorff_alpha_interval"] < hi and out["n_samples"] == 25 and out["undefined"] == {}
    same = panel_agreement(records_frame([_rec(str(i), m, 5, 5) for i in range(5) for m in "ab"]), members=["a", "b"])
    assert same["krippendorff_alpha_interval"] is None and "same total" in same["undefined"]["ci95"]


def test_check_panels():
    check_panels({"duo": ["a", "b"]}, ["a", "b"])
    with pytest.raises(ValueError, match="at least 2 different judges"):
        check_panels({"duo": ["a", "a"]}, ["a", "b"])
    with pytest.raises(ValueError, match="x is not a judge of this run"):
        check_panels({"duo": ["a", "x"]}, ["a", "b"])
    with pytest.raises(ValueError, match="already a judge"):
        check_panels({"a": ["a", "b"]}, ["a", "b"])


def test_panel_in_run_metrics():
    recs = [_rec(str(i), m, min(27, max(0, i + d)), i) for i in range(20) for m, d in (("a", 0), ("b", 3), ("c", -3))]
    m = run_metrics(recs, scale=PHQ9, n_resamples=50, panels={"trio": ["a", "b", "c"]}).to_json()
    assert m["models"]["trio"]["overall"]["mae"] == 0 and m["models"]["trio"]["panel"]["members"] == ["a", "b", "c"]
    assert {(c["a"], c["b"]) for c in m["comparisons"]} >= {("a", "trio"), ("b", "trio"), ("c", "trio")}
    assert m["models"]["b"]["overall"]["mae"] == 3  # members are scored as before
    with pytest.raises(ValueError, match="panel_aggregate"):
        run_metrics(recs, scale=PHQ9, panels={"trio": ["a", "b"]}, panel_aggregate="mode")


JUDGES = {"a": {}, "high": {"bias": {"en": 2, "zh": 2, "de": 2}}, "low": {"bias": {"en": -2, "zh": -2, "de": -2}}}


def test_panel_from_the_cli_and_the_models_file(judgebench, tmp_path):
    with OpenAIServer(biased_judges(truth_map(MINI), JUDGES)) as srv:
        out = tmp_path / "run"
        base = ("run", "--task", MINI, "--model", "openai/a", "--model", "openai/high", "--model", "openai/low",
                "--api-base", srv.url, "--quiet")
        judgebench(*base, "--out", str(out), "--panel", "trio=openai/a,openai/high,openai/low", check=0)
        n_calls = len(srv.requests)
        assert n_calls == 3 * 8  # the panel costs nothing
        m = json.loads((out / "metrics.json").read_text())
        trio = m["models"]["trio"]
        # +2 and -2 around the truth: the median is the truth wherever clipping at 0 does not bite
        assert trio["overall"]["mae"] < m["models"]["openai/high"]["overall"]["mae"]
        assert trio["panel"]["aggregate"] == "median" and trio["panel"]["agreement"]["n_samples"] == 8
        # the leaderboard rebuilds the panel from its members' records: it is ranked with them
        board = json.loads(judgebench("leaderboard", str(out), "--format", "json", check=0).stdout)["rows"]
        assert board[0]["judge"] in ("trio", "openai/a") and all(r["rank_ci"] for r in board)
        # 4 cases: the smallest two-sided sign-flip p is 2/2^4, so no judge can be shown worse
        assert sorted(r["vs_best"] for r in board) == ["best", "≈ best", "≈ best", "≈ best"]
        assert all(r["n_common"] == 8 for r in board)
        md = judgebench("report", str(out), "--format", "markdown", check=0).stdout
        assert "| trio | overall |" in md and "- trio: panel: the median of openai/a, openai/high, openai/low" in md

        models = tmp_path / "models.yaml"
        models.write_text(f"judges:\n  a: {{model: openai/a, api_base: {srv.url}}}\n  high: {{model: openai/high, "
                          f"api_base: {srv.url}}}\n  low: {{model: openai/low, api_base: {srv.url}}}\n"
                          "panels:\n  duo: [high, low]\n  unused: [high, nobody]\n")
        out2 = tmp_path / "run2"
        judgebench("run", "--task", MINI, "--models-file", str(models), "-m", "a", "-m", "high", "-m", "low",
                   "--out", str(out2), "--quiet", "--panel-aggregate", "mean", check=0)
        m = json.loads((out2 / "metrics.json").read_text())
        assert m["models"]["duo"]["panel"] == {**m["models"]["duo"]["panel"], "members": ["high", "low"],
                                               "aggregate": "mean"}
        assert "unused" not in m["models"]

    proc = judgebench(*base, "--out", str(tmp_path / "bad"), "--panel", "trio=openai/a,openai/nobody")
    assert proc.returncode == 2 and "openai/nobody is not a judge of this run" in proc.stderr
    proc = judgebench(*base, "--out", str(tmp_path / "bad"), "--panel", "trio")
    assert proc.returncode == 2 and "expected NAME=judgeA,judgeB" in proc.stderr
    models.write_text("judges:\n  a: {model: openai/a}\npanels:\n  duo: [a]\n")
    proc = judgebench("run", "--task", MINI, "--models-file", str(models), "-m", "a", "--out", str(tmp_path / "bad"))
    assert proc.returncode == 2 and "models.yaml:4" in proc.stderr and "panels.duo" in proc.stderr, proc.stderr
