"""The README's commands work as written: every `judgebench` command in its shell blocks names a
real command with real options, and the offline ones run for real (on the bundled data, the
committed baseline run or a local test server)."""

import re
import shlex
import subprocess
import sys
from functools import lru_cache

import pytest

from conftest import REPO

GROUPS = {"tasks", "cache"}


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            code = line.split(" #")[0].strip()
            for part in code.split("&&"):
                part = part.split(">")[0].strip()
                if part.startswith("judgebench "):
                    out.append(part)
    return out


@lru_cache(maxsize=None)
def _help(path: tuple[str, ...]) -> str:
    proc = subprocess.run([sys.executable, "-m", "judgebench", *path, "--help"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, f"`judgebench {' '.join(path)}` is not a command: {proc.stderr}"
    return proc.stdout


def test_the_readme_has_commands():
    assert len(readme_commands()) >= 15


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_and_option_exists(command):
    words = shlex.split(command)[1:]
    path = tuple(words[:2]) if words[0] in GROUPS else tuple(words[:1])
    helptext = _help(path)
    for word in words:
        if word.startswith("--"):
            option = word.split("=")[0]
            assert re.search(rf"{re.escape(option)}\b", helptext), f"{command}: {option} is not an option of {path}"


def test_offline_readme_commands_run(judgebench, tmp_path):
    assert "phq9-passive" in judgebench("tasks", "list", check=0).stdout
    export = judgebench("tasks", "export", "phq9-multilingual", "--language", "zh", check=0).stdout
    assert len(export.splitlines()) == 80
    (tmp_path / "zh.jsonl").write_text(export, encoding="utf-8")
    judgebench("tasks", "validate", str(tmp_path / "zh.jsonl"), check=0)
    judgebench("report", "results/baseline", "--format", "table", check=0)
    judgebench("report", "results/baseline", "--format", "html", "--output", str(tmp_path / "r.html"), check=0)
    judgebench("leaderboard", "results/baseline", "results/talkdep-en-embedded", "--format", "markdown", check=2)
    judgebench("leaderboard", "results/baseline", "--format", "markdown", check=0)
    judgebench("check", "results/baseline", "--baseline", "results/baseline", "--junit", str(tmp_path / "j.xml"), check=0)
