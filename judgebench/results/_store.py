"""A run directory (docs/contract.md §4): run.json, append-only samples.jsonl, metrics.json."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError, StorageError
from ..redaction import redact

RUN_FILE = "run.json"
SAMPLES_FILE = "samples.jsonl"
METRICS_FILE = "metrics.json"
BATCHES_FILE = "batches.json"
LOCK_FILE = ".lock"


def job_key(record: dict[str, Any]) -> tuple[str, str, str, int]:
    """What identifies one judgment: (task, sample, model, repeat)."""
    return (record.get("task", ""), record["sample_id"], record["model"], int(record["repeat"]))


def storage_error(path: Path, e: OSError, *, kept: str = "") -> StorageError:
    """One message for every write that the file system refused (full disk, quota, file size
    limit, read-only): which file, why, and that the same command resumes."""
    why = "no space left on device" if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else (e.strerror or str(e))
    return StorageError(f"{path}: cannot write ({why}){kept}; free space (or fix the directory), then run "
                        "the same command again: it resumes where this one stopped")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write then rename, so a reader or a crash never sees half a file (a full disk leaves the
    old file as it was)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(redact(json.dumps(data, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise storage_error(path, e) from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSON file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read (permission denied)") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise InputError(f"{path}: not valid JSON ({e}); restore it or choose another --out") from None


def load_metrics(path: Path) -> dict[str, Any]:
    """metrics.json of a run directory (or the file itself), checked to be one of ours."""
    file = path / METRICS_FILE if path.is_dir() else path
    if not file.exists():
        raise InputError(f"{path}: no {METRICS_FILE}; pass a run directory written by `judgebench run` or its metrics.json")
    metrics = read_json(file)
    if not isinstance(metrics, dict) or not isinstance(metrics.get("models"), dict):
        raise InputError(f"{file}: not a judgebench metrics file (no 'models' mapping)")
    return metrics


def _judgment(raw: bytes) -> dict[str, Any] | None:
    """One journal line as a judgment record, or None when it is not one."""
    try:
        rec = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("sample_id"), str) or not isinstance(rec.get("model"), str):
        return None
    if rec.get("status") not in ("ok", "parse_error", "refusal", "error"):
        return None
    try:
        job_key(rec)
    except (TypeError, ValueError, KeyError):
        return None
    return rec


class RunStore:
    """Owns one run directory. Judgments are appended one line at a time as they finish, so a
    killed run loses at most the line being written, and that torn line is dropped on resume."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.samples_path = directory / SAMPLES_FILE
        self.run_path = directory / RUN_FILE
        self.metrics_path = directory / METRICS_FILE
        self.batches_path = directory / BATCHES_FILE
        self._fd: int | None = None
        self._lock_fd: int | None = None

    def prepare(self) -> None:
        """Create the directory and take its lock: one writer per run directory. A second run on
        the same ``--out`` would pay for every judgment twice and write each line twice."""
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError(f"--out {self.directory}: exists and is not a directory")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(f"--out {self.directory}: cannot create directory: {e.strerror}") from None
        for path in (self.samples_path, self.run_path, self.metrics_path, self.batches_path):
            if path.is_symlink():
                raise InputError(f"{path}: is a symbolic link; judgebench writes only real files in a run "
                                 "directory (remove the link or choose another --out)")
        self._lock()

    def _lock(self) -> None:
        import fcntl

        path = self.directory / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            raise InputError(f"--out {self.directory}: cannot write here: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            os.close(fd)
            raise InputError(f"--out {self.directory}: another judgebench run (pid {holder}) is writing to it; "
                             "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd  # held until close(); the kernel releases it if the process dies

    def read_run(self) -> dict[str, Any] | None:
        return read_json(self.run_path) if self.run_path.exists() else None

    def write_run(self, run: dict[str, Any]) -> None:
        write_json_atomic(self.run_path, run)

    def read_batches(self) -> dict[str, Any]:
        """batches.json: the provider batches of this run (``{"batches": [...]}``)."""
        data = read_json(self.batches_path) if self.batches_path.exists() else {"batches": []}
        if not isinstance(data, dict) or not isinstance(data.get("batches"), list):
            raise InputError(f"{self.batches_path}: not a judgebench batches file (no 'batches' list); "
                             "restore it, or remove it after cancelling its batches with the provider")
        for i, entry in enumerate(data["batches"]):
            requests = entry.get("requests") if isinstance(entry, dict) else None
            if not isinstance(requests, dict) or not isinstance(entry.get("judge"), str) or not all(
                    isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and isinstance(v[1], str)
                    and isinstance(v[2], int) for v in requests.values()):
                raise InputError(f"{self.batches_path}: batches[{i}]: not a batch of this run (needs 'judge' and "
                                 "'requests': {custom_id: [task, sample_id, repeat]}); restore the file")
        return data

    def write_batches(self, data: dict[str, Any]) -> None:
        """Atomically: a kill mid-write must never lose the id of a batch that is being paid for."""
        write_json_atomic(self.batches_path, data)

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
        """Every complete judgment, one per (task, sample, model, repeat): the first line of a
        judgment wins, except that a line with status ``error`` gives way to a later line of the
        same judgment (``judgebench run --retry-errors`` appends one when it asks again)."""
        if not self.samples_path.exists():
            return
        chosen: dict[tuple, dict[str, Any]] = {}
        with open(self.samples_path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    break  # torn tail of an interrupted write
                rec = _judgment(raw)
                if rec is None:
                    continue  # not a judgment line of ours (foreign, non-UTF-8, null): skipped
                key = job_key(rec)
                held = chosen.get(key)
                if held is None or held["status"] == "error":
                    chosen[key] = rec
        yield from chosen.values()

    def done_keys(self, *, retry_errors: bool = False) -> set[tuple[str, str, str, int]]:
        """Judgments a resumed run skips: all of them, or with ``retry_errors`` all but those
        whose call failed (status ``error``)."""
        return {job_key(r) for r in self.iter_records() if not (retry_errors and r["status"] == "error")}

    def append(self, record: dict[str, Any]) -> None:
        line = redact(json.dumps(record, ensure_ascii=False, separators=(",", ":"))) + "\n"
        data = line.encode("utf-8", "replace")  # a lone surrogate that slipped through becomes "?", not a lost line
        done = 0
        try:
            if self._fd is None:
                self._fd = os.open(self.samples_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            # One write() per line: with O_APPEND the kernel never interleaves it; a short write
            # (the disk filling up) is continued, and a failed one is undone below.
            while done < len(data):
                done += os.write(self._fd, data[done:])
        except OSError as e:
            if self._fd is not None:
                try:
                    # back to where this line began (one writer holds the lock): no torn line, and
                    # no extra system call per line on the path that succeeds
                    os.ftruncate(self._fd, os.fstat(self._fd).st_size - done)
                except OSError:
                    pass  # resume drops a torn tail anyway (repair)
            raise storage_error(self.samples_path, e) from None

    def close_journal(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        """Close the journal and release the directory's lock."""
        self.close_journal()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
