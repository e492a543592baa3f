"""`judgebench --help` start-up time (target: under 0.3 s). Run by hand: python bench/startup.py"""

import statistics
import subprocess
import sys
import time

runs = []
for _ in range(10):
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "judgebench", "--help"], check=True, capture_output=True)
    runs.append(time.perf_counter() - t)
print(f"judgebench --help: median {statistics.median(runs):.3f}s, min {min(runs):.3f}s, max {max(runs):.3f}s over {len(runs)} runs")
