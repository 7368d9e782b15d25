"""Writes the SDXL adapter references next to the tiny SDXL base reference (engine-reference/sdxl):
tiny random adapter files in the formats real SDXL adapters ship in and what diffusers itself
computes with them, laid out like the sd15 adapter references (golden/index.json with raw
float32 tensors, `base_model: sdxl`, the base model not copied).

- sdxl-lora: a kohya/Civitai LoCon file for SDXL: `lora_unet_*` with the SGM UNet's module names
  (input_blocks / middle_block / output_blocks, as sd-scripts trains SDXL), `lora_te1_*` for
  text_encoder and `lora_te2_*` for text_encoder_2; linear and conv layers, per-module alpha.
- sdxl-ti: an SDXL textual inversion file (clip_l and clip_g vectors in one .safetensors), its
  token in the prompt and the negative prompt.
- sdxl-controlnet: a small SDXL ControlNet (text_time added conditioning) with the sd15-controlnet
  canny map as its control image: residuals, the UNet with them, a whole generation.
- sdxl-compel: compel's SDXL conditioning and pooled embeddings of weighted, blended, conjoined and
  long prompts, a UNet call and a whole generation on a long one.
- sdxl-refiner-lora: LoRA with the SDXL refiner (sibling reference sdxl-refiner): the ensemble of
  experts with sdxl-lora's base LoRA (on the base; on the refiner only its text_encoder_2 modules,
  which is what the seed network's refiner computes: it shares the base's LoRA'd text_encoder_2),
  and img2img on the refiner alone with a LoRA trained for the refiner (peft naming, UNet and
  text_encoder_2), loaded by StableDiffusionXLImg2ImgPipeline.load_lora_weights.

Usage: PYTHONPATH=<diffusers>/src:<diffusers>/scripts:<compel>/src \
    python make_sdxl_adapter_references.py SDXL_DIR OUT_DIR [sdxl-lora sdxl-ti sdxl-compel sdxl-controlnet
    sdxl-refiner-lora]
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
from diffusers import EulerDiscreteScheduler, StableDiffusionXLImg2ImgPipeline, StableDiffusionXLPipeline
from diffusers.utils.torch_utils import randn_tensor
from safetensors.torch import load_file, save_file

import convert_diffusers_to_original_sdxl as sgm

sdxl_dir = Path(sys.argv[1])
out_root = Path(sys.argv[2])
wanted = set(sys.argv[3:]) or {"sdxl-lora", "sdxl-ti", "sdxl-compel", "sdxl-controlnet", "sdxl-refiner-lora"}
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


def txt2img(golden, pipe, label, prompt, negative, seed, height=None, width=None, **kwargs):
    """One whole generation by the pipeline itself (Euler, the model's scheduler config); kwargs
    other than the prompts go to the pipeline (with prompt_embeds: prompt and negative only label it)."""
    pipe.scheduler = EulerDiscreteScheduler.from_config(base_index["scheduler_config"])
    h, w = height or TXT2IMG["height"], width or TXT2IMG["width"]
    noise = torch.randn(1, 4, h // 8, w // 8, generator=torch.Generator().manual_seed(seed))
    texts = {} if "prompt_embeds" in kwargs else {"prompt": prompt, "negative_prompt": negative}
    latents = pipe(
        **texts,
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


# ---- sdxl-compel ----

COMPEL_CASES = [
    "a (red fox)1.3 in the snow",
    "a red++ fox in the snow--",
    "a (red (fox)0.5)1.2 in the snow",
    '("a red fox", "a snowy forest").blend(0.7, 0.3)',
    '("a red fox", "in the snow").and()',
    "a \\(red\\) fox in the snow",
]
LONG_PROMPT = (
    "a highly detailed oil painting of a (red fox)1.2 in a snowy forest. "
    + "soft morning light, tall pine trees, falling snowflakes, frozen river, distant mountains, " * 6
    + "masterpiece, best quality"
)
LONG_NEGATIVE = "blurry, (low quality)1.4"


def fix_compel_blend():
    """compel 2.3.0-2.4.0 raise TypeError on every .blend() (compel issue #130): _get_conditioning_for_blend
    passes a stale keyword. Its fix (PR #131) drops the keyword; the sd15-compel reference used the same."""
    from compel import Compel

    original = Compel._get_conditioning_for_flattened_prompt

    def fixed(self, prompt, should_return_tokens=True):
        return original(self, prompt)

    Compel._get_conditioning_for_flattened_prompt = fixed


def seed_compel(pipe):
    """The seed network's SDXL call (crynux-ai/stable-diffusion-task, sd_task/task_runner/
    inference_task/prompt.py): one Compel over both tokenizers and encoders."""
    from compel import Compel, ReturnedEmbeddingsType

    return Compel(
        tokenizer=[pipe.tokenizer, pipe.tokenizer_2],
        text_encoder=[pipe.text_encoder, pipe.text_encoder_2],
        returned_embeddings_type=ReturnedEmbeddingsType.PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED,
        requires_pooled=[False, True],
        truncate_long_prompts=False,
    )


def make_compel():
    import compel as compel_module
    from compel import CompelForSDXL

    fix_compel_blend()
    golden = Golden("sdxl-compel")
    pipe = load_base()
    compel = seed_compel(pipe)
    for_sdxl = CompelForSDXL(pipe)
    with torch.no_grad():
        empty, empty_pooled = compel("")
        assert torch.equal(
            empty,
            torch.cat(
                [p.empty_z for p in compel.conditioning_provider.embedding_providers], dim=-1
            ),
        )
        cases = []
        for i, prompt in enumerate(COMPEL_CASES):
            # CompelForSDXL, compel's SDXL wrapper; the seed's one-Compel call gives the same numbers
            # where it runs, and raises for .blend() (its per-encoder tokenizations nest one level too
            # deep for torch.concat).
            labelled = for_sdxl(prompt)
            cond, pooled = labelled.embeds, labelled.pooled_embeds
            try:
                seed_cond, seed_pooled = compel(prompt)
                assert torch.allclose(seed_cond, cond, atol=1e-6) and torch.equal(seed_pooled, pooled)
                seed = "same"
            except TypeError as e:
                seed = f"raises TypeError: {e}"
            # The pooled embedding is text_encoder_2's pooled output of the prompt's raw text (Compel
            # syntax included), truncated to 77 tokens, exactly what encode_prompt gives for that text.
            raw_pooled = pipe.encode_prompt(prompt, do_classifier_free_guidance=False)[2]
            assert torch.equal(pooled, raw_pooled), prompt
            cases.append(
                {
                    "prompt": prompt,
                    "conditioning": golden.save(f"case{i}-conditioning", cond),
                    "pooled": golden.save(f"case{i}-pooled", pooled),
                    "seed_call": seed,
                }
            )
        # A long prompt and its shorter negative prompt: the seed's compel([prompt, negative]) pads
        # the shorter with the empty prompt's encoding - when it can: EmbeddingsProviderMulti has no
        # empty_z, so compel raises for two different lengths. CompelForSDXL pads each encoder's half
        # with that encoder's empty encoding, which is what the seed's call would do.
        cond, pooled = compel(LONG_PROMPT)
        uncond, negative_pooled = compel(LONG_NEGATIVE)
        seed_failure = None
        try:
            compel([LONG_PROMPT, LONG_NEGATIVE])
        except Exception as e:  # the seed network's failure, recorded
            seed_failure = f"{type(e).__name__}: {e}"
        labelled = for_sdxl(LONG_PROMPT, negative_prompt=LONG_NEGATIVE)
        assert torch.allclose(labelled.embeds, cond, atol=1e-6)
        assert torch.equal(labelled.pooled_embeds, pooled)
        assert torch.equal(labelled.negative_pooled_embeds, negative_pooled)
        uncond_padded = labelled.negative_embeds
        assert torch.allclose(uncond_padded[:, : uncond.shape[1]], uncond, atol=1e-6)
        chunks = cond.shape[1] // 77
        assert chunks >= 2 and uncond.shape[1] == 77, (cond.shape, uncond.shape)
        first_chunk_only = pipe.encode_prompt(LONG_PROMPT, negative_prompt=LONG_NEGATIVE)
        sample, timesteps, time_ids = unet_inputs()
        context = torch.cat([cond, uncond_padded])
        cond_kwargs = {"text_embeds": torch.cat([pooled, negative_pooled]), "time_ids": time_ids}
        unet_out = pipe.unet(sample, timesteps, encoder_hidden_states=context, added_cond_kwargs=cond_kwargs).sample
        first_77 = pipe.unet(
            sample, timesteps, encoder_hidden_states=context[:, :77], added_cond_kwargs=cond_kwargs
        ).sample

    # A whole generation on the weighted long prompt, the conditioning handed to the pipeline as the
    # seed network does.
    run, _ = txt2img(
        golden,
        pipe,
        "Euler",
        LONG_PROMPT,
        LONG_NEGATIVE,
        seed=5,
        prompt_embeds=cond,
        pooled_prompt_embeds=pooled,
        negative_prompt_embeds=uncond_padded,
        negative_pooled_prompt_embeds=negative_pooled,
    )
    run["note"] = (
        "pipe(prompt_embeds=cond, pooled_prompt_embeds=pooled, negative_prompt_embeds=uncond_padded,"
        " negative_pooled_prompt_embeds=negative_pooled, ...)"
    )
    golden.write_index(
        {
            "reference": "sdxl-compel",
            "base_model": "sdxl",
            "made_by": MADE_BY + f"; compel {compel_module.__version__ if hasattr(compel_module, '__version__') else '2.4'}"
            " (github damian0815/compel, git c60b9fb)",
            "tensor_format": "raw little-endian float32, row-major, shape in the entry",
            "compel": {
                "constructed_as": "CompelForSDXL(pipe) (compel_1 on text_encoder, compel_2 on text_encoder_2 with"
                " requires_pooled, both PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED, truncate_long_prompts=False),"
                " with compel's blend fix (issue #130 / PR #131). The seed network's call, Compel(tokenizer="
                "[pipe.tokenizer, pipe.tokenizer_2], text_encoder=[...], returned_embeddings_type="
                "PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED, requires_pooled=[False, True], truncate_long_prompts="
                "False), gives the same conditioning and pooled where it runs (each case's seed_call)",
                "conditioning": "per encoder compel's SD rules (weights from the encoder's own empty encoding,"
                " down-weights by masking, chunks of 77 with the encoder's own padding) on hidden_states[-2],"
                " concatenated along the width (text_encoder first): [1, 77 x chunks, 64]",
                "pooled": "text_encoder_2's pooled output (text_embeds) of the prompt's RAW text, Compel syntax"
                " included, tokenized with truncation to 77 (so a long prompt's first 75 tokens) and no weights:"
                " exactly encode_prompt's pooled_prompt_embeds for that text; .blend() and .and() prompts too",
                "empty_z": golden.save("empty_z", empty),
                "empty_pooled": golden.save("empty_pooled", empty_pooled),
                "seed_call_with_long_prompt_and_shorter_negative": seed_failure,
            },
            "cases": cases,
            "long_prompt": {
                "prompt": LONG_PROMPT,
                "negative_prompt": LONG_NEGATIVE,
                "chunks": chunks,
                "cond": golden.save("long-cond", cond),
                "pooled": golden.save("long-pooled", pooled),
                "uncond_unpadded": golden.save("long-uncond", uncond),
                "negative_pooled": golden.save("long-negative-pooled", negative_pooled),
                "uncond_padded": golden.save("long-uncond-padded", uncond_padded),
                "padding": "CompelForSDXL(pipe)(prompt, negative_prompt=...): each encoder's half padded with its"
                " own empty encoding (= empty_z appended); the seed's compel([prompt, negative]) raises instead",
                "first_chunk_only_differs_by": float((first_chunk_only[0] - cond[:, :77]).abs().max()),
            },
            "unet_call_long": {
                "sample": golden.save("unet_in", sample),
                "timesteps": [int(t) for t in timesteps],
                "encoder_hidden_states": "cat([cond, uncond_padded])",
                "text_embeds": "cat([pooled, negative_pooled])",
                "time_ids": time_ids.tolist(),
                "out": golden.save("unet_out_long", unet_out),
                "differs_from_first_77_only_by": float((unet_out - first_77).abs().max()),
            },
            "txt2img": [run],
        }
    )
    print("sdxl-compel:", chunks, "chunks; seed call:", seed_failure)


# ---- sdxl-controlnet ----

CONTROL_SCALE = 0.7


def make_controlnet():
    import inspect

    from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline
    from PIL import Image

    golden = Golden("sdxl-controlnet")
    torch.manual_seed(13)
    pipe = load_base()
    # A small SDXL ControlNet (like diffusers' controlnet-*-sdxl-1.0-small): the UNet's encoder
    # half with the same widths and text_time added conditioning, one transformer layer per block
    # and a small conditioning embedding; random weights, zero convs included, stored in fp16.
    fields = inspect.signature(ControlNetModel.__init__).parameters
    config = {k: v for k, v in pipe.unet.config.items() if k in fields}
    config["transformer_layers_per_block"] = [1, 1, 1]
    config["conditioning_embedding_out_channels"] = (8, 8, 16, 16)
    controlnet = ControlNetModel(**config)
    with torch.no_grad():
        for parameter in controlnet.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
            parameter.copy_(parameter.half().float())
    assert controlnet.config.addition_embed_type == "text_time"
    controlnet.half().save_pretrained(golden.dir / "controlnet", safe_serialization=True)
    controlnet = ControlNetModel.from_pretrained(golden.dir / "controlnet", torch_dtype=torch.float32).eval()

    # The control image: the sd15-controlnet reference's canny map (controlnet_aux, 64x64).
    control_png = golden.dir / "golden" / "control.png"
    shutil.copyfile(out_root / "sd15-controlnet" / "golden" / "canny.png", control_png)
    control = Image.open(control_png).convert("RGB")
    cn_pipe = StableDiffusionXLControlNetPipeline(
        vae=pipe.vae,
        text_encoder=pipe.text_encoder,
        text_encoder_2=pipe.text_encoder_2,
        tokenizer=pipe.tokenizer,
        tokenizer_2=pipe.tokenizer_2,
        unet=pipe.unet,
        controlnet=controlnet,
        scheduler=pipe.scheduler,
    )
    cn_pipe.set_progress_bar_config(disable=True)
    h, w = 64, 64
    image = cn_pipe.prepare_image(
        control, w, h, 1, 1, "cpu", torch.float32, do_classifier_free_guidance=True
    )
    assert image.shape == (2, 3, h, w)

    sample, timesteps, _ = unet_inputs()
    sample = sample[:, :, :8, :8].contiguous()
    with torch.no_grad():
        embeds, negative_embeds, pooled, negative_pooled = pipe.encode_prompt(PROMPT, negative_prompt=NEGATIVE)
    context = torch.cat([embeds, negative_embeds])
    time_ids = torch.tensor([[64.0, 64.0, 0.0, 0.0, 64.0, 64.0]] * 2)
    cond = {"text_embeds": torch.cat([pooled, negative_pooled]), "time_ids": time_ids}
    with torch.no_grad():
        down, mid = controlnet(
            sample,
            timesteps,
            encoder_hidden_states=context,
            controlnet_cond=image,
            conditioning_scale=CONTROL_SCALE,
            added_cond_kwargs=cond,
            return_dict=False,
        )
        unet_out = pipe.unet(
            sample,
            timesteps,
            encoder_hidden_states=context,
            added_cond_kwargs=cond,
            down_block_additional_residuals=down,
            mid_block_additional_residual=mid,
        ).sample
        plain = pipe.unet(sample, timesteps, encoder_hidden_states=context, added_cond_kwargs=cond).sample

    run, latents = txt2img(
        golden,
        cn_pipe,
        "Euler",
        PROMPT,
        NEGATIVE,
        seed=6,
        height=h,
        width=w,
        image=control,
        controlnet_conditioning_scale=CONTROL_SCALE,
    )
    run["controlnet_conditioning_scale"] = CONTROL_SCALE
    check = Golden("sdxl-controlnet-check")
    _, base_latents = txt2img(check, pipe, "Euler", PROMPT, NEGATIVE, seed=6, height=h, width=w)
    shutil.rmtree(check.dir)
    checks = {
        "controlnet_vs_no_controlnet_unet": float((unet_out - plain).abs().max()),
        "controlnet_vs_base_latents": float((latents - base_latents).abs().max()),
    }
    assert all(v > 1e-2 for v in checks.values()), checks
    golden.write_index(
        {
            "reference": "sdxl-controlnet",
            "base_model": "sdxl",
            "made_by": MADE_BY,
            "tensor_format": "raw little-endian float32, row-major, shape in the entry",
            "controlnet": {
                "dir": "controlnet",
                "made_with": "ControlNetModel(the sdxl UNet's config: block_out_channels, layers_per_block,"
                " attention_head_dim, cross_attention_dim 64, addition_embed_type text_time, addition_time_embed_dim"
                " 8, projection_class_embeddings_input_dim 96; transformer_layers_per_block [1, 1, 1],"
                " conditioning_embedding_out_channels (8, 8, 16, 16)), default init + N(0, 0.05), stored fp16",
            },
            "control_png": "golden/control.png",
            "control_note": "the sd15-controlnet reference's canny map (controlnet_aux CannyDetector 100/200), used"
            " as the control image as it is (no preprocessing)",
            "control_image": {
                "out": golden.save("control_image", image),
                "note": "StableDiffusionXLControlNetPipeline.prepare_image(control, 64, 64, batch 1, cfg): x/255,"
                " NCHW, cat([img, img])",
            },
            "controlnet_call": {
                "sample": golden.save("cn_sample", sample),
                "timesteps": [int(t) for t in timesteps],
                "encoder_hidden_states": golden.save("cn_ehs", context),
                "ehs_note": "encode_prompt(prompt, negative_prompt): item 0 prompt_embeds, item 1 negative",
                "text_embeds": golden.save("cn_text_embeds", cond["text_embeds"]),
                "time_ids": time_ids.tolist(),
                "controlnet_cond": "control_image",
                "conditioning_scale": CONTROL_SCALE,
                "guess_mode": False,
                "down_block_res_samples": [golden.save(f"cn_down{i}", d) for i, d in enumerate(down)],
                "mid_block_res_sample": golden.save("cn_mid", mid),
            },
            "unet_call": {
                "inputs": "controlnet_call's sample, timesteps, encoder_hidden_states, text_embeds and time_ids",
                "out": golden.save("unet_out", unet_out),
            },
            "txt2img": [run],
            "checks": checks,
        }
    )
    print("sdxl-controlnet:", checks, len(down), "down residuals")


# ---- sdxl-refiner-lora ----

REFINER_RANK = 4
REFINER_SPLIT = 0.5
REFINER_RUN = {"steps": 10, "cfg": 5.0, "height": 64, "width": 128}


def load_refiner(**components):
    refiner_dir = out_root / "sdxl-refiner" / "model"
    pipe = StableDiffusionXLImg2ImgPipeline.from_pretrained(refiner_dir, **components)
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = EulerDiscreteScheduler.from_config(refiner_index()["ensemble"]["scheduler_config"])
    return pipe


def refiner_index():
    return json.loads((out_root / "sdxl-refiner" / "golden" / "index.json").read_text())


def load_sdxl_lora(pipe, state, adapter):
    pipe.load_lora_weights(state, adapter_name=adapter)
    pipe.set_adapters([adapter], adapter_weights=[LORA_SCALE])


@torch.no_grad()
def decode(pipe, latents):
    return (pipe.vae.decode(latents / SCALING).sample / 2 + 0.5).clamp(0, 1)


def ensemble(golden, base, refiner, label, seed):
    """Base to the split, the refiner from there (diffusers' denoising_end / denoising_start)."""
    base.scheduler = EulerDiscreteScheduler.from_config(refiner_index()["ensemble"]["scheduler_config"])
    h, w = REFINER_RUN["height"], REFINER_RUN["width"]
    noise = torch.randn(1, 4, h // 8, w // 8, generator=torch.Generator().manual_seed(seed))
    times = {}

    def recorder(name, unet):
        def hook(module, args, kwargs):
            times.setdefault(name, kwargs["added_cond_kwargs"]["time_ids"].tolist())

        return unet.register_forward_pre_hook(hook, with_kwargs=True)

    hooks = [recorder("base", base.unet), recorder("refiner", refiner.unet)]
    common = {
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "num_inference_steps": REFINER_RUN["steps"],
        "guidance_scale": REFINER_RUN["cfg"],
        "output_type": "latent",
    }
    handover = base(
        **common, height=h, width=w, latents=noise.clone(), denoising_end=REFINER_SPLIT
    ).images
    latents = refiner(**common, image=handover, denoising_start=REFINER_SPLIT).images
    for hook in hooks:
        hook.remove()
    return {
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "steps": REFINER_RUN["steps"],
        "cfg": REFINER_RUN["cfg"],
        "split": REFINER_SPLIT,
        "batch": 1,
        "height": h,
        "width": w,
        "scheduler_config": dict(refiner.scheduler.config),
        "base_add_time_ids_used": times["base"],
        "refiner_add_time_ids_used": times["refiner"],
        "noise": golden.save(f"{label}-noise", noise),
        "handover_latents": golden.save(f"{label}-handover", handover),
        "final_latents": golden.save(f"{label}-latents", latents),
        "image": golden.save(f"{label}-image", decode(refiner, latents)),
    }, latents


def img2img(golden, refiner, label, seed):
    """The refiner alone on the sdxl-refiner reference's input image; its two random draws (the
    posterior's eps, then the noise added at the first step) are stored to be injected."""
    entry = refiner_index()["img2img"]
    raw = (out_root / "sdxl-refiner" / entry["image"]["file"]).read_bytes()
    image = torch.frombuffer(bytearray(raw), dtype=torch.float32).reshape(entry["image"]["shape"])
    shape = (1, 4, REFINER_RUN["height"] // 8, REFINER_RUN["width"] // 8)
    draws = torch.Generator().manual_seed(seed)
    eps = randn_tensor(shape, generator=draws)
    noise = randn_tensor(shape, generator=draws)
    times = {}

    def record(module, args, kwargs):
        times.setdefault("t", kwargs["added_cond_kwargs"]["time_ids"].tolist())

    hook = refiner.unet.register_forward_pre_hook(record, with_kwargs=True)
    latents = refiner(
        prompt=PROMPT,
        negative_prompt=NEGATIVE,
        image=image,
        strength=entry["strength"],
        num_inference_steps=REFINER_RUN["steps"],
        guidance_scale=REFINER_RUN["cfg"],
        generator=torch.Generator().manual_seed(seed),
        output_type="latent",
    ).images
    hook.remove()
    return {
        "scheduler": "Euler",
        "scheduler_config": dict(refiner.scheduler.config),
        "steps": REFINER_RUN["steps"],
        "strength": entry["strength"],
        "cfg": REFINER_RUN["cfg"],
        "batch": 1,
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "height": REFINER_RUN["height"],
        "width": REFINER_RUN["width"],
        "add_time_ids_used": times["t"],
        "image": {**entry["image"], "file": "../sdxl-refiner/" + entry["image"]["file"]},
        "image_note": "the sdxl-refiner reference's img2img input image",
        "vae_posterior_eps": golden.save(f"{label}-vae_eps", eps),
        "noise": golden.save(f"{label}-noise", noise),
        "final_latents": golden.save(f"{label}-latents", latents),
        "output_image": golden.save(f"{label}-image", decode(refiner, latents)),
    }, latents


def refiner_lora_state(refiner):
    """A LoRA trained for the refiner, as diffusers' SDXL LoRA training saves it: peft names
    (unet.<module>.lora_A/B.weight, text_encoder_2.<module>...), no alpha (alpha = rank); the
    attention projections, feed-forwards and resnet convs of the UNet (3x3 convs at rank 2) and
    q/k/v/out_proj of text_encoder_2."""
    state = {}
    for prefix, network in (("unet.", refiner.unet), ("text_encoder_2.", refiner.text_encoder_2)):
        for name, module in network.named_modules():
            if isinstance(module, torch.nn.Linear):
                wanted = (".to_q", ".to_k", ".to_v", ".to_out.0", ".ff.net.2", "proj_in", "proj_out")
                if prefix == "text_encoder_2.":
                    wanted = ("q_proj", "k_proj", "v_proj", "out_proj")
                if not name.endswith(wanted):
                    continue
                a = torch.randn(REFINER_RANK, module.in_features) * 0.3
                b = torch.randn(module.out_features, REFINER_RANK) * 0.3
            elif isinstance(module, torch.nn.Conv2d) and prefix == "unet." and name.endswith(("conv1", "conv2")):
                a = torch.randn(2, module.in_channels, *module.kernel_size) * 0.3
                b = torch.randn(module.out_channels, 2, 1, 1) * 0.3
            else:
                continue
            state[f"{prefix}{name}.lora_A.weight"] = a.half().contiguous()
            state[f"{prefix}{name}.lora_B.weight"] = b.half().contiguous()
    return state


def make_refiner_lora():
    golden = Golden("sdxl-refiner-lora")
    torch.manual_seed(13)
    base_lora_file = out_root / "sdxl-lora" / "lora" / "tiny_locon_sdxl_kohya.safetensors"
    base_state = load_file(str(base_lora_file))

    # 1. The ensemble with the base LoRA. diffusers: the base pipeline loads it whole; the refiner
    # pipeline (StableDiffusionXLImg2ImgPipeline: text_encoder_2 and the UNet) loads the file's
    # text_encoder_2 modules (its UNet modules are for the base's UNet, which the refiner's is not).
    base = load_base()
    load_sdxl_lora(base, diffusers_loadable(base, base_state), "base")
    refiner = load_refiner()
    load_sdxl_lora(refiner, {k: v for k, v in base_state.items() if k.startswith("lora_te2_")}, "te2")
    # The refiner's own prompt encoding with those modules (the LoRA's effect on the refiner is
    # there; on the final latents it is within their tolerance).
    text, (embeds, _, pooled, _) = text_case(golden, refiner, "refiner_neg_text", PROMPT, NEGATIVE)
    with torch.no_grad():
        plain_text = load_refiner().encode_prompt(PROMPT, negative_prompt=NEGATIVE)
    ens, ens_latents = ensemble(golden, base, refiner, "ens", seed=21)
    # The seed network's way: the refiner shares the base pipeline's LoRA'd text_encoder_2.
    shared = load_refiner(text_encoder_2=base.text_encoder_2, vae=base.vae)
    _, shared_latents = ensemble(Golden("sdxl-refiner-lora-check"), base, shared, "ens", seed=21)
    # Without the LoRA on the refiner at all, and without any LoRA.
    _, refiner_plain_latents = ensemble(
        Golden("sdxl-refiner-lora-check"), base, load_refiner(), "ens", seed=21
    )
    _, no_lora_latents = ensemble(Golden("sdxl-refiner-lora-check"), load_base(), load_refiner(), "ens", seed=21)

    # 2. img2img on the refiner alone with a LoRA trained for the refiner.
    refiner = load_refiner()
    state = refiner_lora_state(refiner)
    (golden.dir / "lora").mkdir()
    refiner_lora_file = golden.dir / "lora" / "tiny_refiner_lora_peft.safetensors"
    save_file(state, str(refiner_lora_file))
    load_sdxl_lora(refiner, load_file(str(refiner_lora_file)), "refiner")
    peft_layers = sum(
        1
        for network in ("unet", "text_encoder_2")
        for _, m in getattr(refiner, network).named_modules()
        if hasattr(m, "lora_A") and "refiner" in m.lora_A
    )
    assert peft_layers == len(state) // 2, (peft_layers, len(state))
    i2i, i2i_latents = img2img(golden, refiner, "i2i", seed=22)
    _, i2i_plain = img2img(Golden("sdxl-refiner-lora-check"), load_refiner(), "i2i", seed=22)
    shutil.rmtree(out_root / "sdxl-refiner-lora-check")

    checks = {
        "shared_text_encoder_2_vs_refiner_lora_latents": float((shared_latents - ens_latents).abs().max()),
        "lora_on_refiner_effect_prompt_embeds": float((plain_text[0] - embeds).abs().max()),
        "lora_on_refiner_effect_pooled": float((plain_text[2] - pooled).abs().max()),
        "lora_on_refiner_latents_difference": float((refiner_plain_latents - ens_latents).abs().max()),
        "lora_effect_latents": float((no_lora_latents - ens_latents).abs().max()),
        "refiner_lora_effect_img2img_latents": float((i2i_plain - i2i_latents).abs().max()),
    }
    assert checks["shared_text_encoder_2_vs_refiner_lora_latents"] < 1e-4, checks
    # Each effect well above its parity tolerance (network calls 1e-4 x max(1, max |ref|), final
    # latents 5e-4 x max(1, max |ref|)).
    tolerances = {
        "prompt_embeds": 1e-4 * max(1.0, float(embeds.abs().max())),
        "pooled": 1e-4 * max(1.0, float(pooled.abs().max())),
        "latents": 5e-4 * max(1.0, float(ens_latents.abs().max()), float(i2i_latents.abs().max())),
    }
    for name, value in checks.items():
        if "effect" in name:
            kind = "pooled" if "pooled" in name else "prompt_embeds" if "prompt_embeds" in name else "latents"
            assert value > 5 * tolerances[kind], (name, checks)
    golden.write_index(
        {
            "reference": "sdxl-refiner-lora",
            "base_model": "sdxl",
            "refiner": "sdxl-refiner",
            "made_by": MADE_BY,
            "tensor_format": "raw little-endian float32, row-major, shape in the entry",
            "text_embeddings": {
                "pipeline_call": "StableDiffusionXLImg2ImgPipeline.encode_prompt(prompt, negative_prompt,"
                " do_classifier_free_guidance=True) on the refiner with the ensemble's LoRA (its text_encoder_2"
                " modules) loaded",
                "cases": [text],
            },
            "refiner_lora": {
                "ensemble": {
                    "lora": {"file": "../sdxl-lora/lora/tiny_locon_sdxl_kohya.safetensors", "scale": LORA_SCALE},
                    "loaded_with": "base: pipe.load_lora_weights(file) (all 280 modules); refiner"
                    " (StableDiffusionXLImg2ImgPipeline): refiner.load_lora_weights(the file's lora_te2_ modules);"
                    " both set_adapters(..., adapter_weights=[0.8])",
                    "note": "base: pipe(prompt, negative_prompt, latents=noise, denoising_end=split,"
                    " output_type='latent'); refiner: pipe(prompt, negative_prompt, image=handover,"
                    " denoising_start=split); image = (vae.decode(x/0.13025)/2+0.5).clamp(0,1); Euler both",
                    **ens,
                },
                "img2img": {
                    "lora": {"file": "lora/tiny_refiner_lora_peft.safetensors", "scale": LORA_SCALE},
                    "lora_format": "peft names as diffusers' SDXL LoRA training saves them:"
                    " unet.<module>.lora_A.weight / lora_B.weight (attention to_q/k/v/out.0, ff.net.2, proj_in/out"
                    " rank 4; resnet conv1/conv2 3x3 rank 2) and text_encoder_2.<module> (q/k/v/out_proj rank 4);"
                    " fp16, no alpha (alpha = rank)",
                    "modules": len(state) // 2,
                    "loaded_with": "refiner.load_lora_weights(file); refiner.set_adapters(['refiner'],"
                    " adapter_weights=[0.8])",
                    "note": "pipe(prompt, negative_prompt, image, strength, num_inference_steps, guidance_scale,"
                    " generator=torch seed): its two draws (posterior eps, then the noise added at the first step)"
                    " are stored: inject them",
                    **i2i,
                },
            },
            "checks": checks,
        }
    )
    print("sdxl-refiner-lora:", checks)


if "sdxl-lora" in wanted:
    make_lora()
if "sdxl-ti" in wanted:
    make_ti()
if "sdxl-compel" in wanted:
    make_compel()
if "sdxl-controlnet" in wanted:
    make_controlnet()
if "sdxl-refiner-lora" in wanted:
    make_refiner_lora()
