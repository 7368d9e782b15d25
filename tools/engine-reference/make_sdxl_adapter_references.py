"""Writes the SDXL adapter references next to the tiny SDXL base reference (engine-reference/sdxl):
tiny random adapter files in the formats real SDXL adapters ship in and what diffusers itself
computes with them, laid out like the sd15 adapter references (golden/index.json with raw
float32 tensors, `base_model: sdxl`, the base model not copied).

- sdxl-lora: a kohya/Civitai LoCon file for SDXL: `lora_unet_*` with the SGM UNet's module names
  (input_blocks / middle_block / output_blocks, as sd-scripts trains SDXL), `lora_te1_*` for
  text_encoder and `lora_te2_*` for text_encoder_2; linear and conv layers, per-module alpha.
- sdxl-ti: an SDXL textual inversion file (clip_l and clip_g vectors in one .safetensors), its
  token in the prompt and the negative prompt.

Usage: PYTHONPATH=<diffusers>/src:<diffusers>/scripts python make_sdxl_adapter_references.py \
    SDXL_DIR OUT_DIR [sdxl-lora ...]
(SDXL_DIR: the sdxl reference folder; OUT_DIR: the folder that holds it, where the adapter
references are written beside it.)
"""

import json
import shutil
import sys
from pathlib import Path

import diffusers
import peft
import torch
import transformers
from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline
from safetensors.torch import load_file, save_file

import convert_diffusers_to_original_sdxl as sgm

sdxl_dir = Path(sys.argv[1])
out_root = Path(sys.argv[2])
wanted = set(sys.argv[3:]) or {"sdxl-lora"}
F32 = "float32 little-endian"
SCALING = 0.13025
MADE_BY = (
    f"diffusers {diffusers.__version__} (git main) + peft {peft.__version__} + transformers"
    f" {transformers.__version__} + torch {torch.__version__} CPU, fp32, by"
    " tools/engine-reference/make_sdxl_adapter_references.py"
)
base_index = json.loads((sdxl_dir / "golden" / "index.json").read_text())


def load_base():
    pipe = StableDiffusionXLPipeline.from_pretrained(sdxl_dir / "model")
    pipe.set_progress_bar_config(disable=True)
    return pipe


class Golden:
    """A reference folder's golden/ tensors."""

    def __init__(self, name):
        self.dir = out_root / name
        if self.dir.exists():
            shutil.rmtree(self.dir)
        (self.dir / "golden").mkdir(parents=True)

    def save(self, name, tensor):
        t = tensor.detach().contiguous().to(torch.float32)
        (self.dir / "golden" / f"{name}.f32").write_bytes(t.numpy().astype("<f4").tobytes())
        return {"file": f"golden/{name}.f32", "shape": list(t.shape), "dtype": F32}

    def write_index(self, index):
        text = json.dumps(index, indent=1, ensure_ascii=False) + "\n"
        (self.dir / "golden" / "index.json").write_text(text)


PROMPT = "a red fox in the snow"
NEGATIVE = "ugly, blurry"
TXT2IMG = {"steps": 5, "cfg": 5.0, "height": 64, "width": 96}


@torch.no_grad()
def text_case(golden, pipe, case, prompt, negative, **kwargs):
    """encode_prompt as the pipeline calls it, in the sdxl reference's text_embeddings case form."""
    embeds, negative_embeds, pooled, negative_pooled = pipe.encode_prompt(
        prompt, negative_prompt=negative, do_classifier_free_guidance=True, **kwargs
    )
    return {
        "case": case,
        "prompt": prompt,
        "negative_prompt": negative,
        "prompt_embeds": golden.save(f"{case}-prompt_embeds", embeds),
        "negative_prompt_embeds": golden.save(f"{case}-negative_prompt_embeds", negative_embeds),
        "pooled_prompt_embeds": golden.save(f"{case}-pooled", pooled),
        "negative_pooled_prompt_embeds": golden.save(f"{case}-negative_pooled", negative_pooled),
    }, (embeds, negative_embeds, pooled, negative_pooled)


