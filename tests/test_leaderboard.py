"""`judgebench leaderboard`: ranking, formats, refusal to mix tasks."""

import csv
import io
import json

from conftest import MINI
from openai_server import OpenAIServer, Reply


def test_ranking_formats_and_mixing(judgebench, truth_server, tmp_path):
    good = truth_server(bias={"zh": 1})
    judgebench("run", "--task", MINI, "--model", "openai/good", "--api-base", good.url, "--out", str(tmp_path / "good"), check=0)
    with OpenAIServer(lambda body: Reply(content='{"total": 9}')) as flat:
        judgebench("run", "--task", MINI, "--model", "openai/flat", "--api-base", flat.url, "--out", str(tmp_path / "flat"), check=0)
    runs = [str(tmp_path / "flat"), str(tmp_path / "good")]

    rows = json.loads(judgebench("leaderboard", *runs, "--format", "json", check=0).stdout)["rows"]
    assert [r["judge"] for r in rows] == ["openai/good", "openai/flat"] and rows[0]["rank"] == 1
    assert rows[0]["mae"] == 0.5 and rows[0]["mean_abs_gap"] == 1.0 and rows[0]["coverage"] == 1.0

    table = list(csv.reader(io.StringIO(judgebench("leaderboard", *runs, "--format", "csv", check=0).stdout)))
    assert table[0][:3] == ["rank", "judge", "MAE"] and "MAE zh" in table[0] and table[1][1] == "openai/good"
    md = judgebench("leaderboard", *runs, "--format", "markdown", check=0).stdout
    table_rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert table_rows[1].startswith("| 1 | openai/good |") and "mean \\|gap\\|" in table_rows[0]
    page = tmp_path / "board.html"
    judgebench("leaderboard", *runs, "--format", "html", "--output", str(page), check=0)
    assert "<table>" in page.read_text() and "openai/flat" in page.read_text()
    assert "openai/good" in judgebench("leaderboard", *runs, check=0).stdout

    # a run of another task (here: a subset) is refused unless asked for, and the message says why
    judgebench("run", "--task", MINI, "--model", "openai/good", "--api-base", good.url, "--limit", "2",
               "--out", str(tmp_path / "subset"), check=0)
    proc = judgebench("leaderboard", *runs, str(tmp_path / "subset"))
    assert proc.returncode == 2 and "different tasks or prompts" in proc.stderr and "subset" in proc.stderr
    judgebench("leaderboard", *runs, str(tmp_path / "subset"), "--allow-mixed", check=0)
