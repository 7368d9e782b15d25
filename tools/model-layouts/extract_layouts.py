#!/usr/bin/env python3
"""Extracts the configs and the tensor names and shapes (headers only, no weights) of a reference
model, so that the engine's tests can check its config-driven parameter layout against models that
are too large to copy into the test resources.

Usage: extract_layouts.py REFERENCE_DIR OUT_DIR COMPONENT...
  REFERENCE_DIR holds model/ (a diffusers folder) and model.safetensors (the same weights in the
  original single-file layout). OUT_DIR gets COMPONENT/config.json and COMPONENT/shapes.json for
  each component, and checkpoint-shapes.json for the single file.
"""
import json
import shutil
import struct
import sys
from pathlib import Path


def shapes(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__"}


def main():
    reference, out = Path(sys.argv[1]), Path(sys.argv[2])
    for component in sys.argv[3:]:
        folder = reference / "model" / component
        weights = next(p for p in sorted(folder.glob("*.safetensors")))
        (out / component).mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / "config.json", out / component / "config.json")
        with open(out / component / "shapes.json", "w") as f:
            json.dump(shapes(weights), f, indent=0, sort_keys=True)
    with open(out / "checkpoint-shapes.json", "w") as f:
        json.dump(shapes(reference / "model.safetensors"), f, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
