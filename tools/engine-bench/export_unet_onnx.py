"""Exports a diffusers UNet folder to ONNX the way diffusers' own exporter does
(scripts/convert_stable_diffusion_checkpoint_to_onnx.py: torch.onnx.export, opset 14, dynamic
batch/size, fp32, and the > 2 GB weights collated into one external data file), so that ONNX
Runtime can run it for comparison with the engine's own UNet graph.

Usage: PYTHONPATH=<diffusers>/src python export_unet_onnx.py UNET_DIR OUT_DIR
writes OUT_DIR/unet.onnx and OUT_DIR/unet.onnx.data.
"""

import shutil
import sys
import tempfile
from pathlib import Path

import onnx
import torch
from diffusers import UNet2DConditionModel

unet_dir = Path(sys.argv[1])
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
unet = UNet2DConditionModel.from_pretrained(unet_dir, torch_dtype=torch.float32).eval()
latent = 32  # the traced size; the exported graph takes any size (dynamic axes)
with tempfile.TemporaryDirectory(dir=out) as scratch, torch.no_grad():
    raw = Path(scratch) / "unet.onnx"
    torch.onnx.export(
        unet,
        (
            torch.randn(2, unet.config.in_channels, latent, latent),
            torch.randn(2),
            torch.randn(2, 77, unet.config.cross_attention_dim),
            False,
        ),
        str(raw),
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
    del unet
    model = onnx.load(str(raw))
    onnx.save_model(
        model,
        str(out / "unet.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="unet.onnx.data",
        convert_attribute=False,
    )
print("wrote", out / "unet.onnx")
