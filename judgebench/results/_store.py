"""A run directory (docs/contract.md §4): run.json, append-only samples.jsonl, metrics.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError
from ..redaction import redact

RUN_FILE = "run.json"
SAMPLES_FILE = "samples.jsonl"
METRICS_FILE = "metrics.json"


def job_key(record: dict[str, Any]) -> tuple[str, str, str, int]:
    """What identifies one judgment: (task, sample, model, repeat)."""
    return (record.get("task", ""), record["sample_id"], record["model"], int(record["repeat"]))


def write_json_atomic(path: Path, data: Any) -> None:
    """Write then rename, so a reader or a crash never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(redact(json.dumps(data, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid JSON ({e})") from None


def load_metrics(path: Path) -> dict[str, Any]:
    """metrics.json of a run directory (or the file itself), checked to be one of ours."""
    file = path / METRICS_FILE if path.is_dir() else path
    if not file.exists():
        raise InputError(f"{path}: no {METRICS_FILE}; pass a run directory written by `judgebench run` or its metrics.json")
    metrics = read_json(file)
    if not isinstance(metrics, dict) or not isinstance(metrics.get("models"), dict):
        raise InputError(f"{file}: not a judgebench metrics file (no 'models' mapping)")
    return metrics


class RunStore:
    """Owns one run directory. Judgments are appended one line at a time as they finish, so a
    killed run loses at most the line being written, and that torn line is dropped on resume."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.samples_path = directory / SAMPLES_FILE
        self.run_path = directory / RUN_FILE
        self.metrics_path = directory / METRICS_FILE
        self._fd: int | None = None

    def prepare(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"--out {self.directory}: cannot create directory: {e.strerror}") from None
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"--out {self.directory}: exists and is not a directory")

    def read_run(self) -> dict[str, Any] | None:
        return read_json(self.run_path) if self.run_path.exists() else None

    def write_run(self, run: dict[str, Any]) -> None:
        write_json_atomic(self.run_path, run)

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        write_json_atomic(self.metrics_path, metrics)

    def repair(self) -> int:
        """Drop a torn final line left by a kill mid-write. Returns bytes removed."""
        if not self.samples_path.exists():
            return 0
        with open(self.samples_path, "rb+") as f:
            data = f.read()
            if not data or data.endswith(b"\n"):
                return 0
            keep = data.rfind(b"\n") + 1
            f.truncate(keep)
            return len(data) - keep

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every complete judgment line; the first of any duplicates wins."""
        if not self.samples_path.exists():
            return
        seen: set[tuple] = set()
        with open(self.samples_path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # torn tail of an interrupted write
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                key = job_key(rec)
                if key not in seen:
                    seen.add(key)
                    yield rec

    def done_keys(self) -> set[tuple[str, str, str, int]]:
        return {job_key(r) for r in self.iter_records()}

    def append(self, record: dict[str, Any]) -> None:
        line = redact(json.dumps(record, ensure_ascii=False, separators=(",", ":"))) + "\n"
        if self._fd is None:
            self._fd = os.open(self.samples_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        # One write() per line: with O_APPEND the kernel never interleaves or splits it.
        # "replace": a lone surrogate that slipped through becomes "?" rather than a lost line.
        os.write(self._fd, line.encode("utf-8", "replace"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
