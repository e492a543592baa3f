"""--scoring logprob|sample end to end: a real OpenAI-compatible server on 127.0.0.1 serving
known token probabilities, the real CLI, and every number checked against values this test
derives itself from what it served (sklearn for AUC and Brier)."""

import json
import threading

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from conftest import MINI, read_jsonl
from openai_server import OpenAIServer, Reply, answer_json, answer_tokens, dialogue_hash, dialogue_of, truth_map

ITEM_MAX, CUTOFF, THRESHOLDS = 3, 10, range(3, 25)


def sample_dialogues():
    """sample id -> (dialogue hash, language, true total)."""
    from judgebench.prompts import render_dialogue
    from judgebench.tasks import load_task

    return {s.id: (dialogue_hash(render_dialogue(s)), s.language, s.true_total) for s in load_task(MINI).samples}


def uncertain_judge():
    """A responder answering each dialogue's true items, with random but known alternatives at
    every item token: admissible values (some split between "2" and " 2"), and junk ("x", "7",
    "10") that must be dropped. Returns (responder, served: dialogue hash -> tops)."""
    truth = truth_map(MINI)
    served: dict[str, list[dict[str, float]]] = {}

    def respond(body):
        h = dialogue_hash(dialogue_of(body))
        _, items, lang = truth[h]
        spaced = lang == "zh"  # the zh answers tokenise values with their space: " 2"
        rng = np.random.default_rng(int(h[:8], 16))
        tops = []
        for j, v in enumerate(items):
            lead = " " if spaced and j else ""
            q = rng.dirichlet(np.ones(ITEM_MAX + 1)) * 0.9
            top = {f"{lead}{u}": float(q[u]) for u in range(ITEM_MAX + 1)}
            if j % 3 == 0:  # the same value also offered with the other spacing
                other = f"{'' if lead else ' '}{(v + 1) % (ITEM_MAX + 1)}"
                top[other] = 0.04
            top.update({"x": 0.03, "7": 0.02, "10": 0.01})
            tops.append(top)
        served[h] = tops
        text, toks = answer_tokens(items, tops, spaced=spaced)
        return Reply(content=text, logprobs=toks)

    return respond, served


def renormalised(top: dict[str, float]) -> list[float]:
    """What the test expects of one item: admissible tokens summed per value, renormalised."""
    mass = np.zeros(ITEM_MAX + 1)
    for token, p in top.items():
        if token.strip().isdigit() and int(token.strip()) <= ITEM_MAX:
            mass[int(token.strip())] += p
    return list(mass / mass.sum())


def total_probs(dists) -> np.ndarray:
    out = np.array([1.0])
    for d in dists:
        out = np.convolve(out, d)
    return out


@pytest.fixture
def uncertain_server():
    respond, served = uncertain_judge()
    with OpenAIServer(respond) as srv:
        yield srv, served


def run_args(srv, out, *extra):
    return ("run", "--task", MINI, "--model", "openai/test-judge", "--api-base", srv.url,
            "--out", str(out), "--quiet", *extra)


def test_expected_totals_aucs_and_brier_match_the_served_probabilities(judgebench, tmp_path, uncertain_server):
    srv, served = uncertain_server
    out = tmp_path / "run"
    judgebench(*run_args(srv, out, "--scoring", "logprob"), check=0)
    assert all(r["body"].get("logprobs") is True and r["body"].get("top_logprobs") == 20 for r in srv.requests)

    samples = sample_dialogues()
    records = read_jsonl(out / "samples.jsonl")
    assert len(records) == 8 and all(r["status"] == "ok" and r["scoring"] == "logprob" for r in records)
    units = {}  # language -> [(truth, item dists)]
    for r in records:
        h, lang, truth = samples[r["sample_id"]]
        dists = [renormalised(top) for top in served[h]]
        expected = sum(sum(v * p for v, p in enumerate(d)) for d in dists)
        assert r["pred_total_expected"] == pytest.approx(expected, abs=1e-6)
        np.testing.assert_allclose(r["pred_items_dist"], dists, atol=1e-9)
        assert r["pred_total"] == truth and r["flags"] == []  # the point answer is untouched
        units.setdefault(lang, []).append((truth, dists))

    metrics = json.loads((out / "metrics.json").read_text())["models"]["openai/test-judge"]
    blocks = {"overall": (metrics["overall"], [u for us in units.values() for u in us])}
    blocks.update({lang: (metrics["by_language"][lang], us) for lang, us in units.items()})
    for name, (block, us) in blocks.items():
        truths = np.array([t for t, _ in us], dtype=float)
        totals = [total_probs(d) for _, d in us]
        e = np.array([sum(s * p for s, p in enumerate(tp)) for tp in totals])
        assert block["expected"]["n"] == len(us)
        assert block["expected"]["mae"] == pytest.approx(np.abs(e - truths).mean(), abs=1e-9), name
        for t in THRESHOLDS:
            y = truths >= t
            p_t = np.array([tp[t:].sum() for tp in totals])
            got = block["expected"]["auc"][str(t)]
            if y.all() or not y.any():
                assert got is None and f"expected.auc.{t}" in block["undefined"]
            else:
                assert got == pytest.approx(roc_auc_score(y, p_t), abs=1e-9), (name, t)
        y = truths >= CUTOFF
        p_cut = np.array([tp[CUTOFF:].sum() for tp in totals])
        cal = block["calibration"]
        assert cal["brier"] == pytest.approx(brier_score_loss(y, p_cut), abs=1e-9), name
        # ECE by hand: ten equal-width bins, the last one closed
        bins = np.minimum((p_cut * 10).astype(int), 9)
        ece = sum((bins == b).mean() * abs(y[bins == b].mean() - p_cut[bins == b].mean())
                  for b in range(10) if (bins == b).any())
        assert cal["ece"] == pytest.approx(ece, abs=1e-9) and cal["n"] == len(us)
        assert sum(b["n"] for b in cal["bins"]) == len(us)
    # at least one AUC is not trivially perfect, or the comparison above proved little
    assert any(v is not None and v < 1 for v in metrics["overall"]["expected"]["auc"].values())