def txt2img(golden, pipe, label, prompt, negative, seed, **kwargs):
    """One whole generation by the pipeline itself (Euler, the model's scheduler config)."""
    pipe.scheduler = EulerDiscreteScheduler.from_config(base_index["scheduler_config"])
    h, w = TXT2IMG["height"], TXT2IMG["width"]
    noise = torch.randn(1, 4, h // 8, w // 8, generator=torch.Generator().manual_seed(seed))
    latents = pipe(
        prompt=prompt,
        negative_prompt=negative,
        height=h,
        width=w,
        num_inference_steps=TXT2IMG["steps"],
        guidance_scale=TXT2IMG["cfg"],
        latents=noise.clone(),
        output_type="latent",
        **kwargs,
    ).images
    with torch.no_grad():
        image = (pipe.vae.decode(latents / SCALING).sample / 2 + 0.5).clamp(0, 1)
    return {
        "scheduler": "Euler",
        "scheduler_config": dict(pipe.scheduler.config),
        "steps": TXT2IMG["steps"],
        "cfg": TXT2IMG["cfg"],
        "batch": 1,
        "prompt": prompt,
        "negative_prompt": negative,
        "height": h,
        "width": w,
        "timesteps": [float(t) for t in pipe.scheduler.timesteps],
        "noise": golden.save(f"noise-{label}", noise),
        "final_latents": golden.save(f"latents-{label}", latents),
        "image": golden.save(f"image-{label}", image),
    }, latents


def unet_inputs():
    """The sdxl reference's unet_call sample, timesteps and time ids."""
    call = base_index["unet_call"]
    raw = (sdxl_dir / call["sample"]["file"]).read_bytes()
    sample = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(call["sample"]["shape"])
    return sample, torch.tensor(call["timesteps"]), torch.tensor(call["time_ids"])


# ---- sdxl-lora ----

LORA_SCALE = 0.8
LINEAR = (4, 2.0)  # rank, alpha of linear and 1x1 layers
CONV = (2, 1.5)  # rank, alpha of 3x3 convs


def lora_modules(pipe):
    """(kohya name, network, module path, module) of every layer the file adapts."""
    modules = []
    unet_names = {}
    for name, module in pipe.unet.named_modules():
        if not isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)):
            continue
        if not name.startswith(("down_blocks.", "mid_block.", "up_blocks.")):
            continue  # sd-scripts adapts the blocks, not conv_in/out or the embeddings
        unet_names[name + ".weight"] = (name, module)
    mapping = sgm_unet_names(list(pipe.unet.state_dict()))
    for key, (name, module) in unet_names.items():
        original = mapping[key][: -len(".weight")]
        modules.append(("lora_unet_" + original.replace(".", "_"), "unet", name, module))
    for prefix, network in (("lora_te1_", "text_encoder"), ("lora_te2_", "text_encoder_2")):
        encoder = getattr(pipe, network)
        for name, module in encoder.named_modules():
            if isinstance(module, torch.nn.Linear) and "encoder.layers." in name:
                path = name if name.startswith("text_model.") else "text_model." + name
                modules.append((prefix + path.replace(".", "_"), network, name, module))
    return modules


def sgm_unet_names(keys):
    """Each diffusers UNet key's SGM key, by the conversion script the sdxl single file was made with."""
    tagged = {k: torch.tensor([float(i)]) for i, k in enumerate(keys)}
    converted = sgm.convert_unet_state_dict(tagged)
    by_tag = {int(v.item()): k for k, v in converted.items()}
    return {k: by_tag[i] for i, k in enumerate(keys)}


def diffusers_loadable(pipe, state):
    """The file's tensors as diffusers can load them here. transformers 5's CLIPTextModel has no
    text_model level in its module names (CLIPTextModelWithProjection keeps it), so diffusers finds
    no module for a real kohya lora_te1_text_model_* key and fails; the same key without the level
    names the same module, which is what A1111/ComfyUI (and the engine) bind it to."""
    if any(name.startswith("text_model.") for name, _ in pipe.text_encoder.named_modules()):
        return state
    return {k.replace("lora_te1_text_model_", "lora_te1_"): v for k, v in state.items()}


