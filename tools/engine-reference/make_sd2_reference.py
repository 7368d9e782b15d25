"""Writes engine-reference/sd2-tiny: a tiny random-weight Stable Diffusion 2.x-shaped model in both
file formats and what diffusers itself computes from it, laid out exactly like the shared sd15
reference (model/, model.safetensors, golden/index.json with raw float32 tensors).

SD 2.x traits: gelu text encoder one layer shallower than the OpenCLIP model in the single file
(diffusers' 23-of-24 convention, here 23 of 24 layers too), tokenizer padding with "!" (id 0),
UNet head counts per block (attention_head_dim as a list, which diffusers reads as head counts),
linear projections, upcast attention, v-prediction with SD 2.1's scheduler config; the cases use
non-square sizes in both orientations and batches of two images per prompt.

The single file is an original-format SD 2.x checkpoint (UNet, VAE and OpenCLIP text encoder key
names, made with diffusers' own conversion script; plus the 24th OpenCLIP layer, text_projection,
logit_scale and LDM schedule buffers that real SD 2.x files carry and loaders ignore), stored in
fp16 as many published SD 2.x files are. The weights are rounded to fp16 values everywhere, so
the fp32 diffusers folder and the fp16 single file hold the same numbers; the script proves the
file faithful by loading it with diffusers' StableDiffusionPipeline.from_single_file and checking
that every weight and output is identical.

Usage: PYTHONPATH=<diffusers>/src:<diffusers>/scripts python make_sd2_reference.py SD15_DIR OUT_DIR
(SD15_DIR: the sd15 reference, whose real CLIP vocab.json and merges.txt are copied.)
"""

import importlib
import json
import shutil
import sys
from pathlib import Path