def test_a_server_without_logprobs_gives_point_scores_with_a_flag(judgebench, tmp_path, truth_server):
    srv = truth_server()
    out = tmp_path / "run"
    judgebench(*run_args(srv, out, "--scoring", "logprob"), check=0)
    records = read_jsonl(out / "samples.jsonl")
    assert all(r["status"] == "ok" and r["pred_total"] == r["true_total"] for r in records)
    assert all(r["flags"] == ["logprob_unavailable:no_logprobs"] for r in records)
    assert all("pred_items_dist" not in r and "pred_total_expected" not in r for r in records)
    overall = json.loads((out / "metrics.json").read_text())["models"]["openai/test-judge"]["overall"]
    assert overall["mae"] == 0 and overall["expected"]["n"] == 0 and overall["expected"]["mae"] is None
    assert overall["calibration"]["brier"] is None
    assert "logprob_unavailable" in overall["undefined"]["expected.mae"]


def test_point_runs_are_unchanged(judgebench, tmp_path, truth_server):
    srv = truth_server()
    out = tmp_path / "run"
    judgebench(*run_args(srv, out), check=0)
    assert not any("logprobs" in r["body"] for r in srv.requests)
    assert all("scoring" not in r for r in read_jsonl(out / "samples.jsonl"))
    overall = json.loads((out / "metrics.json").read_text())["models"]["openai/test-judge"]["overall"]
    assert "expected" not in overall and "calibration" not in overall


def test_the_scoring_mode_is_in_the_cache_key_and_logprobs_survive_the_cache(judgebench, tmp_path, uncertain_server):
    srv, _ = uncertain_server
    first = tmp_path / "first"
    judgebench(*run_args(srv, first, "--scoring", "logprob"), check=0)
    asked = len(srv.requests)
    # the same judge from a models file with scoring: logprob -> the same requests, all cached
    models = tmp_path / "models.yaml"
    models.write_text(f"judges:\n  openai/test-judge:\n    model: openai/test-judge\n    api_base: {srv.url}\n"
                      "    scoring: logprob\n", encoding="utf-8")
    again = tmp_path / "again"
    judgebench("run", "--task", MINI, "--models-file", str(models), "--model", "openai/test-judge",
               "--out", str(again), "--quiet", check=0)
    assert len(srv.requests) == asked
    by_id = {r["sample_id"]: r for r in read_jsonl(first / "samples.jsonl")}
    for r in read_jsonl(again / "samples.jsonl"):
        assert r["cached"] and r["pred_items_dist"] == by_id[r["sample_id"]]["pred_items_dist"]
    assert json.loads((again / "run.json").read_text())["models"][0]["scoring"] == "logprob"
    # a point request is another request
    judgebench(*run_args(srv, tmp_path / "point"), check=0)
    assert len(srv.requests) == 2 * asked


def varied_judge():
    """Answers the k-th request about a dialogue with its true items, item 1 moved by k % 3 - 1
    (clipped): a judge whose repeats disagree in a known way."""
    truth = truth_map(MINI)
    calls: dict[str, int] = {}
    lock = threading.Lock()

    def respond(body):
        h = dialogue_hash(dialogue_of(body))
        with lock:
            k = calls[h] = calls.get(h, 0) + 1
        items = list(truth[h][1])
        items[0] = min(ITEM_MAX, max(0, items[0] + (k - 1) % 3 - 1))
        return Reply(content=answer_json(items))

    return respond


