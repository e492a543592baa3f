"""Format effect: two tasks of a run sharing pair_ids (the same cases in two formats)."""

import json

import pytest

from conftest import MINI
from judgebench.metrics import format_effect, records_frame, run_metrics, sign_flip_p
from judgebench.scales import PHQ9
from openai_server import OpenAIServer, Reply, answer_json, dialogue_hash, dialogue_of, truth_map


def _rec(task, pair, lang, pred, truth, *, repeat=0, model="m"):
    return {"task": task, "sample_id": f"{pair}-{lang}", "pair_id": pair, "language": lang, "model": model,
            "repeat": repeat, "status": "ok", "pred_total": pred, "true_total": truth}


def test_format_effect_hand_derived():
    # truth 10 everywhere; case c1 of chat has two repeats (11 and 13)
    recs = [_rec("chat", "c0", "en", 10, 10), _rec("chat", "c1", "en", 11, 10), _rec("chat", "c1", "en", 13, 10, repeat=1),
            _rec("chat", "c2", "en", 8, 10),
            # notes: errors 3, 3, 2, and c3 only in notes (not paired)
            _rec("notes", "c0", "en", 13, 10), _rec("notes", "c1", "en", 7, 10), _rec("notes", "c2", "en", 12, 10),
            _rec("notes", "c3", "en", 0, 10)]
    # chat errors: c0 0, c1 |12 - 10| = 2 (repeats averaged first), c2 2 -> d = chat - notes = (-3, -1, 0)
    (entry,) = format_effect(records_frame(recs), n_resamples=200)
    assert (entry["a"], entry["b"], entry["model"], entry["language"], entry["n"]) == ("chat", "notes", "m", "en", 3)
    assert entry["diff"] == pytest.approx(-4 / 3) and entry["p"] == pytest.approx(sign_flip_p([-3, -1, 0]))
    assert entry["p_holm"] == entry["p"] and entry["undefined"] == {}
    assert run_metrics(recs, scale=PHQ9, n_resamples=50).to_json()["format_effect"] == format_effect(records_frame(recs), n_resamples=50)
    assert "format_effect" not in run_metrics([r for r in recs if r["task"] == "chat"], scale=PHQ9, n_resamples=10).to_json()


def test_format_effect_through_a_run(judgebench, tmp_path):
    # the same four cases as one narrative turn instead of a dialogue; the judge reads narratives 3 high
    notes = tmp_path / "notes.jsonl"
    lines = []
    for line in open(MINI, encoding="utf-8"):
        o = json.loads(line)
        o["id"] = o["id"] + "-notes"
        o["turns"] = [{"role": "note", "text": " / ".join(t["text"] for t in o["turns"])}]
        lines.append(json.dumps(o, ensure_ascii=False))
    notes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chat_truth, notes_truth = truth_map(MINI), truth_map(str(notes))

    def respond(body):
        h = dialogue_hash(dialogue_of(body) or "")
        if h in chat_truth:
            return Reply(content=answer_json(None, chat_truth[h][0]))
        return Reply(content=answer_json(None, min(27, notes_truth[h][0] + 3)))

    out = tmp_path / "run"
    with OpenAIServer(respond) as srv:
        judgebench("run", "--task", MINI, "--task", str(notes), "-m", "openai/j", "--api-base", srv.url,
                   "--out", str(out), "--quiet", check=0)
    effect = json.loads((out / "metrics.json").read_text())["format_effect"]
    assert {(e["language"], e["n"]) for e in effect} == {("en", 4), ("zh", 4)}
    assert all(e["diff"] == -3 and e["a"] == "mini" and e["b"] == "notes" for e in effect)
    md = judgebench("report", str(out), "--format", "markdown", check=0).stdout
    assert "Format effect:" in md and "| mini | notes | openai/j | en | -3.00 |" in md
