"""Scale: a fully cached re-run of 10,000 judgments (target < 5 s end to end) and peak memory of
runs of 2,000 and 10,000 judgments (should not grow beyond the results themselves).

    python bench/scale.py

Judgments are the bundled 280-sample task repeated, against a local server with no latency.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from openai_server import OpenAIServer, oracle, truth_map  # noqa: E402


def run(url: str, out: str, repeats: int, env: dict) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `judgebench run` in a child process."""
    cmd = [sys.executable, "-c",
           "import resource, sys; from judgebench.cli import main; sys.argv=['judgebench']+sys.argv[1:]\n"
           "try:\n    main()\nfinally:\n    print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)",
           "run", "--model", "openai/bench", "--api-base", url, "--repeats", str(repeats), "--concurrency", "64",
           "--quiet", "--json", "--out", out]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    secs = time.perf_counter() - t
    rss_kb = int(proc.stderr.rsplit("RSS", 1)[1].split()[0])
    return secs, rss_kb / 1024


def main() -> None:
    with OpenAIServer(oracle(truth_map("phq9-multilingual"))) as srv, tempfile.TemporaryDirectory() as tmp:
        for repeats in (8, 36):  # 2,240 and 10,080 judgments
            n = 280 * repeats
            env = {**os.environ, "JUDGEBENCH_CACHE_DIR": f"{tmp}/cache{repeats}"}  # cold means cold
            secs, rss = run(srv.url, f"{tmp}/cold{repeats}", repeats, env)
            print(f"{n:6d} judgments, uncached: {secs:6.1f}s, peak RSS {rss:6.0f} MB")
            secs, rss = run(srv.url, f"{tmp}/warm{repeats}", repeats, env)
            print(f"{n:6d} judgments, fully cached re-run: {secs:6.2f}s, peak RSS {rss:6.0f} MB")
        print(f"requests served: {len(srv.requests)}")


if __name__ == "__main__":
    main()
