"""A corpus of malformed task files: each exits 2 with file, line and field named, no traceback."""

import pytest

from conftest import REPO

CORPUS = REPO / "tests" / "data" / "malformed"
EXPECTED = {
    "empty.jsonl": "empty file",
    "invalid_json.jsonl": ":2: invalid JSON",
    "invalid_utf8.jsonl": ":2: not valid UTF-8",
    "missing_field.jsonl": ":1: language: missing",
    "mistyped_field.jsonl": ":1: turns: must be a non-empty list",
    "out_of_range_item.jsonl": ":1: truth.items[0]: 5 is not in 0..3",
    "total_disagrees.jsonl": ":1: truth.total: 9 does not equal the sum of truth.items (3)",
    "duplicate_id.jsonl": ":2: id: 'a' already used at",
    "duplicate_pair_language.jsonl": ":2: pair_id: 'a' already has a 'en' sample",
    "wrong_shaped_turns.jsonl": ":1: turns[0]: must be an object",
    "total_out_of_scale.jsonl": ":1: truth.total: 30 is not in 0..27",
    "bad_yaml": "task.yaml:3: mode: 'ranking': input should be 'pointwise' or 'pairwise'",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_task_exits_2_with_location(judgebench, name):
    path = CORPUS / name
    for args in (["tasks", "validate", str(path)], ["run", "--task", str(path), "--model", "openai/x", "--dry-run"]):
        proc = judgebench(*args)
        assert proc.returncode == 2, (name, proc.stderr)
        assert str(path) in proc.stderr and EXPECTED[name] in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_the_corpus_is_complete():
    assert {p.name for p in CORPUS.iterdir()} == set(EXPECTED)
