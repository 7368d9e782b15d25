"""Reference pHash values for engine PerceptualHashTest (run by hand; CI never runs Python).

Our pHash: grayscale, area-average resize to 32x32 (exact 8x8 block means for a 256x256 image),
scipy DCT-II on both axes, top-left 8x8 > median, first coefficient most significant. Also prints
imagehash.phash's value (PIL Lanczos resize) for comparison of the two resizes.
"""
import numpy as np
import scipy.fftpack
from PIL import Image


def pattern(size):
    y, x = np.mgrid[0:size, 0:size]
    return ((x * 7 + y * 13 + (x * y) % 31) % 256).astype(np.uint8)


def bits_to_hex(bits):
    v = 0
    for b in bits.flatten():
        v = (v << 1) | int(b)
    return "%016x" % v


def phash(pixels32):
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels32, axis=0), axis=1)
    low = dct[:8, :8]
    return bits_to_hex(low > np.median(low))


img = pattern(256).astype(np.float64)
box = img.reshape(32, 8, 32, 8).mean(axis=(1, 3))
print("ours     ", phash(box))
lanczos = np.asarray(Image.fromarray(pattern(256)).resize((32, 32), Image.LANCZOS), dtype=np.float64)
print("imagehash", phash(lanczos))
