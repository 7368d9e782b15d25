"""Writes what PyTorch's CPU generator draws, as test data for network.hydrogen.engine.random.

Run: python3 tools/make_torch_randn_reference.py > engine/src/test/resources/torch-randn.json
"""
import json

import torch

cases = []
for seed, count in [(0, 16), (42, 64), (1234567, 37), (2**31 - 1, 4 * 8 * 8), (7, 5), (99, 1000)]:
    g = torch.Generator().manual_seed(seed)
    first = torch.randn(count, generator=g)
    second = torch.randn(count, generator=g)  # the generator's state carries on between draws
    cases.append({"seed": seed, "count": count,
                  "first": [float(x) for x in first], "second": [float(x) for x in second]})
print(json.dumps({"made_by": f"torch {torch.__version__} CPU", "cases": cases}, indent=1))
