"""Fault injection: a run under 429s, 5xx, hangs, dropped connections and garbage completes, with
exactly one line per judgment, the right status for each, and bounded, logged retries."""

import json
from collections import Counter

from conftest import MINI, read_jsonl
from openai_server import OpenAIServer, Reply, dialogue_of

OK = '{"items": [1,1,1,0,0,0,0,0,0], "total": 3}'


def faulty_server():
    asked = Counter()

    def respond(body):
        if body["model"] == "down":
            return Reply(status=500)
        d = dialogue_of(body)
        key = next(k for k in FAULTS if k in d)
        asked[key] += 1
        return FAULTS[key](asked[key])

    FAULTS = {
        # transient faults: the first attempts fail, then the server answers
        "Busy at work": lambda n: Reply(status=429, headers={"Retry-After": "0.2"}) if n == 1 else Reply(content=OK),
        "工作忙": lambda n: Reply(status=503) if n <= 2 else Reply(content=OK),
        "3am": lambda n: Reply(hang=3.0, content=OK) if n == 1 else Reply(content=OK),
        "凌晨": lambda n: Reply(drop=True) if n == 1 else Reply(content=OK),
        # answers that must never be scored
        "Nothing feels worth doing": lambda n: Reply(content=""),
        "每天都觉得什么都没意思": lambda n: Reply(content='{"items": [1, 2, 1,', finish_reason="length"),
        "Low most days": lambda n: Reply(content='{"items": [5,5,5,5,5,5,5,5,5], "total": 45}'),
        "大多数日子都没精神": lambda n: Reply(content="", refusal="I can't help with assessing this person."),
    }
    return OpenAIServer(respond)


def test_a_run_under_faults_completes_with_the_right_statuses(judgebench, tmp_path):
    srv = faulty_server()
    out = tmp_path / "run"
    with srv:
        proc = judgebench("run", "--task", MINI, "--model", "openai/flaky", "--model", "openai/down",
                          "--api-base", srv.url, "--timeout", "1", "--max-retries", "3", "--repeats", "2",
                          "--out", str(out), "--max-error-rate", "0.6", check=0, timeout=600)
    lines = read_jsonl(out / "samples.jsonl")
    keys = Counter((r["sample_id"], r["model"], r["repeat"]) for r in lines)
    assert len(keys) == 8 * 2 * 2 and set(keys.values()) == {1}  # one line per judgment, none lost

    flaky = {(r["sample_id"], r["repeat"]): r for r in lines if r["model"] == "openai/flaky"}
    status = {sid: flaky[(sid, 0)]["status"] for sid, _ in flaky}
    assert status == {"m1-en": "ok", "m1-zh": "ok", "m2-en": "ok", "m2-zh": "ok",
                      "m3-en": "parse_error", "m3-zh": "parse_error", "m4-en": "parse_error", "m4-zh": "refusal"}
    # Repeats run concurrently and share the server's fault counters: over both repeats, every
    # injected fault cost exactly one extra attempt (two 503s for m1-zh, one 429, one hang, one drop).
    attempts = lambda sid: flaky[(sid, 0)]["attempts"] + flaky[(sid, 1)]["attempts"]  # noqa: E731
    assert (attempts("m1-en"), attempts("m1-zh"), attempts("m2-en"), attempts("m2-zh")) == (3, 4, 3, 3)
    assert all(flaky[(sid, rep)]["status"] == "ok" for sid in ("m1-en", "m1-zh", "m2-en", "m2-zh") for rep in (0, 1))
    assert "cut off at max_tokens" in flaky[("m3-zh", 0)]["error"]
    for r in lines:
        assert (r["pred_total"] is not None) == (r["status"] == "ok")

    down = [r for r in lines if r["model"] == "openai/down"]
    assert all(r["status"] == "error" and r["attempts"] == 4 for r in down)  # 1 + 3 retries, bounded
    log = (out / "run.log").read_text()
    retries = [line for line in log.splitlines() if " retry " in line and "openai/down" in line]
    assert len(retries) == 16 * 3 and "retry 3/3" in log

    m = json.loads((out / "metrics.json").read_text())["models"]
    assert m["openai/down"]["overall"]["error_rate"] == 1.0 and m["openai/down"]["overall"]["n_scored"] == 0
    assert m["openai/flaky"]["overall"]["n_scored"] == 8 and m["openai/flaky"]["overall"]["mae"] is not None

    # Resumed (nothing left to ask) against a stricter error budget: exit 1, with the reason.
    proc = judgebench("run", "--task", MINI, "--model", "openai/flaky", "--model", "openai/down",
                      "--api-base", srv.url, "--repeats", "2", "--out", str(out), "--max-error-rate", "0.25")
    assert proc.returncode == 1 and "error rate 50.0%" in proc.stderr


def test_two_runs_sharing_a_cache_at_once(env, truth_server, tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    srv = truth_server()
    cmd = lambda out: [sys.executable, "-m", "judgebench", "run", "--task", MINI, "--model", "openai/x",  # noqa: E731
                       "--api-base", srv.url, "--repeats", "5", "--out", str(tmp_path / out), "--quiet"]
    procs = [subprocess.Popen(cmd(f"r{i}"), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    for i in range(2):
        lines = read_jsonl(tmp_path / f"r{i}" / "samples.jsonl")
        assert len(lines) == 40 and all(r["status"] == "ok" for r in lines)
    n = len(srv.requests)
    assert 40 <= n <= 80  # each judgment asked by at most both runs (they raced), never more
    subprocess.run(cmd("r3"), cwd=REPO, env=env, check=True, capture_output=True)
    assert len(srv.requests) == n and all(r["cached"] for r in read_jsonl(tmp_path / "r3" / "samples.jsonl"))
