"""Reference raters (truth.ratings): validated on load, carried into the records, and a judge's
agreement with the raters' mean placed beside the raters' own (leave one rater out)."""

import json

import pytest

from conftest import read_jsonl
from judgebench.errors import TaskError
from judgebench.metrics import none_paths, raters_block, records_frame, run_metrics
from judgebench.scales import PHQ9
from judgebench.tasks import load_task
from openai_server import OpenAIServer, biased_judges, truth_map

ITEMS = [1, 2, 0, 3, 1, 2, 3, 1, 0]


def _sample(i=0, total=13, items=ITEMS, **truth):
    return {"id": f"s{i}-en", "pair_id": f"s{i}", "language": "en",
            "turns": [{"role": "user", "text": f"dialogue number {i}"}], "truth": {"total": total, "items": items, **truth}}


def _write(tmp_path, objs):
    f = tmp_path / "t.jsonl"
    f.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return f


def test_ratings_load_and_export(tmp_path):
    ratings = [{"rater": "ana", "items": ITEMS}, {"rater": "bo", "items": [0] * 9}]
    s = load_task(str(_write(tmp_path, [_sample(ratings=ratings)]))).samples[0]
    assert s.true_ratings == (("ana", tuple(ITEMS)), ("bo", (0,) * 9))
    assert s.to_json()["truth"]["ratings"] == ratings


@pytest.mark.parametrize("ratings, message", [
    ([], 'truth.ratings: must be a non-empty list of {"rater": str, "items": [...]}'),
    ([{"rater": "ana", "items": ITEMS[:8]}], "truth.ratings[0].items: must be a list of exactly 9 integers"),
    ([{"rater": "ana", "items": [4] + ITEMS[1:]}], "truth.ratings[0].items[0]: 4 is not in 0..3"),
    ([{"rater": "ana", "items": ["x"] + ITEMS[1:]}], "truth.ratings[0].items[0]: 'x' is not an integer"),
    ([{"rater": "", "items": ITEMS}], "truth.ratings[0].rater: '' must be a non-empty string"),
    ([{"rater": "ana", "items": ITEMS}, {"rater": "ana", "items": ITEMS}], "truth.ratings[1].rater: 'ana' rates this sample twice"),
    (["ana"], 'truth.ratings[0]: must be an object {"rater": str, "items": [...]}'),
])
def test_bad_ratings_name_file_line_and_field(tmp_path, ratings, message):
    f = _write(tmp_path, [_sample(0), _sample(1, ratings=ratings)])
    with pytest.raises(TaskError) as e:
        load_task(str(f))
    assert f"t.jsonl:2: {message}" in str(e.value)


def _rec(i, model, pred, ratings):
    return {"task": "t", "sample_id": f"s{i}", "pair_id": f"s{i}", "language": "en", "model": model, "status": "ok",
            "pred_total": pred, "true_total": 10, "true_ratings": ratings}


def _r(name, total):
    return {"rater": name, "items": [min(3, max(0, total - 3 * k)) for k in range(9)]}  # items summing to total


def test_raters_block_hand_derived():
    # rater totals per sample (a, b, c): s0 (10, 12, 14), s1 (4, 4, 7), s2 (20, 18, -) (c did not rate s2)
    ratings = [[_r("a", 10), _r("b", 12), _r("c", 14)], [_r("a", 4), _r("b", 4), _r("c", 7)], [_r("a", 20), _r("b", 18)]]
    recs = [_rec(i, "j", p, r) for i, (p, r) in enumerate(zip([12, 5, 19], ratings))]
    block = raters_block(records_frame(recs))
    # a vs mean of others: |10 - 13| = 3, |4 - 5.5| = 1.5, |20 - 18| = 2 -> 6.5 / 3
    assert block["raters"]["a"]["mae"] == pytest.approx(6.5 / 3) and block["raters"]["a"]["n"] == 3
    # c vs mean of others: |14 - 11| = 3, |7 - 4| = 3 -> 3 (s2 unrated by c)
    assert block["raters"]["c"]["mae"] == 3 and block["raters"]["c"]["n"] == 2
    # b: |12 - 12| = 0, |4 - 5.5| = 1.5, |18 - 20| = 2 -> 3.5 / 3
    assert block["human_range"]["mae"] == pytest.approx([3.5 / 3, 3])
    # judge vs raters' mean (12, 5, 19): errors 0, 0, 0
    assert block["judges"]["j"]["mae"] == 0 and block["judges"]["j"]["inside_human_range"] is True
    assert block["undefined"] == {"raters.c.pearson_r": "fewer than 3 samples or no variance"}
    # one rater only: no human range, and every null says why
    lone = raters_block(records_frame([_rec(i, "j", 3, [_r("a", 3 + i)]) for i in range(3)]))
    assert set(lone["undefined"]) == set(none_paths({k: v for k, v in lone.items() if k != "undefined"}))
    assert lone["undefined"]["judges.j.inside_human_range"] == "no sample has 2 or more raters"
    assert raters_block(records_frame([_rec(0, "j", 3, None)])) is None
    assert "raters" not in run_metrics([_rec(0, "j", 3, None)], scale=PHQ9, n_resamples=0).to_json()


def test_raters_through_a_run(judgebench, tmp_path):
    # three raters around the truth (-1, 0, +2 on item 1); judges: exact, and one 6 points high
    objs = []
    for i, total in enumerate([0, 4, 9, 15, 21, 27]):
        items = [min(3, max(0, total - 3 * k)) for k in range(9)]
        ratings = [{"rater": name, "items": [min(3, max(0, items[0] + d))] + items[1:]}
                   for name, d in (("ana", -1), ("bo", 0), ("cy", 2))]
        objs.append(_sample(i, total=total, items=items, ratings=ratings))
    task = _write(tmp_path, objs)
    out = tmp_path / "run"
    judges = {"exact": {}, "high": {"bias": {"en": 6}}}
    with OpenAIServer(biased_judges(truth_map(str(task)), judges)) as srv:
        judgebench("run", "--task", str(task), "-m", "openai/exact", "-m", "openai/high", "--api-base", srv.url,
                   "--out", str(out), "--quiet", check=0)
    assert read_jsonl(out / "samples.jsonl")[0]["true_ratings"][0]["rater"] == "ana"
    raters = json.loads((out / "metrics.json").read_text())["raters"]
    assert raters["judges"]["openai/exact"]["inside_human_range"] is True
    assert raters["judges"]["openai/high"]["inside_human_range"] is False
    md = judgebench("report", str(out), "--format", "markdown", check=0).stdout
    assert "openai/high: vs the 3 reference raters' mean: MAE" in md and "outside the human range" in md
