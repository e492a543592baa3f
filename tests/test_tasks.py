import json

import pytest

from judgebench.errors import TaskError
from judgebench.tasks import load_task

GOOD = {"id": "a-en", "pair_id": "a", "language": "en",
        "turns": [{"role": "clinician", "text": "Hi"}, {"role": "patient", "text": "Tired."}],
        "truth": {"total": 3, "items": [0, 0, 0, 3, 0, 0, 0, 0, 0]}}


def write(tmp_path, *lines, name="t.jsonl"):
    p = tmp_path / name
    p.write_text("".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in lines), encoding="utf-8")
    return p


def problems(path):
    with pytest.raises(TaskError) as e:
        load_task(path)
    return e.value.problems


def test_valid_file_loads(tmp_path):
    t = load_task(write(tmp_path, GOOD))
    assert t.name == "t" and t.scale.name == "phq9" and t.baseline_language == "en"
    assert t.samples[0].true_items == (0, 0, 0, 3, 0, 0, 0, 0, 0)


def test_every_problem_is_reported_with_file_line_field(tmp_path):
    bad_items = {**GOOD, "id": "b", "truth": {"total": 4, "items": [4, 0, 0, 0, 0, 0, 0, 0, 0]}}
    bad_sum = {**GOOD, "id": "c", "pair_id": "c", "truth": {"total": 5, "items": [1, 0, 0, 0, 0, 0, 0, 0, 0]}}
    no_turns = {**GOOD, "id": "d", "pair_id": "d", "turns": [{"role": "patient"}]}
    p = write(tmp_path, GOOD, bad_items, "not json", bad_sum, no_turns, GOOD)
    got = problems(p)
    assert f"{p}:2: truth.items[0]: 4 is not in 0..3" in got
    assert any(x.startswith(f"{p}:3: invalid JSON") for x in got)
    assert f"{p}:4: truth.total: 5 does not equal the sum of truth.items (1)" in got
    assert any(x.startswith(f"{p}:5: turns[0].text:") for x in got)
    assert any(x.startswith(f"{p}:6: id: 'a-en' already used at {p}:1") for x in got)


def test_duplicate_pair_language_arm(tmp_path):
    p = write(tmp_path, GOOD, {**GOOD, "id": "other"})
    assert any("pair_id: 'a' already has a 'en' sample" in x for x in problems(p))
    # a different arm is a different sample
    load_task(write(tmp_path, GOOD, {**GOOD, "id": "x", "meta": {"arm": "localized"}}, name="ok.jsonl"))


def test_empty_and_non_utf8_files(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert "empty file" in problems(empty)[0]
    raw = tmp_path / "latin1.jsonl"
    raw.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"id": "caf\xe9"}\n')
    assert problems(raw) == [f"{raw}:2: not valid UTF-8 at byte 12 of the line; save the file as UTF-8"]


def test_mistyped_fields(tmp_path):
    p = write(tmp_path, {**GOOD, "language": "", "truth": {"total": "3"}, "meta": []})
    got = problems(p)
    assert f"{p}:1: language: '' must be a non-empty string" in got
    assert f"{p}:1: truth.total: '3' is not an integer" in got
    assert f"{p}:1: meta: must be an object when present" in got


def test_task_directory_and_bad_yaml(tmp_path):
    d = tmp_path / "mytask"
    d.mkdir()
    write(d, GOOD, name="data.jsonl")
    (d / "task.yaml").write_text("name: mine\nscale: phq9\nbaseline_language: en\n")
    t = load_task(d)
    assert t.name == "mine" and len(t.samples) == 1
    (d / "task.yaml").write_text("name: mine\nscael: phq9\nmode: ranking\n")
    got = problems(d)
    assert any(x.startswith(f"{d / 'task.yaml'}:2: scael: unknown key") for x in got)
    assert any(x.startswith(f"{d / 'task.yaml'}:3: mode:") for x in got)


def test_unknown_task_name_says_what_exists():
    with pytest.raises(TaskError) as e:
        load_task("no-such-task")
    assert "judgebench tasks list" in str(e.value)


def test_select_limit_keeps_whole_cases(tmp_path):
    rows = [{**GOOD, "id": f"{p}-{l}", "pair_id": p, "language": l} for p in "abc" for l in ("en", "zh")]
    t = load_task(write(tmp_path, *rows)).select(limit=2)
    # equal totals: the cases at the 25% and 75% quantiles of file order
    assert sorted(s.id for s in t.samples) == ["a-en", "a-zh", "c-en", "c-zh"]
    assert [s.id for s in t.select(languages=["zh"]).samples] == ["a-zh", "c-zh"]
    assert t.content_hash != load_task(write(tmp_path, *rows, name="u.jsonl")).content_hash


def test_a_scale_defined_in_task_yaml(tmp_path):
    d = tmp_path / "gad"
    d.mkdir()
    row = {**GOOD, "truth": {"total": 12, "items": [2, 2, 2, 2, 2, 1, 1]}}
    write(d, row, name="data.jsonl")
    (d / "task.yaml").write_text(
        "name: gad\nscale:\n  name: gad7\n  max_total: 21\n  n_items: 7\n  item_max: 3\n  cutoff: 10\n"
        "  bands: {minimal: 0, mild: 5, moderate: 10, severe: 15}\n")
    t = load_task(d)
    assert t.scale.name == "gad7" and t.scale.band(12) == 2 and t.samples[0].true_total == 12
    (d / "task.yaml").write_text("name: gad\nscale:\n  name: gad7\n  max_total: 21\n")
    got = problems(d)
    assert any("scale.bands: required" in x for x in got) and any("scale.cutoff: required" in x for x in got)


def test_a_small_limit_sees_every_severity_band():
    """--limit N takes cases spread over the true totals: 5 cases of the bundled task are one per
    PHQ-9 band, so a quick look has defined AUCs; the choice is deterministic."""
    task = load_task("phq9-multilingual")
    small = task.select(limit=5)
    bands = {task.scale.band(s.true_total) for s in small.samples}
    assert bands == set(range(5)) and len({s.pair_id for s in small.samples}) == 5
    assert small.content_hash == task.select(limit=5).content_hash
