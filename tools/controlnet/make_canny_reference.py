"""cv2.Canny edge maps as controlnet_aux's CannyDetector computes them (detect resolution = the
short side, so no resize: pad bottom/right to multiples of 64 by edge replication, Canny on the RGB
array, crop, three channels), for other thresholds and a size that needs padding: test data for
CannyDetector (opencv-python-headless 5.0.0, as the reference; run from the repo root)."""
import cv2
import numpy as np
from PIL import Image

GOLDEN = "engine/src/test/resources/engine-reference/sd15-controlnet/golden/input.png"
OUT = "engine/src/test/resources/controlnet/"


def pad64(x):
    return int(np.ceil(float(x) / 64.0) * 64 - x)


def canny(rgb, low, high):
    h, w, _ = rgb.shape
    padded = np.pad(rgb, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")
    edges = cv2.Canny(padded, low, high)[:h, :w]
    return np.repeat(edges[:, :, None], 3, axis=2)


cases = [
    ("input.png", GOLDEN, 50, 150),
    ("input.png", GOLDEN, 200, 100),
    ("input.png", GOLDEN, 10, 30),
    ("input_lanczos_96x80.png", OUT + "input_lanczos_96x80.png", 100, 200),
    ("input_lanczos_40x24.png", OUT + "input_lanczos_40x24.png", 60, 120),
]
for name, path, low, high in cases:
    rgb = np.array(Image.open(path).convert("RGB"))
    edges = canny(rgb, low, high)
    stem = name[: -len(".png")]
    Image.fromarray(edges).save(f"{OUT}canny_{stem}_{low}_{high}.png")
    print(name, low, high, "edge fraction", (edges[:, :, 0] > 0).mean())
print("opencv", cv2.__version__)
