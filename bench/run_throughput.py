"""Throughput of `judgebench run` against a local OpenAI-compatible server with fixed latency.

    python bench/run_throughput.py [--latency 0.1] [--concurrency 64] [--repeats 8]

Prints judgments/s for: the ideal (concurrency / latency), a bare loop of litellm.acompletion
calls at the same concurrency, and the full `judgebench run` (cache, parsing, journaling), plus
the time of a fully cached re-run. Run by hand; not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from openai_server import OpenAIServer, oracle, truth_map  # noqa: E402


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=8, help="repeats of the 280-sample bundled task")
    args = ap.parse_args()

    from judgebench.prompts import PromptBuilder
    from judgebench.tasks import load_task

    task = load_task("phq9-multilingual")
    n = len(task.samples) * args.repeats
    builder = PromptBuilder(task.scale)
    messages = [list(builder.build(s).messages) for s in task.samples] * args.repeats
    ideal = args.concurrency / args.latency
    print(f"{n} judgments, latency {args.latency}s, concurrency {args.concurrency}, {os.cpu_count()} cores")
    print(f"ideal:            {ideal:8.1f} judgments/s")

    with OpenAIServer(oracle(truth_map("phq9-multilingual")), latency=args.latency) as srv:
        secs = asyncio.run(bare_loop(srv.url, messages, args.concurrency))
        print(f"bare litellm loop: {n / secs:8.1f} judgments/s ({secs:.1f}s)")

        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "JUDGEBENCH_CACHE_DIR": f"{tmp}/cache"}
            cmd = [sys.executable, "-m", "judgebench", "run", "--model", "openai/bench", "--api-base", srv.url,
                   "--concurrency", str(args.concurrency), "--repeats", str(args.repeats), "--quiet", "--json"]
            t = time.perf_counter()
            subprocess.run([*cmd, "--out", f"{tmp}/run1"], env=env, check=True, stdout=subprocess.DEVNULL)
            secs = time.perf_counter() - t
            print(f"judgebench run:    {n / secs:8.1f} judgments/s ({secs:.1f}s end to end, incl. start-up and metrics)")
            before = len(srv.requests)
            t = time.perf_counter()
            subprocess.run([*cmd, "--out", f"{tmp}/run2"], env=env, check=True, stdout=subprocess.DEVNULL)
            secs = time.perf_counter() - t
            print(f"cached re-run:     {secs:8.2f}s for {n} judgments ({len(srv.requests) - before} requests)")


if __name__ == "__main__":
    main()
