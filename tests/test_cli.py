"""The CLI surface: help, exit codes, messages without tracebacks, start-up without litellm."""

import subprocess
import sys

from conftest import MINI, REPO


def test_help_does_not_import_litellm():
    code = ("import sys; from typer.testing import CliRunner; from judgebench.cli import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
            "print('litellm' in sys.modules, 'pandas' in sys.modules, 'llama_cpp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_every_command_has_help(judgebench):
    for cmd in (["run"], ["report"], ["tasks", "list"], ["tasks", "validate"], ["tasks", "export"],
                ["cache", "info"], ["cache", "clear"]):
        proc = judgebench(*cmd, "--help", check=0)
        assert "Usage" in proc.stdout and len(proc.stdout) > 200, cmd


def test_bad_task_file_exits_2_with_locations_and_no_traceback(judgebench, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "pair_id": "x", "language": "en", "turns": [{"role": "p", "text": "t"}], '
                   '"truth": {"total": 3, "items": [0,0,0,0,0,0,0,0,4]}}\n{oops\n')
    for args in (["tasks", "validate", str(bad)], ["run", "--task", str(bad), "--model", "openai/x"]):
        proc = judgebench(*args)
        assert proc.returncode == 2
        assert f"{bad}:1: truth.items[8]: 4 is not in 0..3" in proc.stderr
        assert f"{bad}:2: invalid JSON" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_bad_cli_values_exit_2(judgebench, tmp_path):
    for args in (["run", "--task", MINI, "--repeats", "0"],
                 ["run", "--task", MINI, "--model", "gpt4"],
                 ["run", "--task", MINI, "--language", "xx", "--model", "openai/x"],
                 ["run", "--task", "nope", "--model", "openai/x"],
                 ["report", str(tmp_path)]):
        proc = judgebench(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_tasks_export_round_trips(judgebench, tmp_path):
    proc = judgebench("tasks", "export", MINI, check=0)
    out = tmp_path / "x.jsonl"
    out.write_text(proc.stdout)
    assert proc.stdout.count("\n") == 8
    judgebench("tasks", "validate", str(out), check=0)


def test_models_file_names_a_judge(judgebench, truth_server, tmp_path):
    srv = truth_server()
    models = tmp_path / "models.yaml"
    models.write_text(f"judges:\n  tiny:\n    model: openai/tiny\n    api_base: {srv.url}\n    concurrency: 2\n"
                      "    params:\n      max_tokens: 64\n")
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--models-file", str(models), "--model", "tiny", "--out", str(out),
               "--json", check=0)
    assert len(srv.requests) == 8 and srv.requests[0]["body"]["max_tokens"] == 64
    import json

    run = json.loads((out / "run.json").read_text())
    assert run["models"][0]["name"] == "tiny" and run["models"][0]["concurrency"] == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("judges:\n  x:\n    modle: openai/x\n")
    proc = judgebench("run", "--task", MINI, "--models-file", str(bad), "--model", "x")
    assert proc.returncode == 2 and "judges.x.modle: unknown key" in proc.stderr


def test_keys_never_reach_written_files(judgebench, truth_server, tmp_path, env):
    secret = "sk-judgebench-test-SECRET-0123456789abcdef"
    srv = truth_server()
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--out", str(out),
               check=0, extra_env={"OPENAI_API_KEY": secret})
    assert srv.requests[0]["headers"].get("authorization") == f"Bearer {secret}"  # it was used...
    judgebench("report", str(out), "--format", "markdown", "--output", str(out / "report.md"), check=0)
    written = list(out.rglob("*")) + list((tmp_path / "cache").rglob("*"))
    assert len([p for p in written if p.is_file()]) >= 5
    for path in written:
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path  # ...and written nowhere


def test_report_formats(judgebench, truth_server, tmp_path):
    srv = truth_server()
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--out", str(out), check=0)
    md = judgebench("report", str(out), "--format", "markdown", check=0).stdout
    assert "| openai/x | zh |" in md
    import json

    js = json.loads(judgebench("report", str(out), "--format", "json", check=0).stdout)
    assert {r["language"] for r in js["rows"]} == {"overall", "en", "zh"}
    table = judgebench("report", str(out), check=0).stdout
    assert "AUC≥10" in table and "openai/x" in table