def make_lora():
    golden = Golden("sdxl-lora")
    torch.manual_seed(11)
    pipe = load_base()
    base_unet = {k: v.clone() for k, v in pipe.unet.state_dict().items()}
    tensors, listed, merged = {}, [], {}
    kinds = {}
    for kohya, network, name, module in lora_modules(pipe):
        weight = module.weight
        if weight.dim() == 4 and weight.shape[2] > 1:
            kind, (rank, alpha) = "conv3x3", CONV
            down = torch.randn(rank, weight.shape[1], *weight.shape[2:]) * 0.3
            up = torch.randn(weight.shape[0], rank, 1, 1) * 0.3
        elif weight.dim() == 4:
            kind, (rank, alpha) = "conv1x1", LINEAR
            down = torch.randn(rank, weight.shape[1], 1, 1) * 0.3
            up = torch.randn(weight.shape[0], rank, 1, 1) * 0.3
        else:
            kind, (rank, alpha) = "linear", LINEAR
            down = torch.randn(rank, weight.shape[1]) * 0.3
            up = torch.randn(weight.shape[0], rank) * 0.3
        # Stored in fp16, as sd-scripts saves LoRAs by default; the merge uses the stored values.
        down, up = down.half(), up.half()
        tensors[kohya + ".lora_down.weight"] = down
        tensors[kohya + ".lora_up.weight"] = up
        tensors[kohya + ".alpha"] = torch.tensor(alpha, dtype=torch.float16)
        kinds.setdefault(kind, {"count": 0, "rank": rank, "alpha": alpha})["count"] += 1
        listed.append({"key": kohya, "module": f"{network}:{name}", "kind": kind, "rank": rank, "alpha": alpha})
        delta = (up.float().reshape(up.shape[0], rank) @ down.float().reshape(rank, -1)).reshape(weight.shape)
        merged[(network, name)] = LORA_SCALE * alpha / rank * delta
    metadata = {
        "ss_network_module": "networks.lora",
        "ss_network_dim": str(LINEAR[0]),
        "ss_network_alpha": str(LINEAR[1]),
        "ss_network_args": json.dumps({"conv_dim": str(CONV[0]), "conv_alpha": str(CONV[1])}),
        "ss_base_model_version": "sdxl_base_v1-0",
    }
    (golden.dir / "lora").mkdir()
    lora_file = golden.dir / "lora" / "tiny_locon_sdxl_kohya.safetensors"
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(lora_file), metadata=metadata)

    # The reference: diffusers + peft, as a task's LoRA at weight 80 %.
    pipe.load_lora_weights(diffusers_loadable(pipe, load_file(str(lora_file))), adapter_name="tiny")
    pipe.set_adapters(["tiny"], adapter_weights=[LORA_SCALE])
    peft_layers = sum(
        1
        for network in ("unet", "text_encoder", "text_encoder_2")
        for _, m in getattr(pipe, network).named_modules()
        if hasattr(m, "lora_A") and "tiny" in m.lora_A
    )
    assert peft_layers == len(listed), f"{peft_layers} peft layers for {len(listed)} modules"

    text, (embeds, negative_embeds, pooled, negative_pooled) = text_case(
        golden, pipe, "neg_text", PROMPT, NEGATIVE
    )
    sample, timesteps, time_ids = unet_inputs()
    base = load_base()
    with torch.no_grad():
        context = torch.cat(base.encode_prompt(PROMPT, negative_prompt=NEGATIVE)[0:2])
        base_out = base.encode_prompt(PROMPT, negative_prompt=NEGATIVE)
        text_embeds = torch.cat([base_out[2], base_out[3]])
        cond = {"text_embeds": text_embeds, "time_ids": time_ids}
        unet_out = pipe.unet(sample, timesteps, encoder_hidden_states=context, added_cond_kwargs=cond).sample
    run, latents = txt2img(golden, pipe, "Euler", PROMPT, NEGATIVE, seed=3)

    # An independent merge of the same file into the base weights gives the same numbers.
    with torch.no_grad():
        for (network, name), delta in merged.items():
            module = getattr(base, network).get_submodule(name)
            module.weight.add_(delta)
        check_text = base.encode_prompt(PROMPT, negative_prompt=NEGATIVE)
        check_unet = base.unet(sample, timesteps, encoder_hidden_states=context, added_cond_kwargs=cond).sample
    _, check_latents = txt2img(Golden("sdxl-lora-check"), base, "Euler", PROMPT, NEGATIVE, seed=3)
    shutil.rmtree(out_root / "sdxl-lora-check")
    checks = {
        "independent_merge_text": max(
            float((a - b).abs().max()) for a, b in zip(check_text, (embeds, negative_embeds, pooled, negative_pooled))
        ),
        "independent_merge_unet": float((check_unet - unet_out).abs().max()),
        "independent_merge_latents": float((check_latents - latents).abs().max()),
    }
    fresh = load_base()
    with torch.no_grad():
        plain = fresh.unet(sample, timesteps, encoder_hidden_states=context, added_cond_kwargs=cond).sample
        plain_text = fresh.encode_prompt(PROMPT, negative_prompt=NEGATIVE)
    checks["lora_effect_unet"] = float((plain - unet_out).abs().max())
    checks["lora_effect_prompt_embeds"] = float((plain_text[0] - embeds).abs().max())
    checks["lora_effect_pooled"] = float((plain_text[2] - pooled).abs().max())
    for name in ("independent_merge_text", "independent_merge_unet"):
        assert checks[name] < 1e-4, checks
    assert all(v > 1e-2 for k, v in checks.items() if k.startswith("lora_effect")), checks
    assert all(torch.equal(v, base_unet[k]) for k, v in fresh.unet.state_dict().items())

    golden.write_index(
        {
            "reference": "sdxl-lora",
            "base_model": "sdxl",
            "made_by": MADE_BY,
            "tensor_format": "raw little-endian float32, row-major, shape in the entry",
            "lora": {
                "file": "lora/tiny_locon_sdxl_kohya.safetensors",
                "format": "kohya/Civitai LoCon for SDXL: lora_unet_<SGM UNet module path, '.'->'_'>"
                " (input_blocks/middle_block/output_blocks, in_layers_2, emb_layers_1, out_layers_3,"
                " skip_connection, op, proj_in, transformer_blocks_N_attn1_to_q ...), lora_te1_<text_encoder"
                " module path> and lora_te2_<text_encoder_2 module path>; .lora_down.weight, .lora_up.weight,"
                " .alpha (0-dim); all fp16, as sd-scripts saves them",
                "scale": LORA_SCALE,
                "scale_percent": 80,
                "modules": len(listed),
                "by_kind": kinds,
                "safetensors_metadata": metadata,
                "apply": "W_eff = W + scale * (alpha / rank) * (up.reshape(out, rank) @ down.reshape(rank, -1))"
                ".reshape(W.shape), on text_encoder, text_encoder_2 and the UNet",
                "loaded_with": "pipe.load_lora_weights(file, adapter_name='tiny');"
                " pipe.set_adapters(['tiny'], adapter_weights=[0.8])",
                "modules_list": listed,
            },
            "text_embeddings": {
                "pipeline_call": "StableDiffusionXLPipeline.encode_prompt(prompt, negative_prompt,"
                " do_classifier_free_guidance=True) with the LoRA on both text encoders",
                "cases": [text],
            },
            "unet_call": {
                "note": "the LoRA'd UNet on the BASE model's encodings (isolates the UNet part)",
                "sample": golden.save("unet_in", sample),
                "timesteps": [int(t) for t in timesteps],
                "encoder_hidden_states": golden.save("unet_ehs", context),
                "text_embeds": golden.save("unet_text_embeds", text_embeds),
                "time_ids": time_ids.tolist(),
                "out": golden.save("unet_out", unet_out),
            },
            "txt2img": [run],
            "checks": checks,
        }
    )
    print("sdxl-lora:", checks)


