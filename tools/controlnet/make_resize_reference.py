"""Pillow's Lanczos resizes of the sd15-controlnet input image, as diffusers' VaeImageProcessor
resizes a control image to the task size: test data for LanczosResize (run from the repo root)."""
from PIL import Image

SOURCE = "engine/src/test/resources/engine-reference/sd15-controlnet/golden/input.png"
OUT = "engine/src/test/resources/controlnet/"
image = Image.open(SOURCE).convert("RGB")
for width, height in [(96, 80), (40, 24), (64, 128)]:
    image.resize((width, height), resample=Image.LANCZOS).save(f"{OUT}input_lanczos_{width}x{height}.png")
print("Pillow", Image.__version__ if hasattr(Image, "__version__") else "")