def test_dry_run_sends_nothing_and_counts_cache(judgebench, truth_server, tmp_path):
    import json

    srv = truth_server()
    args = ["run", "--task", MINI, "--model", "openai/gpt-4o-mini", "--api-base", srv.url, "--out", str(tmp_path / "r")]
    est = json.loads(judgebench(*args, "--dry-run", "--json", check=0).stdout)["judges"][0]
    assert len(srv.requests) == 0 and not (tmp_path / "r").exists()
    assert est["calls"] == 8 and est["cached"] == 0 and est["prompt_tokens"] > 8 * 300
    assert est["priced"] and 0 < est["cost_usd"] < 0.01  # gpt-4o-mini list price, a few thousand tokens
    judgebench(*args, check=0)
    assert len(srv.requests) == 8
    est = json.loads(judgebench(*args, "--dry-run", "--json", check=0).stdout)["judges"][0]
    assert est["done"] == 8 and est["calls"] == 0
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["usage"]["openai/gpt-4o-mini"]["prompt_tokens"] == 8 * 100  # what the server reported
    assert "prompt + " in judgebench("report", str(tmp_path / "r"), check=0).stdout


def test_every_command_is_documented_in_the_readme():
    """A command without help text or missing from the README fails here (docs match behaviour)."""
    import typer.main

    from judgebench.cli import app

    readme = (REPO / "README.md").read_text()
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        for sub_name, sub in (subs or {None: cmd}).items():
            full = f"judgebench {name}" + (f" {sub_name}" if sub_name else "")
            assert (sub.help or "").strip(), f"{full} has no help text"
            assert full in readme, f"{full} is not in the README"


def test_report_says_why_a_value_is_undefined(judgebench, tmp_path):
    from openai_server import OpenAIServer, Reply

    with OpenAIServer(lambda body: Reply(content='{"total": 9}')) as flat:
        judgebench("run", "--task", MINI, "--model", "openai/flat", "--api-base", flat.url, "--out", str(tmp_path / "r"), check=0)
    table = judgebench("report", str(tmp_path / "r"), check=0).stdout
    assert "r undefined (overall, en, zh): constant predictions" in table
    md = judgebench("report", str(tmp_path / "r"), "--format", "markdown", check=0).stdout
    assert "constant predictions" in md


def test_cache_info_and_clear(judgebench, truth_server, tmp_path):
    import json

    srv = truth_server()
    run = ["run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--quiet"]
    judgebench(*run, "--out", str(tmp_path / "a"), check=0)
    info = json.loads(judgebench("cache", "info", "--json", check=0).stdout)
    assert info["entries"] == 8 and info["size_bytes"] > 0
    assert "removed 8 cached answers" in judgebench("cache", "clear", check=0).stdout
    assert json.loads(judgebench("cache", "info", "--json", check=0).stdout)["entries"] == 0
    judgebench(*run, "--out", str(tmp_path / "b"), check=0)
    assert len(srv.requests) == 16  # asked again after the clear
    judgebench(*run, "--out", str(tmp_path / "c"), "--no-cache", check=0)
    assert len(srv.requests) == 24  # --no-cache neither reads nor writes


def test_unexpected_failure_exits_3_with_one_line(env):
    """Any exception the code did not expect becomes exit 3 and one line naming it and how to get
    the traceback; a command added to the real app raises one (nothing of ours is patched)."""
    script = (
        "import sys\n"
        "from judgebench.cli import app, main\n"
        "@app.command('explode')\n"
        "def explode():\n"
        "    raise KeyError('\\x1b[31mboom')\n"
        "sys.argv = ['judgebench', 'explode']\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "KeyError" in lines[0] and "JUDGEBENCH_DEBUG=1" in lines[0]
    assert "\x1b" not in proc.stderr and "Traceback" not in proc.stderr
    debug = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                           env={**env, "JUDGEBENCH_DEBUG": "1"})
    assert "Traceback" in debug.stderr
