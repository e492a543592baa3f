"""Call workers (`--workers N`): the run's calls made in worker processes, with nothing lost when
one dies, when the run is interrupted, or when the runner itself is killed."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import MINI, REPO, read_jsonl
from openai_server import OpenAIServer, oracle, truth_map

REPEATS = "30"  # 8 samples x 30 = 240 judgments at concurrency 8: 6 s or more, time for the workers to start


def _cmd(srv, out, *more):
    return [sys.executable, "-m", "judgebench", "run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url,
            "--out", str(out), "--repeats", REPEATS, "--concurrency", "8", "--quiet", *more]


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _wait_for(predicate, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def _workers_ready(out: Path, n: int) -> bool:
    log = out / "run.log"
    return log.exists() and log.read_text().count("ready (pid") >= n


def test_workers_make_the_calls_and_the_records_match_a_run_in_one_process(env, tmp_path):
    with OpenAIServer(oracle(truth_map(MINI)), latency=0.2) as srv:
        pooled, alone = tmp_path / "pooled", tmp_path / "alone"
        subprocess.run(_cmd(srv, pooled, "--workers", "2"), cwd=REPO, env=env, check=True, capture_output=True)
        subprocess.run(_cmd(srv, alone, "--workers", "0", "--no-cache"), cwd=REPO, env=env, check=True,
                       capture_output=True)
        assert len(srv.requests) == 2 * 240  # the second run had no cache: every call made twice, once each
        again = tmp_path / "again"
        subprocess.run(_cmd(srv, again, "--workers", "2"), cwd=REPO, env=env, check=True, capture_output=True)
        assert len(srv.requests) == 2 * 240
    assert "call worker" not in (again / "run.log").read_text()  # a run the cache answers starts none

    log = (pooled / "run.log").read_text()
    assert "call worker 0 ready" in log and "call worker 1 ready" in log
    made = int(log.split("call workers: 2 started, ")[1].split(" calls made by them")[0])
    assert made > 0  # the workers did take calls
    assert "call worker" not in (alone / "run.log").read_text()

    def essence(rec):
        return {k: rec[k] for k in ("status", "pred_total", "pred_items", "raw", "error", "attempts", "usage")}

    a = {(r["sample_id"], r["repeat"]): essence(r) for r in read_jsonl(pooled / "samples.jsonl")}
    b = {(r["sample_id"], r["repeat"]): essence(r) for r in read_jsonl(alone / "samples.jsonl")}
    assert len(a) == 240 and a == b
    assert json.loads((pooled / "metrics.json").read_text())["models"] == \
        json.loads((alone / "metrics.json").read_text())["models"]


def test_a_worker_killed_mid_run_loses_no_judgment(env, tmp_path):
    """SIGKILL one worker while its calls are in flight: they are made again in the runner, the run
    ends normally, and every judgment is recorded once."""
    with OpenAIServer(oracle(truth_map(MINI)), latency=0.5) as srv:
        out = tmp_path / "run"
        proc = subprocess.Popen(_cmd(srv, out, "--workers", "2"), cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert _wait_for(lambda: _workers_ready(out, 2))
            assert _wait_for(lambda: _lines(out / "samples.jsonl") >= 30)
            workers = _children(proc.pid)
            assert len(workers) == 2
            os.kill(workers[0], signal.SIGKILL)
            stdout, stderr = proc.communicate(timeout=240)
        finally:
            proc.kill()
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr

    lines = read_jsonl(out / "samples.jsonl")
    keys = Counter((r["sample_id"], r["repeat"]) for r in lines)
    assert len(keys) == 240 and max(keys.values()) == 1
    assert all(r["status"] == "ok" for r in lines)
    log = (out / "run.log").read_text()
    assert "stopped (exit code -9)" in log


def test_ctrl_c_with_workers_stops_them_and_the_rerun_resumes(env, tmp_path):
    """Ctrl-C reaches the whole process group: the runner says how to resume (exit 130, no
    traceback), no worker outlives it, and the rerun adds exactly the missing judgments."""
    with OpenAIServer(oracle(truth_map(MINI)), latency=0.5) as srv:
        out = tmp_path / "run"
        proc = subprocess.Popen(_cmd(srv, out, "--workers", "2"), cwd=REPO, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert _wait_for(lambda: _workers_ready(out, 2))
            assert _wait_for(lambda: _lines(out / "samples.jsonl") >= 30)
            workers = _children(proc.pid)
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
            _, stderr = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr and "rerun with --out" in stderr
        assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=10)
        before = {(r["sample_id"], r["repeat"]) for r in read_jsonl(out / "samples.jsonl")}
        assert 30 <= len(before) < 240

        subprocess.run(_cmd(srv, out, "--workers", "2"), cwd=REPO, env=env, check=True, capture_output=True)
    keys = Counter((r["sample_id"], r["repeat"]) for r in read_jsonl(out / "samples.jsonl"))
    assert len(keys) == 240 and max(keys.values()) == 1


def test_workers_end_when_the_runner_is_killed(env, tmp_path):
    """kill -9 of the runner closes the workers' pipe: they stop instead of calling on unobserved."""
    with OpenAIServer(oracle(truth_map(MINI)), latency=0.3) as srv:
        out = tmp_path / "run"
        proc = subprocess.Popen(_cmd(srv, out, "--workers", "2"), cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: _workers_ready(out, 2))
            workers = _children(proc.pid)
            assert len(workers) == 2
        finally:
            proc.kill()
            proc.wait()
        assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=15)
        n = len(srv.requests)
        time.sleep(1.0)
        assert len(srv.requests) == n  # nobody is calling any more
