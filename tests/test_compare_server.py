"""Done-when of paired comparisons and equivalence: judges with injected faults on a real local
server, through the real CLI, come out as injected."""

import json

from openai_server import OpenAIServer, biased_judges, truth_map

TASK = "phq9-multilingual"
# Both judges read zh 3 points high and hi with a little noise; "noisy" adds sd-3 noise everywhere.
JUDGES = {
    "exact": {"bias": {"zh": 3}, "noise": {"hi": 0.6}},
    "noisy": {"bias": {"zh": 3}, "noise": {"*": 3.0}},
    "twin": {"bias": {"zh": 3}, "noise": {"hi": 0.6}},  # exact's faults, other draws of the noise
}


def test_injected_faults_come_out(judgebench, tmp_path):
    out = tmp_path / "run"
    srv = OpenAIServer(biased_judges(truth_map(TASK), JUDGES))
    with srv:
        _check(judgebench, srv, out)
        # the leaderboard across runs: twin is exact with other draws of the same noise
        twin = tmp_path / "twin"
        judgebench("run", "--task", TASK, "-l", "en", "-l", "hi", "-l", "zh", "--arm", "translated",
                   "--model", "openai/twin", "--api-base", srv.url, "--out", str(twin), "--quiet", check=0)
    board = json.loads(judgebench("leaderboard", str(out), str(twin), "--format", "json", check=0).stdout)
    rows = {r["judge"]: r for r in board["rows"]}
    first, second, third = board["rows"]
    assert {first["judge"], second["judge"]} == {"openai/twin", "openai/exact"} and third["judge"] == "openai/noisy"
    assert first["vs_best"] == "best" and second["vs_best"] == "≈ best" and third["vs_best"] == "worse"
    assert first["rank_ci"][0] == 1 and second["rank_ci"] == [1, 2] and third["rank_ci"] == [3, 3]
    assert rows["openai/noisy"]["n_common"] == 120
    md = judgebench("leaderboard", str(out), str(twin), "--format", "markdown", check=0).stdout
    assert "| rank | judge | MAE | rank 95% CI | vs best |" in md and "| 3 | openai/noisy |" in md


def _check(judgebench, srv, out):
    args = ("run", "--task", TASK, "-l", "en", "-l", "hi", "-l", "zh", "--arm", "translated",
            "--model", "openai/exact", "--model", "openai/noisy", "--api-base", srv.url, "--out", str(out), "--quiet")
    judgebench(*args, check=0)
    m = json.loads((out / "metrics.json").read_text())
    comps_before = m["comparisons"]
    comps = {(c["a"], c["b"], c["metric"]): c for c in m["comparisons"]}
    mae = comps[("openai/exact", "openai/noisy", "mae")]
    # 40 cases x 3 languages judged by both; noise of sd 3 costs noisy about a point of MAE
    # (measured: -1.05, CI [-1.41, -0.72])
    assert mae["n"] == 120 and mae["diff"] < -0.5 and mae["ci"][1] < 0 and mae["p_holm"] < 0.01
    assert {c["metric"] for c in m["comparisons"]} == {"mae", "auc_10", "accuracy_10"}
    exact = m["models"]["openai/exact"]["consistency"]
    assert exact["zh"]["equivalence"]["verdict"] == "different"
    assert exact["hi"]["equivalence"]["verdict"] == "equivalent"
    assert exact["hi"]["equivalence"]["margin"] == 1.0 == m["equivalence_margin"]
    # rerun (nothing new to judge): a margin narrower than hi's noise can support is inconclusive
    md = judgebench("report", str(out), "--format", "markdown", check=0).stdout
    assert "- openai/exact: hi: equivalent within ±1 (40 cases" in md
    assert "- openai/exact: zh: different, the gap lies beyond ±1" in md
    assert "| openai/exact | openai/noisy | MAE | -1.0" in md and "sign-flip permutation" in md
    table = judgebench("report", str(out), check=0).stdout
    assert "rated as in en? hi: equivalent within ±1" in table and "judges compared paired" in table
    n_calls = len(srv.requests)
    judgebench(*args, "--equivalence-margin", "0.05", check=0)
    assert len(srv.requests) == n_calls == 240
    m = json.loads((out / "metrics.json").read_text())
    hi = m["models"]["openai/exact"]["consistency"]["hi"]["equivalence"]
    assert hi["margin"] == 0.05 and hi["verdict"] == "inconclusive" and hi["min_margin"] > 0.05
    assert m["models"]["openai/exact"]["consistency"]["zh"]["equivalence"]["verdict"] == "different"
    assert m["comparisons"] == comps_before
    md = judgebench("report", str(out), "--format", "markdown", check=0).stdout
    assert "hi: inconclusive, 40 cases cannot show ±0.05 (the smallest margin they could show: ±0." in md
