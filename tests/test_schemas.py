"""The published JSON Schemas (docs/schemas/) are the code's: no drift, and the committed runs
match them (every run a test makes is validated by the `judgebench` fixture)."""

import json

from conftest import REPO, validate_run_dir
from judgebench.results import samples_json_schema


def test_published_samples_schema_is_generated_from_the_record():
    published = json.loads((REPO / "docs" / "schemas" / "samples.schema.json").read_text())
    assert published == json.loads(json.dumps(samples_json_schema())), \
        "regenerate docs/schemas/samples.schema.json from judgebench.results.samples_json_schema()"


def test_published_metrics_schema_is_generated_from_the_typed_result():
    from judgebench.metrics import metrics_json_schema

    published = json.loads((REPO / "docs" / "schemas" / "metrics.schema.json").read_text())
    assert published == json.loads(json.dumps(metrics_json_schema())), \
        "regenerate docs/schemas/metrics.schema.json from judgebench.metrics.metrics_json_schema()"


def test_committed_metrics_round_trip_through_the_typed_result():
    """Reading metrics.json into RunMetrics and writing it back changes nothing: reports read
    exactly what the run wrote."""
    from judgebench.metrics import RunMetrics

    for run in ("baseline", "talkdep-en-embedded", "passive-en-panel", "passive-en-embedded"):
        doc = json.loads((REPO / "results" / run / "metrics.json").read_text())
        assert RunMetrics.from_json(doc).to_json() == doc, run


def test_committed_runs_match_the_schemas():
    for run in ("baseline", "talkdep-en-embedded", "passive-en-panel", "passive-en-embedded"):
        if (REPO / "results" / run).is_dir():
            validate_run_dir(REPO / "results" / run)


def test_a_record_that_breaks_the_schema_is_caught(tmp_path):
    import pytest

    run = tmp_path / "run"
    run.mkdir()
    line = json.loads((REPO / "results" / "talkdep-en-embedded" / "samples.jsonl").read_text().splitlines()[0])
    line["status"] = "fine"
    (run / "samples.jsonl").write_text(json.dumps(line) + "\n")
    with pytest.raises(AssertionError, match="samples.jsonl"):
        validate_run_dir(run)