# ---- sdxl-ti ----

TI_TOKEN = "<fox-style-xl>"
TI_PROMPT = f"a photo of {TI_TOKEN} in the snow"
TI_NEGATIVE = f"{TI_TOKEN}, blurry"


def make_ti():
    golden = Golden("sdxl-ti")
    torch.manual_seed(12)
    pipe = load_base()
    base_vocab = [len(pipe.tokenizer), len(pipe.tokenizer_2)]
    widths = (pipe.text_encoder.config.hidden_size, pipe.text_encoder_2.config.hidden_size)
    # SDXL embeddings (A1111, Civitai) hold both encoders' vectors in one file: clip_l for
    # text_encoder (CLIP ViT-L), clip_g for text_encoder_2 (OpenCLIP bigG); the token is the file name.
    clip_l = (torch.randn(2, widths[0]) * 0.5).contiguous()
    clip_g = (torch.randn(2, widths[1]) * 0.5).contiguous()
    (golden.dir / "embeddings").mkdir()
    file = golden.dir / "embeddings" / "fox-style-xl.safetensors"
    save_file({"clip_l": clip_l, "clip_g": clip_g}, str(file))
    # How diffusers documents loading them: each tensor into its encoder, the same token.
    state = load_file(str(file))
    pipe.load_textual_inversion(
        state["clip_g"], token=TI_TOKEN, text_encoder=pipe.text_encoder_2, tokenizer=pipe.tokenizer_2
    )
    pipe.load_textual_inversion(state["clip_l"], token=TI_TOKEN, text_encoder=pipe.text_encoder, tokenizer=pipe.tokenizer)
    expands = [TI_TOKEN, TI_TOKEN + "_1"]
    ids = pipe.tokenizer.convert_tokens_to_ids(expands)
    ids_2 = pipe.tokenizer_2.convert_tokens_to_ids(expands)
    assert ids == ids_2 == [base_vocab[0], base_vocab[0] + 1], (ids, ids_2)

    def tokens(tokenizer, text):
        converted = pipe.maybe_convert_prompt(text, tokenizer)
        return converted, tokenizer(converted, padding="max_length", max_length=77, truncation=True).input_ids

    token_cases = {}
    # The sd15-ti field names: prompt, prompt_converted, prompt_ids; negative_prompt,
    # negative_converted, negative_ids; and the second tokenizer's ids with _2.
    for short, field, text in (("prompt", "prompt", TI_PROMPT), ("negative", "negative_prompt", TI_NEGATIVE)):
        converted, first = tokens(pipe.tokenizer, text)
        _, second = tokens(pipe.tokenizer_2, text)
        assert ids[0] in first and ids[1] in first and ids[0] in second, (first, second)
        token_cases[field] = text
        token_cases[short + "_converted"] = converted
        token_cases[short + "_ids"] = first
        token_cases[short + "_ids_2"] = second
    text, (embeds, negative_embeds, pooled, negative_pooled) = text_case(
        golden, pipe, "ti", TI_PROMPT, TI_NEGATIVE
    )
    run, latents = txt2img(golden, pipe, "Euler", TI_PROMPT, TI_NEGATIVE, seed=4)

    # Effect: the same prompts on the base model, where the token is plain text.
    fresh = load_base()
    with torch.no_grad():
        plain = fresh.encode_prompt(TI_PROMPT, negative_prompt=TI_NEGATIVE)
    checks = {
        "ti_effect_prompt_embeds": float((plain[0] - embeds).abs().max()),
        "ti_effect_negative_prompt_embeds": float((plain[1] - negative_embeds).abs().max()),
        "ti_effect_pooled": float((plain[2] - pooled).abs().max()),
        "ti_effect_negative_pooled": float((plain[3] - negative_pooled).abs().max()),
    }
    # Independent: the vectors are the rows of each encoder's token embedding.
    for encoder, vectors in ((pipe.text_encoder, clip_l), (pipe.text_encoder_2, clip_g)):
        rows = encoder.get_input_embeddings().weight[ids[0] : ids[0] + 2]
        assert torch.equal(rows, vectors)
    assert all(v > 1e-2 for v in checks.values()), checks

    golden.write_index(
        {
            "reference": "sdxl-ti",
            "base_model": "sdxl",
            "made_by": MADE_BY,
            "tensor_format": "raw little-endian float32, row-major, shape in the entry",
            "embeddings": [
                {
                    "file": "embeddings/fox-style-xl.safetensors",
                    "format": "SDXL (A1111/Civitai): clip_l [n, text_encoder width] and clip_g [n,"
                    " text_encoder_2 width] in one .safetensors; token = the file name",
                    "token": TI_TOKEN,
                    "vectors": 2,
                    "expands_to": expands,
                    "token_ids": ids,
                    "vectors_tensor": golden.save("vectors-clip_l", clip_l),
                    "vectors_2_tensor": golden.save("vectors-clip_g", clip_g),
                }
            ],
            "loaded_with": "state = load_file(file); pipe.load_textual_inversion(state['clip_g'], token=tok,"
            " text_encoder=pipe.text_encoder_2, tokenizer=pipe.tokenizer_2);"
            " pipe.load_textual_inversion(state['clip_l'], token=tok, text_encoder=pipe.text_encoder,"
            " tokenizer=pipe.tokenizer)",
            "vocab": {
                "base_size": base_vocab[0],
                "after_loading": len(pipe.tokenizer),
                "after_loading_2": len(pipe.tokenizer_2),
            },
            "tokens": {
                **token_cases,
                "note": "maybe_convert_prompt per tokenizer ('<tok>' -> '<tok> <tok>_1'); tokenizer pads with"
                " the end token, tokenizer_2 with '!' (id 0)",
            },
            "text_embeddings": {
                "pipeline_call": "StableDiffusionXLPipeline.encode_prompt(prompt, negative_prompt,"
                " do_classifier_free_guidance=True), the token in both",
                "cases": [text],
            },
            "txt2img": [run],
            "checks": checks,
        }
    )
    print("sdxl-ti:", checks)


if "sdxl-lora" in wanted:
    make_lora()
if "sdxl-ti" in wanted:
    make_ti()
