"""Writes engine-reference/safety-checker: a tiny random-weight Stable Diffusion safety checker
(diffusers' StableDiffusionSafetyChecker: a CLIP vision transformer, a visual projection and the
concept embeddings with their thresholds) in the layout of CompVis/stable-diffusion-safety-checker,
and what transformers and diffusers compute from it for three test images.

The images are smooth, non-square pictures (so CLIPImageProcessor's shortest-edge bicubic resize
and center crop both matter). Concept embeddings are set from the images' own embeddings so that
image 0 is flagged by a concept (score 0.003, just above the rounding), image 1 only through the special-care adjustment (+0.01), and
image 2 not at all; every other threshold sits above any cosine.

Output: checker/{config.json, model.safetensors, preprocessor_config.json}, images/N.png (the
inputs), crops/N.png (the 224x224 resized and cropped pixels the processor feeds the network) and
reference.json (image_embeds, special and concept cosines, flags).

Usage: PYTHONPATH=<diffusers>/src python make_safety_checker_reference.py OUT_DIR
"""

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
from safetensors.torch import load_file, save_file
from transformers import CLIPConfig
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

out = Path(sys.argv[1])
if out.exists():
    shutil.rmtree(out)
(out / "checker").mkdir(parents=True)
(out / "images").mkdir()
(out / "crops").mkdir()
torch.manual_seed(7)

config = CLIPConfig(
    text_config={"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4,
                 "num_hidden_layers": 1, "vocab_size": 1000},
    vision_config={"hidden_size": 16, "intermediate_size": 37, "num_attention_heads": 2,
                   "num_hidden_layers": 2, "patch_size": 32, "image_size": 224},
    projection_dim=16,
)
checker = StableDiffusionSafetyChecker(config).eval()
with torch.no_grad():
    for name, p in checker.named_parameters():
        if "embeds" not in name:
            p.add_(torch.randn_like(p) * 0.1)

processor = CLIPImageProcessorPil()


def picture(width, height, phase):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / (7 + phase) + phase)
    g = 127.5 + 127.5 * np.cos(y / (5 + 2 * phase) - x / 11)
    b = 255 * ((x - width / 2) ** 2 + (y - height / 2) ** 2 < (min(width, height) / (3 + phase)) ** 2)
    return Image.fromarray(np.stack([r, g, b], -1).round().clip(0, 255).astype(np.uint8))


images = [picture(96, 64, 0), picture(64, 80, 1), picture(300, 256, 2)]
for i, image in enumerate(images):
    image.save(out / "images" / f"{i}.png")
clip_input = processor(images, return_tensors="pt").pixel_values

# the crops as 8-bit pixels: the processor's resize and crop, before rescaling
for i, image in enumerate(images):
    w, h = image.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(224 * long / short)
    size = (224, new_long) if w <= h else (new_long, 224)
    resized = image.resize(size, Image.BICUBIC)
    left, top = (size[0] - 224) // 2, (size[1] - 224) // 2
    crop = resized.crop((left, top, left + 224, top + 224))
    expected = (np.asarray(crop, dtype=np.float64) * (1 / 255)).astype(np.float32)
    mean = np.array(processor.image_mean, dtype=np.float32)
    std = np.array(processor.image_std, dtype=np.float32)
    normalized = (expected - mean) / std
    assert np.array_equal(normalized.transpose(2, 0, 1), clip_input[i].numpy()), "crop differs"
    crop.save(out / "crops" / f"{i}.png")

with torch.no_grad():
    pooled = checker.vision_model(clip_input)[1]
    embeds = checker.visual_projection(pooled)
    unit = torch.nn.functional.normalize(embeds)
    concept = torch.nn.functional.normalize(torch.randn(17, 16))
    special = torch.nn.functional.normalize(torch.randn(3, 16))
    concept[4] = unit[0]
    special[1] = unit[1]
    concept[9] = unit[1]
    concept_weights = torch.full((17,), 1.5)
    special_weights = torch.full((3,), 1.5)
    concept_weights[4] = 0.997
    special_weights[1] = 0.995
    concept_weights[9] = 1.005
    checker.concept_embeds.copy_(concept)
    checker.special_care_embeds.copy_(special)
    checker.concept_embeds_weights.copy_(concept_weights)
    checker.special_care_embeds_weights.copy_(special_weights)
    cos = (unit @ concept.t()).numpy()
    special_cos = (unit @ special.t()).numpy()
    blacked, flags = checker(images=np.ones((3, 8, 8, 3)), clip_input=clip_input)

assert flags == [True, True, False], flags
checker.save_pretrained(out / "checker", safe_serialization=True)
processor.save_pretrained(out / "checker")
# the published checker's key names: transformers 5 saves CLIPVisionModel's inner vision_model
# one level up; the files people have (CompVis/stable-diffusion-safety-checker, the safety_checker
# folder of SD 1.x repos) nest it twice, and loaders read both
weights = load_file(out / "checker" / "model.safetensors")
renamed = {
    ("vision_model." + k if k.startswith("vision_model.") else k): v for k, v in weights.items()
}
save_file(renamed, out / "checker" / "model.safetensors", metadata={"format": "pt"})
reloaded = StableDiffusionSafetyChecker.from_pretrained(out / "checker").eval()
with torch.no_grad():
    again = reloaded.visual_projection(reloaded.vision_model(clip_input)[1])
assert torch.equal(again, embeds), "the renamed file does not load as the same checker"
reference = {
    "image_embeds": embeds.tolist(),
    "special_cos": special_cos.tolist(),
    "concept_cos": cos.tolist(),
    "flagged": flags,
}
(out / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
print("flags", flags, "files", sorted(p.name for p in (out / "checker").iterdir()))
