"""Shared fixtures: a real OpenAI-compatible server on 127.0.0.1 and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from openai_server import OpenAIServer, oracle, truth_map  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MINI = str(REPO / "tests" / "data" / "mini.jsonl")


@pytest.fixture
def env(tmp_path):
    """Environment for CLI subprocesses: private cache, fast retries, no real keys."""
    e = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    e["JUDGEBENCH_CACHE_DIR"] = str(tmp_path / "cache")
    e["JUDGEBENCH_RETRY_BASE"] = "0.05"
    e["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return e


@pytest.fixture
def judgebench(env):
    """Run the real `judgebench` CLI in a subprocess; returns CompletedProcess."""

    def run(*args: str, check: int | None = None, timeout: float = 300, extra_env: dict | None = None):
        proc = subprocess.run(
            [sys.executable, "-m", "judgebench", *args],
            capture_output=True, text=True, timeout=timeout, cwd=REPO,
            env={**env, **(extra_env or {})},
        )
        if check is not None:
            assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        if args and args[0] == "run" and "--out" in args and proc.returncode in (0, 1):
            validate_run_dir(Path(args[args.index("--out") + 1]))
        return proc

    return run


@pytest.fixture
def truth_server():
    """A server that answers every sample of the given task with its true items."""
    servers = []

    def start(task: str = MINI, **kw) -> OpenAIServer:
        srv = OpenAIServer(oracle(truth_map(task), **kw))
        srv.__enter__()
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.__exit__(None, None, None)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


_SCHEMAS: dict = {}


def validate_run_dir(out: Path) -> None:
    """Every samples.jsonl line and metrics.json a test run writes must match the published
    schemas (docs/schemas/)."""
    import jsonschema

    if not _SCHEMAS:
        for name in ("samples", "metrics"):
            schema = json.loads((REPO / "docs" / "schemas" / f"{name}.schema.json").read_text())
            _SCHEMAS[name] = jsonschema.Draft202012Validator(schema)
    if (out / "samples.jsonl").exists():
        for line in (out / "samples.jsonl").read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue  # lines a test planted on purpose
            if isinstance(obj, dict) and "sample_id" in obj and "status" in obj:
                errors = list(_SCHEMAS["samples"].iter_errors(obj))
                assert not errors, f"{out}/samples.jsonl: {errors[0].message} at {list(errors[0].path)}"
    if (out / "metrics.json").exists():
        errors = list(_SCHEMAS["metrics"].iter_errors(json.loads((out / "metrics.json").read_text())))
        assert not errors, f"{out}/metrics.json: {errors[0].message} at {list(errors[0].path)}"
