"""Sums ONNX Runtime profile JSON files (SessionOptions.enableProfiling) by operator type, for the
last model_run in each, and prints them side by side: where two graphs of the same network spend
their time, after ONNX Runtime's optimizations.

Usage: python profile_summary.py NAME=PROFILE.json [NAME=PROFILE.json ...]
"""

import json
import sys
from collections import defaultdict


def last_run(path):
    events = json.load(open(path))
    runs = [e for e in events if e.get("name") == "model_run"]
    start = runs[-1]["ts"]
    end = start + runs[-1]["dur"]
    totals = defaultdict(float)
    counts = defaultdict(int)
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        if not start <= e["ts"] <= end:
            continue
        op = e["args"]["op_name"]
        totals[op] += e["dur"] / 1e6
        counts[op] += 1
    return runs[-1]["dur"] / 1e6, totals, counts


names, runs = [], []
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    names.append(name)
    runs.append(last_run(path))
ops = sorted({op for _, totals, _ in runs for op in totals}, key=lambda op: -max(r[1][op] for r in runs))
print(f"{'op':28}" + "".join(f"{n + ' s (nodes)':>26}" for n in names))
for op in ops:
    print(f"{op:28}" + "".join(f"{r[1][op]:>17.3f} ({r[2][op]:>5})" for r in runs))
print(f"{'sum of kernels':28}" + "".join(f"{sum(r[1].values()):>17.3f} {'':7}" for r in runs))
print(f"{'model_run':28}" + "".join(f"{r[0]:>17.3f} {'':7}" for r in runs))
