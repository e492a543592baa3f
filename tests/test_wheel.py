"""The wheel stands alone: built from this tree, installed into a fresh venv without extras, it
lists and runs the bundled tasks against a local server, and says at once which extra the
embedded judge and the HTML report need."""

import json
import subprocess
import sys
import venv

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    wheel = next((root / "dist").glob("judgebench-*.whl"))
    venv.create(root / "venv", with_pip=True)
    py = root / "venv" / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True, timeout=900)
    return root / "venv" / "bin" / "judgebench"


def _run(exe, *args, env, cwd):
    e = {k: v for k, v in env.items() if k != "JUDGEBENCH_TASKS_DIR"}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=e, cwd=cwd, timeout=600)


def test_installed_wheel_lists_and_runs_bundled_tasks(wheel_venv, truth_server, env, tmp_path):
    listed = _run(wheel_venv, "tasks", "list", env=env, cwd=tmp_path)  # outside the repository
    assert listed.returncode == 0, listed.stderr
    assert "phq9-multilingual" in listed.stdout and "talkdep-pairwise" in listed.stdout
    srv = truth_server(str(REPO / "tasks" / "phq9-multilingual"))
    out = tmp_path / "run"
    proc = _run(wheel_venv, "run", "--task", "phq9-multilingual", "--limit", "2", "--language", "en",
                "--model", "openai/m", "--api-base", srv.url, "--out", str(out), env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    overall = json.loads((out / "metrics.json").read_text())["models"]["openai/m"]["overall"]
    assert overall["n_scored"] == 2 and overall["mae"] == 0.0


def test_without_extras_the_default_judge_and_html_say_what_to_install(wheel_venv, env, tmp_path):
    proc = _run(wheel_venv, "run", "--limit", "1", "--out", str(tmp_path / "r"), env=env, cwd=tmp_path)
    assert proc.returncode == 2 and "pip install 'judgebench[local]'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    metrics_dir = tmp_path / "m"
    metrics_dir.mkdir()
    (metrics_dir / "metrics.json").write_text((REPO / "results" / "talkdep-en-embedded" / "metrics.json").read_text())
    html = _run(wheel_venv, "report", str(metrics_dir), "--format", "html", env=env, cwd=tmp_path)
    assert html.returncode == 2 and "judgebench[report]" in html.stderr, html.stderr
