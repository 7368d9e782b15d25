"""controlnet_aux's ContentShuffleDetector core on the sd15-controlnet input (64x64, so its
resize_image steps are no-ops) after np.random.seed(seed): test data for ContentShuffle
(opencv-python-headless 5.0.0; run from the repo root)."""
import cv2
import numpy as np
from PIL import Image

GOLDEN = "engine/src/test/resources/engine-reference/sd15-controlnet/golden/input.png"
OUT = "engine/src/test/resources/controlnet/"


def make_noise_disk(H, W, C, F):
    noise = np.random.uniform(low=0, high=1, size=((H // F) + 2, (W // F) + 2, C))
    noise = cv2.resize(noise, (W + 2 * F, H + 2 * F), interpolation=cv2.INTER_CUBIC)
    noise = noise[F : F + H, F : F + W]
    noise -= np.min(noise)
    noise /= np.max(noise)
    if C == 1:
        noise = noise[:, :, None]
    return noise


image = np.array(Image.open(GOLDEN).convert("RGB"))
H, W, _ = image.shape
for seed, f in [(42, 16), (7, 256)]:
    np.random.seed(seed)
    x = make_noise_disk(H, W, 1, f) * float(W - 1)
    y = make_noise_disk(H, W, 1, f) * float(H - 1)
    flow = np.concatenate([x, y], axis=2).astype(np.float32)
    shuffled = cv2.remap(image, flow, None, cv2.INTER_LINEAR)
    Image.fromarray(shuffled).save(f"{OUT}shuffle_seed{seed}_f{f}.png")
    print(seed, f, shuffled.mean())
