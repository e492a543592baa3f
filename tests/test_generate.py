"""`judgebench generate` against a local server and with the embedded model."""

import json

from conftest import MINI, REPO, read_jsonl
from openai_server import OpenAIServer, Reply

PERSONAS = REPO / "examples" / "personas.yaml"


def _dialogue(text: str) -> str:
    turns = [{"role": "clinician" if i % 2 == 0 else "patient", "text": f"{text} {i}"} for i in range(14)]
    return json.dumps({"turns": turns}, ensure_ascii=False)


def test_localize_with_a_server_validates_and_reports_failures(judgebench, tmp_path):
    def respond(body):
        user = body["messages"][-1]["content"]
        if "total 24" in user:  # the BDI-II persona: the server answers garbage
            return Reply(content="Sure! Here is a lovely conversation about feelings.")
        return Reply(content="```json\n" + _dialogue("मन भारी रहता है") + "\n```")

    out = tmp_path / "gen.jsonl"
    with OpenAIServer(respond) as srv:
        proc = judgebench("generate", "--personas", str(PERSONAS), "--model", "openai/writer", "--api-base", srv.url,
                          "--arm", "localize", "--nationality", "India", "--language", "hi", "--out", str(out))
        assert "from India" in srv.requests[0]["body"]["messages"][-1]["content"]
    assert proc.returncode == 1 and "failed g03-hi-localized" in proc.stderr
    rows = read_jsonl(out)
    assert [r["id"] for r in rows] == ["g01-hi-localized", "g02-hi-localized"]
    assert rows[0]["truth"] == {"total": 7, "items": [1, 2, 0, 1, 0, 2, 1, 0, 0]}
    gen = rows[0]["meta"]["generator"]
    assert gen["model"] == "openai/writer" and len(gen["prompt_hash"]) == 16
    assert rows[0]["meta"]["persona"]["occupation"] == "primary-school teacher"
    judgebench("tasks", "validate", str(out), check=0)


def test_translate_uses_the_source_dialogue(judgebench, tmp_path):
    personas = tmp_path / "p.yaml"
    personas.write_text("personas:\n  - {id: m2, items: [0,2,2,3,0,0,0,0,0]}\n  - {id: m3, items: [3,3,1,2,0,3,1,0,1]}\n")
    out = tmp_path / "zh.jsonl"
    with OpenAIServer(lambda body: Reply(content=_dialogue("我最近睡不好"))) as srv:
        judgebench("generate", "--personas", str(personas), "--model", "openai/writer", "--api-base", srv.url,
                   "--arm", "translate", "--source", MINI, "--language", "zh", "--out", str(out), check=0)
        assert "3am" in srv.requests[0]["body"]["messages"][-1]["content"] or "3am" in srv.requests[1]["body"]["messages"][-1]["content"]
    assert [r["meta"]["generator"]["source"] for r in read_jsonl(out)] == ["m2-en", "m3-en"]
    proc = judgebench("generate", "--personas", str(PERSONAS), "--arm", "translate", "--source", MINI,
                      "--language", "zh", "--out", str(out))
    assert proc.returncode == 2 and "no 'en' sample with pair_id g01" in proc.stderr


def test_embedded_model_output_validates_or_the_failure_is_reported(judgebench, tmp_path):
    personas = tmp_path / "p.yaml"
    personas.write_text("personas:\n  - {id: e1, items: [1,1,0,0,0,0,0,0,0], age: 30, gender: man}\n")
    out = tmp_path / "e.jsonl"
    proc = judgebench("generate", "--personas", str(personas), "--out", str(out), "--max-tokens", "160",
                      "--temperature", "0", timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    if proc.returncode == 0:
        judgebench("tasks", "validate", str(out), check=0)
    else:
        assert "failed e1-en" in proc.stderr and not out.exists()  # nothing valid: nothing written


def test_only_real_dialogues_count_and_a_failed_run_keeps_the_old_file(judgebench, tmp_path):
    """A schema-valid answer that is one '...' turn is not a dialogue; when nothing validates the
    existing output file is left as it was."""
    personas = tmp_path / "p.yaml"
    personas.write_text("personas:\n  - {id: d1, items: [1,1,0,0,0,0,0,0,0]}\n")
    out = tmp_path / "keep.jsonl"
    out.write_text("precious\n")
    stub = json.dumps({"turns": [{"role": "patient", "text": "..."}]})
    with OpenAIServer(lambda body: Reply(content=stub)) as srv:
        proc = judgebench("generate", "--personas", str(personas), "--model", "openai/w", "--api-base", srv.url,
                          "--out", str(out), check=1)
    assert "only 1 turns" in proc.stderr and "without a word" in proc.stderr and "0 of 1" in proc.stderr
    assert out.read_text() == "precious\n"


def test_generate_dry_run_sends_nothing_and_writes_nothing(judgebench, tmp_path):
    out = tmp_path / "never.jsonl"
    with OpenAIServer(lambda body: Reply(content=_dialogue("hello"))) as srv:
        proc = judgebench("generate", "--personas", str(PERSONAS), "--model", "openai/w", "--api-base", srv.url,
                          "--out", str(out), "--dry-run", check=0)
        assert not srv.requests and not out.exists()
    assert "3 dialogues" in proc.stdout and "3 calls to make" in proc.stdout and "g01-en" in proc.stdout
