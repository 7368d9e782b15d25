"""Writes a tiny SD 2.x-shaped text encoder and UNet with random weights, and what diffusers and
transformers compute from them, as test data for the engine's graph builder.

SD 2.x traits covered: gelu text encoder padded with id 0 whose pooled token is the first
end-of-text (not the largest id), per-block head counts (attention_head_dim as a list), linear
projections, upcast attention; beyond SD 2.x: two transformer layers per block, latent sizes that
do not halve evenly (10x6), per-item timesteps.

Usage: PYTHONPATH=<diffusers>/src python make_sd2_like.py OUT_DIR
"""

import json
import sys
from pathlib import Path

import diffusers
import torch
import transformers
from diffusers import UNet2DConditionModel
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel

out = Path(sys.argv[1])
torch.manual_seed(0)


def perturb(model):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model.eval()


def save(name, tensor):
    (out / "golden").mkdir(parents=True, exist_ok=True)
    t = tensor.detach().contiguous().to(torch.float32)
    (out / "golden" / f"{name}.f32").write_bytes(t.numpy().astype("<f4").tobytes())
    return {"file": f"golden/{name}.f32", "shape": list(t.shape)}


text_config = CLIPTextConfig(
    vocab_size=1000,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=3,
    num_attention_heads=4,
    max_position_embeddings=77,
    hidden_act="gelu",
    bos_token_id=499,
    eos_token_id=500,
    pad_token_id=0,
    projection_dim=32,
)
text_encoder = perturb(CLIPTextModel(text_config))
text_encoder.config.save_pretrained(out / "model" / "text_encoder")
# transformers 5 saves a freshly built CLIPTextModel without the "text_model." key prefix; write the
# layout real Stable Diffusion checkpoints ship (and the shared sd15 reference has).
state = text_encoder.state_dict()
if not any(k.startswith("text_model.") for k in state):
    state = {"text_model." + k: v for k, v in state.items()}
save_file(
    {k: v.contiguous() for k, v in state.items()},
    str(out / "model" / "text_encoder" / "model.safetensors"),
    metadata={"format": "pt"},
)

ids = torch.zeros(2, 77, dtype=torch.long)
ids[0, :6] = torch.tensor([499, 7, 812, 31, 977, 500])  # ids above the end token: argmax would miss it
ids[1, :2] = torch.tensor([499, 500])
with torch.no_grad():
    text = text_encoder(ids, output_hidden_states=True)

unet = perturb(
    UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 32, 64),
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        layers_per_block=1,
        attention_head_dim=[2, 4, 8],
        transformer_layers_per_block=2,
        use_linear_projection=True,
        upcast_attention=True,
        cross_attention_dim=32,
        norm_num_groups=32,
    )
)
unet.save_pretrained(out / "model" / "unet", safe_serialization=True)

sample = torch.randn(2, 4, 10, 6)
timesteps = torch.tensor([999, 37])
with torch.no_grad():
    unet_out = unet(sample, timesteps, encoder_hidden_states=text.last_hidden_state).sample

index = {
    "made_by": f"diffusers {diffusers.__version__} + transformers {transformers.__version__}"
    f" + torch {torch.__version__} CPU, fp32, by tools/engine-graph-reference/make_sd2_like.py",
    "tensor_format": "raw little-endian float32, row-major, shape in the entry",
    "text": {
        "input_ids": ids.tolist(),
        "last_hidden_state": save("last_hidden_state", text.last_hidden_state),
        "penultimate_hidden_state": save("penultimate_hidden_state", text.hidden_states[-2]),
        "pooled_output": save("pooled_output", text.pooler_output),
    },
    "unet_call": {
        "sample": save("unet_sample", sample),
        "timesteps": timesteps.tolist(),
        "encoder_hidden_states": "text.last_hidden_state (row i for item i)",
        "out": save("unet_out", unet_out),
    },
}
(out / "golden" / "index.json").write_text(json.dumps(index, indent=1))
