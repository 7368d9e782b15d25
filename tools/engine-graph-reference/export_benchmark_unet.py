"""Writes a UNet2DConditionModel with random weights twice: as a diffusers folder (for the engine)
and as the ONNX file diffusers' own exporter (scripts/convert_stable_diffusion_checkpoint_to_onnx.py:
torch.onnx.export, opset 14, dynamic batch/size) makes of it, so that the engine's graph and
the exported one can be timed on the same ONNX Runtime.

Usage: PYTHONPATH=<diffusers>/src python export_benchmark_unet.py OUT_DIR [WIDTH_DIVISOR]
WIDTH_DIVISOR 1 gives SD 1.5's exact UNet; 2 halves every channel count (a quarter of the work).
"""

import sys
from pathlib import Path

import torch
from diffusers import UNet2DConditionModel

out = Path(sys.argv[1])
divisor = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.manual_seed(0)
unet = UNet2DConditionModel(
    sample_size=64,
    block_out_channels=tuple(c // divisor for c in (320, 640, 1280, 1280)),
    cross_attention_dim=768,
    attention_head_dim=8,
).eval()
unet.save_pretrained(out / "unet", safe_serialization=True)

out.mkdir(parents=True, exist_ok=True)
with torch.no_grad():
    torch.onnx.export(
        unet,
        (torch.randn(2, 4, 64, 64), torch.randn(2), torch.randn(2, 77, 768), False),
        str(out / "unet.onnx"),
        input_names=["sample", "timestep", "encoder_hidden_states", "return_dict"],
        output_names=["out_sample"],
        dynamic_axes={
            "sample": {0: "batch", 1: "channels", 2: "height", 3: "width"},
            "timestep": {0: "batch"},
            "encoder_hidden_states": {0: "batch", 1: "sequence"},
        },
        do_constant_folding=True,
        opset_version=14,
        dynamo=False,
    )
