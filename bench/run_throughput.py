"""Throughput of judgebench against a local OpenAI-compatible server with fixed latency.

    python bench/run_throughput.py [--latency 0.1] [--concurrency 64] [--repeats 8] [--rounds 3] [--workers N]

The server runs in its own process. Prints judgments/s for: the ideal (concurrency / latency),
a bare loop of litellm.acompletion calls at the same concurrency, judgebench's runner called
from Python (cache, parsing, journaling, call workers; from the first request to the last line
written), and the `judgebench run` command end to end (including start-up and metrics); then the
time of a fully cached re-run. The runner chooses its call workers as `judgebench run` does
(``--workers 0`` measures it in one process). The bare loop and the runner alternate for ``--rounds`` rounds after a warm-up
(on a shared machine the load changes between runs), and the ratio of their medians is printed
with the share of the ideal. Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(latency: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "openai_server.py"), "--port", str(port),
                             "--latency", str(latency), "--task", "phq9-multilingual"],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    proc.stdout.readline()  # "serving ..." once it listens
    return proc, f"http://127.0.0.1:{port}/v1"


async def bare_loop(url: str, messages_list: list, concurrency: int) -> float:
    import litellm

    sem = asyncio.Semaphore(concurrency)

    async def one(messages):
        async with sem:
            await litellm.acompletion(model="openai/bench", messages=messages, api_base=url,
                                      api_key="x", temperature=0, max_tokens=512)

    t = time.perf_counter()
    await asyncio.gather(*(one(m) for m in messages_list))
    return time.perf_counter() - t


def runner_in_process(url: str, concurrency: int, repeats: int, tmp: str, workers: int | None = None) -> float:
    from judgebench.models import resolve_judges
    from judgebench.runner import RunConfig, execute_run
    from judgebench.tasks import load_task

    judges = resolve_judges(["openai/bench"], named={}, api_base=url, concurrency=concurrency)
    config = RunConfig(tasks=[load_task("phq9-multilingual")], judges=judges, out=Path(tmp) / "inproc",
                       repeats=repeats, cache_dir=Path(tmp) / "inproc-cache", workers=workers)
    marks: dict[str, float] = {}
    execute_run(config, on_start=lambda jobs, done: marks.setdefault("start", time.perf_counter()),
                on_done=lambda rec: marks.__setitem__("end", time.perf_counter()))
    return marks["end"] - marks["start"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=8, help="repeats of the 280-sample bundled task")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of the bare loop and the runner")
    ap.add_argument("--workers", type=int, default=None,
                    help="the runner's call workers (default: judgebench's own choice; 0: every call in one process)")
    args = ap.parse_args()

    from judgebench.prompts import PromptBuilder
    from judgebench.tasks import load_task

    task = load_task("phq9-multilingual")
    n = len(task.samples) * args.repeats
    builder = PromptBuilder(task.scale)
    messages = [list(builder.build(s).messages) for s in task.samples] * args.repeats
    from judgebench.runner import auto_workers

    workers = auto_workers(n) if args.workers is None else args.workers
    print(f"{n} judgments, latency {args.latency}s, concurrency {args.concurrency}, {os.cpu_count()} cores, "
          f"{workers} call workers")
    print(f"ideal:                  {args.concurrency / args.latency:8.1f} judgments/s")
    server, url = _start_server(args.latency)
    try:
        asyncio.run(bare_loop(url, messages[:args.concurrency], args.concurrency))  # warm-up: imports, connections
        bare, ours = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                secs = asyncio.run(bare_loop(url, messages, args.concurrency))
                bare.append(n / secs)
                secs = runner_in_process(url, args.concurrency, args.repeats, f"{tmp}/round{r}", args.workers)
                ours.append(n / secs)
                print(f"round {r + 1}: bare litellm loop {bare[-1]:7.1f}/s, judgebench runner {ours[-1]:7.1f}/s")
        b, o = statistics.median(bare), statistics.median(ours)
        ideal = args.concurrency / args.latency
        print(f"bare litellm loop:      {b:8.1f} judgments/s (median; {b / ideal:.0%} of the ideal)")
        print(f"judgebench runner:      {o:8.1f} judgments/s (median, first request to last line; {o / ideal:.0%} of the ideal)")
        print(f"judgebench / bare:      {o / b:8.2f}x")
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "JUDGEBENCH_CACHE_DIR": f"{tmp}/cache"}
            cmd = [sys.executable, "-m", "judgebench", "run", "--model", "openai/bench", "--api-base", url,
                   *(["--workers", str(args.workers)] if args.workers is not None else []),
                   "--concurrency", str(args.concurrency), "--repeats", str(args.repeats), "--quiet", "--json"]
            t = time.perf_counter()
            subprocess.run([*cmd, "--out", f"{tmp}/run1"], env=env, check=True, stdout=subprocess.DEVNULL)
            secs = time.perf_counter() - t
            print(f"judgebench run command: {n / secs:8.1f} judgments/s ({secs:.1f}s end to end, with start-up and metrics)")
            t = time.perf_counter()
            subprocess.run([*cmd, "--out", f"{tmp}/run2"], env=env, check=True, stdout=subprocess.DEVNULL)
            print(f"fully cached re-run:    {time.perf_counter() - t:8.2f}s for {n} judgments")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