import diffusers
import torch
import transformers
from diffusers import (
    AutoencoderKL,
    DDIMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from safetensors.torch import load_file, save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

import convert_diffusers_to_original_stable_diffusion as ldm

sd15 = Path(sys.argv[1])
out = Path(sys.argv[2])
model_dir = out / "model"
golden = out / "golden"
if out.exists():
    shutil.rmtree(out)
golden.mkdir(parents=True)
torch.manual_seed(2)
F32 = "float32 little-endian"
SCALING = 0.18215


def randomize(module):
    """Default init plus noise (so no layer is an identity or zero), rounded to fp16 values."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * 0.05)
            p.copy_(p.half().float())
    return module.eval()


def save(name, tensor):
    t = tensor.detach().contiguous().to(torch.float32)
    (golden / f"{name}.f32").write_bytes(t.numpy().astype("<f4").tobytes())
    return {"file": f"golden/{name}.f32", "shape": list(t.shape), "dtype": F32}


# ---- the diffusers folder ----

text_config = CLIPTextConfig(
    vocab_size=49408,
    hidden_size=32,
    intermediate_size=128,
    num_hidden_layers=23,
    num_attention_heads=4,
    max_position_embeddings=77,
    hidden_act="gelu",
    layer_norm_eps=1e-5,
    # SD 2.x's text_encoder/config.json carries these (not the real special-token ids).
    bos_token_id=0,
    eos_token_id=2,
    pad_token_id=1,
    projection_dim=512,
)
text_encoder = randomize(CLIPTextModel(text_config))

unet = randomize(
    UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        # As in SD 2.x, the deepest level has no attention (diffusers' conversion script assumes so):
        # head counts 2 (first level, down and up) and 4 (mid block, the list's last entry).
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        layers_per_block=2,
        attention_head_dim=[2, 4],
        use_linear_projection=True,
        upcast_attention=True,
        cross_attention_dim=32,
        norm_num_groups=32,
    )
)
assert unet.config.num_attention_heads is None and unet.config.attention_head_dim == [2, 4]
assert unet.down_blocks[0].attentions[0].transformer_blocks[0].attn1.heads == 2
assert unet.mid_block.attentions[0].transformer_blocks[0].attn1.heads == 4
assert unet.up_blocks[1].attentions[0].transformer_blocks[0].attn1.heads == 2

vae = randomize(
    AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(32, 32, 64, 64),
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=32,
        sample_size=64,
        scaling_factor=SCALING,
    )
)

# SD 2.1's scheduler/scheduler_config.json, with the spacing its DDIM default implies made explicit.
scheduler = DDIMScheduler.from_config(
    {
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "beta_start": 0.00085,
        "clip_sample": False,
        "num_train_timesteps": 1000,
        "prediction_type": "v_prediction",
        "set_alpha_to_one": False,
        "skip_prk_steps": True,
        "steps_offset": 1,
        "trained_betas": None,
        "timestep_spacing": "leading",
    }
)

tokenizer_dir = model_dir / "tokenizer"


def token(content, typed):
    spec = {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
    return {"__type": "AddedToken", **spec} if typed else spec


def write_tokenizer():
    """The real CLIP BPE files and SD 2.1's tokenizer configs (AddedToken objects, pad "!")."""
    if tokenizer_dir.exists():
        shutil.rmtree(tokenizer_dir)
    tokenizer_dir.mkdir(parents=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(sd15 / "model" / "tokenizer" / name, tokenizer_dir / name)
    config = {
        "add_prefix_space": False,
        "bos_token": token("<|startoftext|>", True),
        "do_lower_case": True,
        "eos_token": token("<|endoftext|>", True),
        "errors": "replace",
        "model_max_length": 77,
        "pad_token": "!",
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": token("<|endoftext|>", True),
    }
    special = {
        "bos_token": token("<|startoftext|>", False),
        "eos_token": token("<|endoftext|>", False),
        "pad_token": "!",
        "unk_token": token("<|endoftext|>", False),
    }
    (tokenizer_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (tokenizer_dir / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n")


write_tokenizer()
tokenizer = CLIPTokenizer.from_pretrained(tokenizer_dir)
assert tokenizer.pad_token == "!" and tokenizer.pad_token_id == 0, tokenizer.pad_token_id

pipe = StableDiffusionPipeline(
    vae=vae,
    text_encoder=text_encoder,
    tokenizer=tokenizer,
    unet=unet,
    scheduler=scheduler,
    safety_checker=None,
    feature_extractor=None,
    requires_safety_checker=False,
)
pipe.save_pretrained(model_dir, safe_serialization=True)
write_tokenizer()  # SD 2.1's files, not transformers' re-save of them
# transformers 5 saves a CLIPTextModel without the "text_model." key prefix; write the layout real
# Stable Diffusion folders ship (as the sd15 reference has).
state = text_encoder.state_dict()
if not any(k.startswith("text_model.") for k in state):
    state = {"text_model." + k: v for k, v in state.items()}
save_file(
    {k: v.contiguous() for k, v in state.items()},
    str(model_dir / "text_encoder" / "model.safetensors"),
    metadata={"format": "pt"},
)

# Everything below is computed by the pipeline as loaded back from the folder.
pipe = StableDiffusionPipeline.from_pretrained(model_dir, safety_checker=None)
pipe.set_progress_bar_config(disable=True)
assert pipe.tokenizer.pad_token_id == 0
for name, module in (("text_encoder", text_encoder), ("unet", unet), ("vae", vae)):
    loaded = getattr(pipe, name).state_dict()
    for key, value in module.state_dict().items():
        assert torch.equal(loaded[key], value), f"{name}.{key} did not load back"

# ---- the original-format single file ----

unet_sd = {
    "model.diffusion_model." + k: v
    for k, v in ldm.convert_unet_state_dict(pipe.unet.state_dict()).items()
}
vae_sd = {"first_stage_model." + k: v for k, v in ldm.convert_vae_state_dict(pipe.vae.state_dict()).items()}
te_sd = load_file(str(model_dir / "text_encoder" / "model.safetensors"))
assert "text_model.encoder.layers.22.layer_norm2.bias" in te_sd  # the script's v2.0 test
te_sd = ldm.convert_text_enc_state_dict_v20({"transformer." + k: v for k, v in te_sd.items()})
te_sd = {"cond_stage_model.model." + k: v for k, v in te_sd.items()}
# What a real SD 2.x file has beyond diffusers' encoder: the OpenCLIP model's last layer (SD 2.x
# conditions on the penultimate one), the projection to the joint space and the logit scale.
width, hidden = text_config.hidden_size, text_config.intermediate_size
last = "cond_stage_model.model.transformer.resblocks.23."
extra = {
    last + "attn.in_proj_weight": (3 * width, width),
    last + "attn.in_proj_bias": (3 * width,),
    last + "attn.out_proj.weight": (width, width),
    last + "attn.out_proj.bias": (width,),
    last + "ln_1.weight": (width,),
    last + "ln_1.bias": (width,),
    last + "ln_2.weight": (width,),
    last + "ln_2.bias": (width,),
    last + "mlp.c_fc.weight": (hidden, width),
    last + "mlp.c_fc.bias": (hidden,),
    last + "mlp.c_proj.weight": (width, hidden),
    last + "mlp.c_proj.bias": (width,),
    "cond_stage_model.model.text_projection": (width, width),
}
for key, shape in extra.items():
    te_sd[key] = torch.randn(shape) * 0.05
te_sd["cond_stage_model.model.logit_scale"] = torch.tensor(4.6052)
# LatentDiffusion's registered schedule buffers.
betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=torch.float64) ** 2
alphas_cumprod = torch.cumprod(1 - betas, 0)
buffers = {
    "betas": betas,
    "alphas_cumprod": alphas_cumprod,
    "alphas_cumprod_prev": torch.cat([torch.ones(1, dtype=torch.float64), alphas_cumprod[:-1]]),
}
single = {**unet_sd, **vae_sd, **te_sd, **buffers}
single = {k: v.to(torch.float16).contiguous() for k, v in single.items()}
save_file(single, str(out / "model.safetensors"))

from_file = StableDiffusionPipeline.from_single_file(
    str(out / "model.safetensors"), config=str(model_dir), safety_checker=None, local_files_only=True
)
from_file.set_progress_bar_config(disable=True)
for name in ("text_encoder", "unet", "vae"):
    mine = getattr(pipe, name).state_dict()
    theirs = getattr(from_file, name).state_dict()
    assert mine.keys() == theirs.keys(), name
    for key in mine:
        assert theirs[key].dtype == torch.float32, f"{name}.{key} loaded as {theirs[key].dtype}"
        assert torch.equal(mine[key], theirs[key]), f"single file differs at {name}.{key}"
assert from_file.scheduler.config.prediction_type == "v_prediction"
assert from_file.tokenizer.pad_token_id == 0

# ---- tokens ----

token_texts = [
    "a red fox in the snow",
    "A Photo of an ASTRONAUT riding a horse!!",
    "wow! ! !! exclamation!",
    "hello,world...(test)",
    "don't stop   believin'",
    "12345 67.89 $100",
    "café crème brûlée",
    "日本の風景",
    "emoji 🦊🔥 fox",
    "  leading and trailing  ",
    "",
    "!",
    "tabs\tand\nnewlines",
    "UPPER lower MiXeD 3D-render 4k",
]


def ids(text):
    return pipe.tokenizer(text, padding="max_length", max_length=77, truncation=True).input_ids


long_text = ", ".join(["a highly detailed oil painting of a lighthouse keeper and his cat!"] * 10)
long_ids = pipe.tokenizer(long_text, truncation=False).input_ids
assert len(long_ids) > 77
assert ids("a red fox")[5] == 0  # padded with "!"

# ---- text embeddings, one UNet call, one VAE decode ----

prompt = "a red fox in the snow, digital art"
negative_prompt = ""


@torch.no_grad()
def embed(text):
    tokens = torch.tensor([ids(text)])
    return pipe.text_encoder(tokens).last_hidden_state


cond = embed(prompt)
uncond = embed(negative_prompt)
with torch.no_grad():
    file_cond = from_file.text_encoder(torch.tensor([ids(prompt)])).last_hidden_state
assert torch.equal(cond, file_cond)

unet_in = torch.randn(2, 4, 8, 12)
with torch.no_grad():
    unet_out = pipe.unet(unet_in, torch.tensor([500, 1]), encoder_hidden_states=torch.cat([cond, uncond])).sample
    vae_out = pipe.vae.decode(unet_in / SCALING).sample
    assert torch.equal(
        unet_out,
        from_file.unet(unet_in, torch.tensor([500, 1]), encoder_hidden_states=torch.cat([cond, uncond])).sample,
    )
    assert torch.equal(vae_out, from_file.vae.decode(unet_in / SCALING).sample)

# ---- whole generations by the pipeline ----

SCHEDULERS = {
    "DPMSolverMultistepScheduler": DPMSolverMultistepScheduler,
    "EulerDiscreteScheduler": EulerDiscreteScheduler,
    "EulerAncestralDiscreteScheduler": EulerAncestralDiscreteScheduler,
    "DDIMScheduler": DDIMScheduler,
}
model_scheduler_config = dict(pipe.scheduler.config)
assert from_file.scheduler.config == pipe.scheduler.config
ancestral_module = importlib.import_module("diffusers.schedulers.scheduling_euler_ancestral_discrete")
original_randn = ancestral_module.randn_tensor


def generate(target, name, args, steps, cfg, height, width, batch, p, n, noise, seed):
    """Runs the pipeline with the given initial noise; returns latents, image, in-step draws."""
    # Always from the model's own scheduler config, never from the previous case's scheduler.
    target.scheduler = SCHEDULERS[name].from_config(model_scheduler_config, **args)
    draws = []

    def recording_randn(*a, **kw):
        draw = original_randn(*a, **kw)
        draws.append(draw.clone())
        return draw

    ancestral_module.randn_tensor = recording_randn
    try:
        latents = target(
            prompt=p,
            negative_prompt=n,
            height=height,
            width=width,
            num_inference_steps=steps,
            guidance_scale=cfg,
            num_images_per_prompt=batch,
            latents=noise.clone(),
            generator=torch.Generator().manual_seed(seed),
            output_type="latent",
        ).images
    finally:
        ancestral_module.randn_tensor = original_randn
    with torch.no_grad():
        image = (target.vae.decode(latents / SCALING).sample / 2 + 0.5).clamp(0, 1)
    return target.scheduler, latents, image, draws


cases = [
    # (label, scheduler, args, steps, cfg, height, width, batch, prompt, negative prompt)
    ("DPMSolverMultistepScheduler", "DPMSolverMultistepScheduler", {}, 6, 7.5, 64, 96, 1, prompt, ""),
    (
        "DPMSolverMultistepScheduler-karras",
        "DPMSolverMultistepScheduler",
        {"use_karras_sigmas": True},
        6,
        7.5,
        96,
        64,
        1,
        prompt,
        "",
    ),
    ("EulerDiscreteScheduler", "EulerDiscreteScheduler", {}, 6, 7.5, 64, 96, 2, prompt, ""),
    (
        "EulerDiscreteScheduler-trailing",
        "EulerDiscreteScheduler",
        {"timestep_spacing": "trailing"},
        5,
        5.0,
        64,
        96,
        1,
        prompt,
        "",
    ),
    ("EulerAncestralDiscreteScheduler", "EulerAncestralDiscreteScheduler", {}, 6, 7.5, 64, 96, 2, prompt, ""),
    (
        "DDIMScheduler",
        "DDIMScheduler",
        {},
        6,
        7.5,
        96,
        64,
        2,
        "a lighthouse on a cliff at dusk!",
        "blurry, low quality",
    ),
]

txt2img = []
for number, (label, name, args, steps, cfg, height, width, batch, p, n) in enumerate(cases):
    noise = torch.randn(batch, 4, height // 8, width // 8)
    used, latents, image, draws = generate(pipe, name, args, steps, cfg, height, width, batch, p, n, noise, number)
    assert used.config.prediction_type == "v_prediction"
    assert all(used.config[k] == v for k, v in args.items())
    assert type(used).__name__ == name
    _, file_latents, _, _ = generate(from_file, name, args, steps, cfg, height, width, batch, p, n, noise, number)
    assert torch.equal(latents, file_latents), f"{label}: from_single_file gives other latents"
    assert latents.shape == (batch, 4, height // 8, width // 8)
    assert (name == "EulerAncestralDiscreteScheduler") == bool(draws), label
    txt2img.append(
        {
            "scheduler": name,
            "args": args,
            "steps": steps,
            "cfg": cfg,
            "batch": batch,
            "height": height,
            "width": width,
            "prompt": p,
            "negative_prompt": n,
            "timesteps": [float(t) for t in used.timesteps],
            "sigmas": [float(s) for s in used.sigmas] if hasattr(used, "sigmas") else None,
            "noise": save(f"noise-{label}", noise),
            "final_latents": save(f"latents-{label}", latents),
            "image": save(f"image-{label}", image),
            "step_noise": save(f"step-noise-{label}", torch.stack(draws)) if draws else None,
            "note": "x0 = noise * init_noise_sigma; image = (vae.decode(x/0.18215)/2+0.5).clamp(0,1);"
            " cfg<=1 skips the unconditional pass; batch = num_images_per_prompt, noise [batch,4,h,w]",
        }
    )
    print(f"{label}: max|latents| {latents.abs().max():.3f}, image mean {image.mean():.3f}")

index = {
    "arch": "sd2",
    "made_by": f"diffusers (git main, {diffusers.__version__}) + transformers {transformers.__version__}"
    f" + torch {torch.__version__.split('+')[0]} CPU, fp32, by tools/engine-reference/make_sd2_reference.py",
    "tensor_format": "raw little-endian float32, row-major, shape in the entry",
    "tokens": {
        "padding": "max_length 77, pad token '!' (id 0), truncation",
        "cases": [{"text": t, "ids": ids(t)} for t in token_texts],
        "long_untruncated": {"text": long_text, "ids": long_ids},
    },
    "text_embeddings": {
        "prompt": prompt,
        "negative_prompt": negative_prompt,
        "output": "last_hidden_state (after final_layer_norm) of the 23-layer encoder",
        "cond": save("cond", cond),
        "uncond": save("uncond", uncond),
    },
    "single_file": {
        "file": "model.safetensors",
        "same_weights_as": "model/",
        "dtype": "float16 (every weight is an fp16 value in model/ too)",
        "note": "original SD 2.x key names (model.diffusion_model., first_stage_model.,"
        " cond_stage_model.model. OpenCLIP with fused in_proj and 24 resblocks of which diffusers"
        " uses 23); loaded by diffusers from_single_file to identical weights and outputs",
    },
    "unet_call": {
        "sample": save("unet_in", unet_in),
        "timesteps": [500, 1],
        "encoder_hidden_states": "cond for item 0, uncond for item 1",
        "out": save("unet_out", unet_out),
    },
    "vae_decode": {
        "input": "unet_in divided by scaling_factor 0.18215",
        "out": save("vae_out", vae_out),
        "note": "raw decoder output in [-1, 1]-ish range, before (x/2+0.5).clamp(0,1)",
    },
    "scheduler_config": model_scheduler_config,
    "txt2img": txt2img,
}
(golden / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
print("wrote", out)
