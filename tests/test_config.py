"""One validation layer for the files users write: every problem at once, as file:line: field:
message, with the line of the nested key, in the models file, task.yaml, personas and tolerances."""

from conftest import MINI


def test_every_config_file_reports_nested_problems_with_their_lines(judgebench, tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text("judges:\n  a:\n    model: openai/x\n    concurrency: 0\n    params: {seed: 1}\n    deployments:\n      - {api_base: http://h, rpm: -1}\n")
    proc = judgebench("run", "--task", MINI, "--models-file", str(models), "--model", "a", check=2)
    assert f"{models}:4: judges.a.concurrency: 0: input should be greater than 0" in proc.stderr
    assert f"{models}:7: judges.a.deployments[0].rpm: -1: input should be greater than 0" in proc.stderr

    personas = tmp_path / "p.yaml"
    personas.write_text("personas:\n  - {id: a, items: [1, 2]}\n  - {id: b, total: 3, mood: sad}\n  - {id: a, total: 40}\n")
    proc = judgebench("generate", "--personas", str(personas), "--out", str(tmp_path / "o.jsonl"), check=2)
    assert f"{personas}:3: personas[1].mood: unknown key" in proc.stderr

    personas.write_text("personas:\n  - {id: a, items: [1, 2]}\n  - {id: a, total: 40}\n")
    proc = judgebench("generate", "--personas", str(personas), "--out", str(tmp_path / "o.jsonl"), check=2)
    assert f"{personas}:2: personas[0].items: must be 9 integers in 0..3" in proc.stderr
    assert f"{personas}:3: personas[1].id: 'a' used twice" in proc.stderr

    task = tmp_path / "t"
    task.mkdir()
    (task / "task.yaml").write_text("name: t\ndata:\n  - s.jsonl\n  - 7\nscale: {name: x, max_total: 10}\n")
    proc = judgebench("tasks", "validate", str(task), check=2)
    assert f"{task / 'task.yaml'}:4: data[1]: 7: input should be a valid string" in proc.stderr

    tol = tmp_path / "tol.yaml"
    tol.write_text("metrics:\n  mae: {}\n")
    proc = judgebench("check", "results/baseline", "--baseline", "results/baseline", "--config", str(tol), check=2)
    assert f"{tol}:2: metrics.mae: give {{absolute: X}} and/or {{relative: Y}}" in proc.stderr
