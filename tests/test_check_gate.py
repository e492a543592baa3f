"""`judgebench check`: pass, regression, incomparable, JUnit."""

import json
from xml.etree import ElementTree as ET

from conftest import MINI
from openai_server import OpenAIServer, Reply


def _run(judgebench, url, out, *extra):
    judgebench("run", "--task", MINI, "--model", "openai/judge", "--api-base", url, "--out", str(out), *extra, check=0)


def test_gate_passes_on_itself_and_fails_on_a_worse_judge(judgebench, truth_server, tmp_path):
    good = truth_server()
    _run(judgebench, good.url, tmp_path / "base")
    proc = judgebench("check", str(tmp_path / "base"), "--baseline", str(tmp_path / "base" / "metrics.json"), check=0)
    assert "0 regressions" in proc.stdout

    # a deliberately worse judge: same name, answers 9 whatever the dialogue
    with OpenAIServer(lambda body: Reply(content='{"items": [1,1,1,1,1,1,1,1,1], "total": 9}')) as bad:
        _run(judgebench, bad.url, tmp_path / "worse", "--no-cache")
    junit = tmp_path / "junit.xml"
    proc = judgebench("check", str(tmp_path / "worse"), "--baseline", str(tmp_path / "base"), "--junit", str(junit))
    assert proc.returncode == 1, proc.stderr
    assert "mae (overall)" in proc.stderr and "REGRESSION" in proc.stdout
    suite = ET.parse(junit).getroot()
    assert int(suite.get("failures")) >= 1
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert "mae" in failed and "pearson_r" in failed


def test_gate_tolerances_from_config(judgebench, truth_server, tmp_path):
    srv = truth_server(bias={"zh": 1})
    _run(judgebench, srv.url, tmp_path / "base")
    srv2 = truth_server(bias={"zh": 2})
    _run(judgebench, srv2.url, tmp_path / "run", "--no-cache")
    loose = tmp_path / "loose.yaml"
    loose.write_text("metrics:\n  mae: {absolute: 1.0}\nmax_gap_increase: 1.5\n")
    judgebench("check", str(tmp_path / "run"), "--baseline", str(tmp_path / "base"), "--config", str(loose), check=0)
    strict = tmp_path / "strict.yaml"
    strict.write_text("metrics:\n  mae: {relative: 0.1}\nmax_abs_gap: 1.5\n")
    proc = judgebench("check", str(tmp_path / "run"), "--baseline", str(tmp_path / "base"), "--config", str(strict), "--json")
    assert proc.returncode == 1
    failed = {(c["scope"], c["metric"]) for c in json.loads(proc.stdout)["checks"] if not c["passed"]}
    assert ("gap:zh", "abs_gap_limit") in failed and ("zh", "mae") in failed
    bad = tmp_path / "bad.yaml"
    bad.write_text("metrics:\n  maee: {absolute: 1}\n")
    proc = judgebench("check", str(tmp_path / "run"), "--baseline", str(tmp_path / "base"), "--config", str(bad))
    assert proc.returncode == 2 and "metrics.maee: unknown metric" in proc.stderr


def test_gate_refuses_incomparable_runs(judgebench, truth_server, tmp_path):
    srv = truth_server()
    _run(judgebench, srv.url, tmp_path / "base")
    judgebench("run", "--task", MINI, "--model", "openai/judge", "--api-base", srv.url, "--limit", "3",
               "--out", str(tmp_path / "subset"), check=0)
    proc = judgebench("check", str(tmp_path / "subset"), "--baseline", str(tmp_path / "base"))
    assert proc.returncode == 2 and "different task content" in proc.stderr
    judgebench("check", str(tmp_path / "subset"), "--baseline", str(tmp_path / "base"), "--allow-different-task", check=0)
    judgebench("run", "--task", MINI, "--model", "openai/other", "--api-base", srv.url, "--out", str(tmp_path / "other"), check=0)
    proc = judgebench("check", str(tmp_path / "other"), "--baseline", str(tmp_path / "base"))
    assert proc.returncode == 2 and "different judges" in proc.stderr
    proc = judgebench("check", str(tmp_path / "nope"), "--baseline", str(tmp_path / "base"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