def test_sample_scoring_reads_distributions_from_the_repeats(judgebench, tmp_path):
    with OpenAIServer(varied_judge()) as srv:
        proc = judgebench(*run_args(srv, tmp_path / "one", "--scoring", "sample"))
        assert proc.returncode == 2 and "--repeats" in proc.stderr
        out = tmp_path / "run"
        judgebench(*run_args(srv, out, "--scoring", "sample", "--repeats", "3", "--temperature", "1"), check=0)
    records = read_jsonl(out / "samples.jsonl")
    assert all(r["scoring"] == "sample" and "pred_items_dist" not in r for r in records)
    per_sample: dict[str, list] = {}
    for r in records:
        per_sample.setdefault(r["sample_id"], []).append(r)
    truths, totals = [], []
    for rs in per_sample.values():
        vectors = np.array([r["pred_items"] for r in rs])
        dists = [np.bincount(vectors[:, j], minlength=ITEM_MAX + 1) / len(rs) for j in range(vectors.shape[1])]
        truths.append(rs[0]["true_total"])
        totals.append(total_probs(dists))
    truths = np.array(truths, dtype=float)
    overall = json.loads((out / "metrics.json").read_text())["models"]["openai/test-judge"]["overall"]
    assert overall["expected"]["n"] == 8  # one unit per sample, not per repeat
    e = np.array([sum(s * p for s, p in enumerate(tp)) for tp in totals])
    assert overall["expected"]["mae"] == pytest.approx(np.abs(e - truths).mean(), abs=1e-9)
    y = truths >= CUTOFF
    assert overall["calibration"]["brier"] == pytest.approx(
        brier_score_loss(y, [tp[CUTOFF:].sum() for tp in totals]), abs=1e-9)


def test_reports_show_calibration_and_the_leaderboard_ranks_by_expected(judgebench, tmp_path, uncertain_server,
                                                                          truth_server):
    srv, _ = uncertain_server
    probs = tmp_path / "probs"
    judgebench(*run_args(srv, probs, "--scoring", "logprob"), check=0)
    flat = tmp_path / "flat"  # logprob asked, none sent: no expected totals to rank by
    judgebench("run", "--task", MINI, "--model", "openai/no-logprobs", "--api-base", truth_server().url,
               "--scoring", "logprob", "--out", str(flat), "--quiet", check=0)
    page = tmp_path / "report.html"
    judgebench("report", str(probs), "--format", "html", "--output", str(page), check=0)
    text = page.read_text(encoding="utf-8")
    assert "reliability diagram" in text and text.count("alt='reliability diagram'") == 1
    table = judgebench("report", str(probs), "--format", "markdown", check=0).stdout
    assert "MAE exp." in table and "Brier≥10" in table
    board = json.loads(judgebench("leaderboard", str(flat), str(probs), "--rank-by", "expected", "--format", "json",
                                  check=0).stdout)
    assert board["primary_metric"] == "expected_mae"
    assert [r["judge"] for r in board["rows"]] == ["openai/test-judge", "openai/no-logprobs"]
    overall = json.loads((probs / "metrics.json").read_text())["models"]["openai/test-judge"]["overall"]
    assert board["rows"][0]["expected_mae"] == overall["expected"]["mae"]
    assert board["rows"][0]["brier"] == overall["calibration"]["brier"]
    csv_head = judgebench("leaderboard", str(flat), str(probs), "--format", "csv", check=0).stdout.splitlines()[0]
    assert "MAE expected" in csv_head


def test_auto_reads_logprobs_where_they_come_and_scores_points_where_they_do_not(
        judgebench, tmp_path, uncertain_server, truth_server):
    srv, _ = uncertain_server
    judgebench(*run_args(srv, tmp_path / "with", "--scoring", "auto"), check=0)
    assert all(r["body"].get("logprobs") is True for r in srv.requests)  # litellm: openai/ sends them
    assert all(r["scoring"] == "logprob" and "pred_total_expected" in r for r in read_jsonl(tmp_path / "with" / "samples.jsonl"))
    plain = truth_server()
    judgebench("run", "--task", MINI, "--model", "openai/test-judge", "--api-base", plain.url, "--scoring", "auto",
               "--out", str(tmp_path / "without"), "--quiet", check=0)
    records = read_jsonl(tmp_path / "without" / "samples.jsonl")
    assert all("scoring" not in r and r["flags"] == [] and r["pred_total"] == r["true_total"] for r in records)
