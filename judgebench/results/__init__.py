"""Run directories: the judgments and what was run (docs/contract.md §4)."""

from ._records import JudgmentRecord, PairJudgment, PointJudgment, record_json, samples_json_schema
from ._store import BATCHES_FILE, METRICS_FILE, RUN_FILE, SAMPLES_FILE, RunStore, job_key, load_metrics, read_json, write_json_atomic

__all__ = ["JudgmentRecord", "PairJudgment", "PointJudgment", "record_json", "samples_json_schema", "BATCHES_FILE", "METRICS_FILE", "RUN_FILE", "SAMPLES_FILE", "RunStore", "job_key", "load_metrics", "read_json", "write_json_atomic"]
