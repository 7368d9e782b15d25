"""OpenCV reference outputs for the engine's OpenCV-exact image operations (OpenCvResize,
OpenCvFilter, OpenCvWarp, OpenCvDraw) and controlnet_aux's util helpers (AnnotatorImages).

Reference: opencv-python-headless 5.0.0 (the wheel in the local pip mirror; the version is checked
below), numpy 2.x. Run from the repo root:

    PIP_INDEX_URL=file:///opt/pypi/simple pip install opencv-python-headless numpy
    python tools/annotators/make_opencv_reference.py

Writes engine/src/test/resources/opencv/<group>.bin.gz: gzip of records, each one ASCII header
line `name key=value ... dtype=u8|f32|i32|f64 shape=d0,d1,...` followed by the array's raw
little-endian bytes, or for 8-bit outputs (stored=sha256) the 32-byte SHA-256 of those bytes, which
the tests compare exactly. Inputs are records too (named input_*); cases name theirs with src=.
"""
import gzip
import hashlib
import math
import os

import cv2
import numpy as np

OUT = "engine/src/test/resources/opencv/"
EXPECTED_OPENCV = "5.0.0"

DTYPES = {np.dtype(np.uint8): "u8", np.dtype(np.float32): "f32", np.dtype(np.int32): "i32",
          np.dtype(np.float64): "f64"}


class Group:
    def __init__(self, name):
        self.name = name
        self.parts = []

    def add(self, name, array, **params):
        """Adds an array; exact outputs (8-bit, or exact=1) are stored as their SHA-256 only."""
        array = np.ascontiguousarray(array)
        full = params.pop("full", False)
        digest = "src" in params and not full and (array.dtype == np.uint8 or params.pop("exact", False))
        if digest:
            params["stored"] = "sha256"
        fields = [name] + [f"{k}={v}" for k, v in params.items()]
        fields.append("dtype=" + DTYPES[array.dtype])
        fields.append("shape=" + ",".join(str(d) for d in array.shape))
        self.parts.append((" ".join(fields) + "\n").encode("ascii"))
        data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        self.parts.append(hashlib.sha256(data).digest() if digest else data)

    def write(self):
        path = os.path.join(OUT, self.name + ".bin.gz")
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            for part in self.parts:
                f.write(part)
        print(path, os.path.getsize(path), "bytes")


def structured(h, w, c, seed):
    """Gradients, a disc, a bar, and some noise: content with edges and smooth areas."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w * 255, y / h * 255, (x + y) / (w + h) * 255][:c] +
                    [np.full((h, w), 128.0, np.float32)] * max(0, c - 3), axis=2)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(h, w) * 0.3) ** 2
    base[disc] = 255 - base[disc]
    base[h // 5:h // 5 + 3, :] = 20
    base += rng.normal(0, 6, base.shape)
    return np.clip(base, 0, 255).round().astype(np.uint8)


def noise(h, w, c, seed):
    return np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)


def squeeze(a):
    return a if a.ndim == 3 else a[:, :, None]


def resize_group():
    g = Group("resize")
    interps = {"NEAREST": cv2.INTER_NEAREST, "LINEAR": cv2.INTER_LINEAR, "CUBIC": cv2.INTER_CUBIC,
               "AREA": cv2.INTER_AREA, "LANCZOS4": cv2.INTER_LANCZOS4}
    inputs = {
        "input_s3": structured(29, 37, 3, 1),
        "input_n1": noise(23, 31, 1, 2),
        "input_n4": noise(17, 21, 4, 3),
        "input_s2": structured(19, 26, 2, 4),
    }
    floats = {
        "input_f3": np.random.default_rng(5).normal(0, 1, (9, 11, 3)).astype(np.float32),
        "input_f1": (structured(10, 12, 1, 6).astype(np.float32) / 255.0),
        "input_f5": np.random.default_rng(7).uniform(-2, 2, (7, 6, 5)).astype(np.float32),
    }
    for name, a in {**inputs, **floats}.items():
        g.add(name, a)
    # (name, output width, output height) relative to the input
    sizes = [(2.0, 2.0), (0.5, 0.5), (3.0, 3.0), (1 / 3, 1 / 3), (1.37, 0.81), (0.63, 1.9), (0.4, 0.55),
             (4.0, 1.0), (1.0, 0.25), (2.5, 2.5)]
    for src, a in {**inputs, **floats}.items():
        h, w = a.shape[:2]
        for fx, fy in sizes if a.dtype == np.uint8 else sizes[:6]:
            ow, oh = max(1, int(round(w * fx))), max(1, int(round(h * fy)))
            if fx in (2.0, 0.5, 3.0, 4.0, 1.0, 0.25) and fy in (2.0, 0.5, 3.0, 1.0, 0.25):
                ow, oh = max(1, int(w * fx)), max(1, int(h * fy))
            for iname, interp in interps.items():
                if a.shape[2] > 4 and iname == "AREA" and (ow < w or oh < h):
                    continue  # OpenCV's general area path takes at most 4 channels
                out = squeeze(cv2.resize(a if a.shape[2] > 1 else a[:, :, 0], (ow, oh), interpolation=interp))
                # 8-bit cubic on 1, 3 or 4 channels is not bit-exact (see OpenCvResize): in full
                full = iname == "CUBIC" and a.shape[2] != 2 and a.dtype == np.uint8
                if full and (fx, fy) not in ((0.5, 0.5), (1.37, 0.81)) + (((3.0, 3.0),) if src == "input_n1" else ()):
                    continue
                g.add(f"{src}_{iname}_{ow}x{oh}", out, src=src, interp=iname, full=full)
    # exact integer-factor shrinking: OpenCV's fast area path (linear too, at 2x)
    for c in (1, 2, 3, 4):
        name = f"input_even{c}"
        a = noise(24, 36, c, 30 + c)
        g.add(name, a)
        for k in (2, 3, 4):
            for iname in ("AREA", "LINEAR") if k == 2 else ("AREA",):
                out = squeeze(cv2.resize(a if c > 1 else a[:, :, 0], (36 // k, 24 // k),
                                         interpolation=interps[iname]))
                g.add(f"{name}_{iname}_fast{k}", out, src=name, interp=iname)
    f = np.random.default_rng(35).normal(0, 1, (12, 18, 3)).astype(np.float32)
    g.add("input_evenf", f)
    for k in (2, 3):
        g.add(f"input_evenf_AREA_fast{k}", cv2.resize(f, (18 // k, 12 // k), interpolation=cv2.INTER_AREA),
              src="input_evenf", interp="AREA")
    # controlnet_aux's resize_image-like sizes: long rows cross the SIMD widths
    wide = structured(9, 150, 3, 8)
    g.add("input_wide", wide)
    for ow, oh in ((300, 18), (64, 4), (97, 13), (151, 9)):
        for iname, interp in interps.items():
            if iname == "CUBIC" and ow == 300:
                continue
            g.add(f"input_wide_{iname}_{ow}x{oh}", cv2.resize(wide, (ow, oh), interpolation=interp),
                  src="input_wide", interp=iname, full=iname == "CUBIC")
    # 5 channels: OpenCV's own 8-bit paths (IPP takes 1, 3 and 4 channels only)
    five = noise(11, 13, 5, 10)
    g.add("input_n5", five)
    for ow, oh in ((26, 22), (7, 9), (20, 5)):
        for iname in ("NEAREST", "LINEAR", "CUBIC", "LANCZOS4"):
            g.add(f"input_n5_{iname}_{ow}x{oh}", cv2.resize(five, (ow, oh), interpolation=interps[iname]),
                  src="input_n5", interp=iname)
    # a detector-sized image: DWPose's YOLOX letterbox (linear up), Lanczos up, area down
    big = structured(97, 131, 3, 9)
    g.add("input_big", big)
    for (ow, oh), iname in (((640, 474), "LINEAR"), ((262, 194), "LANCZOS4"), ((48, 36), "AREA"),
                            ((96, 72), "LINEAR"), ((393, 291), "NEAREST")):
        g.add(f"input_big_{iname}_{ow}x{oh}", cv2.resize(big, (ow, oh), interpolation=interps[iname]),
              src="input_big", interp=iname)
    g.write()


LINE_KERNELS = [
    np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=np.uint8),
    np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], dtype=np.uint8),
    np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.uint8),
    np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0]], dtype=np.uint8),
]


def filter_group():
    g = Group("filter")
    u3 = structured(29, 37, 3, 11)
    u1 = noise(23, 19, 1, 12)
    f1 = np.random.default_rng(13).normal(0, 1, (19, 23, 1)).astype(np.float32)
    f3 = structured(13, 11, 3, 14).astype(np.float32) / 255.0
    for name, a in (("input_u3", u3), ("input_u1", u1), ("input_f1", f1), ("input_f3", f3)):
        g.add(name, a)
        img = a if a.shape[2] > 1 else a[:, :, 0]
        for kw, kh, sx, sy in ((0, 0, 3.0, 0), (0, 0, 0.8, 0), (0, 0, 1.5, 2.5), (3, 3, 0, 0), (5, 5, 0, 0),
                               (7, 7, 0, 0), (9, 9, 0, 0), (7, 5, 1.2, 0), (1, 5, 0, 2.0), (11, 3, 0, 0)):
            out = squeeze(cv2.GaussianBlur(img, (kw, kh), sx, sigmaY=sy))
            g.add(f"{name}_blur_{kw}_{kh}_{sx}_{sy}", out, src=name, op="blur", kw=kw, kh=kh, sx=sx, sy=sy)
        kernels = LINE_KERNELS + [cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)),
                                  np.ones((3, 2), np.uint8)]
        for i, k in enumerate(kernels):
            cells = "".join(str(int(v)) for v in k.ravel())
            for op, fn in (("dilate", cv2.dilate), ("erode", cv2.erode)):
                g.add(f"{name}_{op}_{i}", squeeze(fn(img, kernel=k)), src=name, op=op, kh=k.shape[0],
                      kw=k.shape[1], kernel=cells, exact=True)
    for n, sigma in ((3, 0), (5, 0), (7, 0), (9, 0), (19, 3.0), (5, 0.8), (13, 2.2)):
        g.add(f"kernel_{n}_{sigma}", cv2.getGaussianKernel(n, sigma).astype(np.float32).ravel(),
              op="kernel", n=n, sigma=sigma)
    g.write()


def annotator_group():
    """controlnet_aux.util's helpers, copied from controlnet_aux 0.0.10."""
    g = Group("annotator")

    def nms(x, t, s):
        x = cv2.GaussianBlur(x.astype(np.float32), (0, 0), s)
        y = np.zeros_like(x)
        for f in LINE_KERNELS:
            np.putmask(y, cv2.dilate(x, kernel=f) == x, x)
        z = np.zeros_like(y, dtype=np.uint8)
        z[y > t] = 255
        return z

    def safe_step(x, step=2):
        y = x.astype(np.float32) * float(step + 1)
        y = y.astype(np.int32).astype(np.float32) / float(step)
        return y

    def hwc3(x):
        if x.ndim == 2:
            x = x[:, :, None]
        C = x.shape[2]
        if C == 3:
            return x
        if C == 1:
            return np.concatenate([x, x, x], axis=2)
        color = x[:, :, 0:3].astype(np.float32)
        alpha = x[:, :, 3:4].astype(np.float32) / 255.0
        y = color * alpha + 255.0 * (1.0 - alpha)
        return y.clip(0, 255).astype(np.uint8)

    def min_max_norm(x):
        x -= np.min(x)
        x /= np.maximum(np.max(x), 1e-5)
        return x

    edges = cv2.GaussianBlur(structured(45, 53, 1, 21), (0, 0), 1.0)[:, :, None]
    edges = (np.abs(cv2.Laplacian(edges.astype(np.float32), cv2.CV_32F)) * 8).clip(0, 255).astype(np.uint8)
    g.add("input_edges", edges[:, :, None] if edges.ndim == 2 else edges)
    for t, s in ((127, 3.0), (40, 1.0), (10, 2.0)):
        g.add(f"nms_{t}_{s}", nms(edges.reshape(edges.shape[:2]), t, s)[:, :, None], src="input_edges", t=t, s=s)
    probs = np.random.default_rng(22).uniform(0, 1, (13, 17)).astype(np.float32)
    probs[0, :4] = [0.0, 1 / 3, 2 / 3, 1.0]
    g.add("input_probs", probs)
    for step in (2, 3):
        g.add(f"safe_step_{step}", safe_step(probs, step), src="input_probs", step=step)
    g.add("min_max_norm", min_max_norm(probs.copy() * 3 - 1), src="input_probs")
    for c in (1, 3, 4):
        x = noise(7, 9, c, 23 + c)
        if c == 4:
            x[0, :4, 3] = [0, 255, 128, 1]
        g.add(f"input_hwc{c}", x)
        g.add(f"hwc3_{c}", hwc3(x), src=f"input_hwc{c}")
    g.write()


def warp_matrix(center, scale, rot, output_size):
    """mmpose's get_warp_matrix (as DWPose's top-down crop computes it), shift 0."""
    src_w = scale[0]
    dst_w, dst_h = output_size
    rot_rad = np.deg2rad(rot)
    sn, cs = np.sin(rot_rad), np.cos(rot_rad)
    src_dir = np.array([0.0 * cs - src_w * -0.5 * sn, 0.0 * sn + src_w * -0.5 * cs])
    dst_dir = np.array([0.0, dst_w * -0.5])
    src = np.zeros((3, 2), dtype=np.float32)
    src[0, :] = center
    src[1, :] = center + src_dir
    dst = np.zeros((3, 2), dtype=np.float32)
    dst[0, :] = [dst_w * 0.5, dst_h * 0.5]
    dst[1, :] = np.array([dst_w * 0.5, dst_h * 0.5]) + dst_dir

    def third(a, b):
        d = a - b
        return b + np.r_[-d[1], d[0]]

    src[2, :] = third(src[0, :], src[1, :])
    dst[2, :] = third(dst[0, :], dst[1, :])
    return src, dst


def warp_group():
    g = Group("warp")
    img = structured(41, 53, 3, 41)
    g.add("input_img", img)
    cases = [((26.0, 20.0), (40.0, 53.3), 0, (48, 64), (0, 0, 0)),
             ((10.5, 30.25), (30.0, 40.0), 0, (32, 40), (0, 0, 0)),
             ((40.0, 5.0), (70.0, 93.3), 0, (48, 64), (114, 120.5, 3.7)),
             ((26.0, 20.0), (25.0, 33.3), 30, (33, 37), (255, 0, 128)),
             ((0.0, 0.0), (120.0, 160.0), -12, (48, 64), (0, 0, 0)),
             ((30.5, 18.0), (36.0, 48.0), 8, (288, 384), (0, 0, 0))]
    for i, (center, scale, rot, size, border) in enumerate(cases):
        src, dst = warp_matrix(np.array(center), np.array(scale), rot, size)
        g.add(f"points_{i}", np.concatenate([src.ravel(), dst.ravel()]).astype(np.float32))
        m = cv2.getAffineTransform(src, dst)
        g.add(f"matrix_{i}", m.astype(np.float64), src=f"points_{i}", exact=True, full=True)
        out = cv2.warpAffine(img, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                             borderValue=border)
        g.add(f"warp_{i}", out, src="input_img", matrix=f"matrix_{i}",
              border=",".join(str(float(b)) for b in border))
    g.write()


def draw_group():
    """The drawing calls of OpenPose/DWPose (ellipse2Poly + fillConvexPoly, filled circles, thick
    lines with float colours), MLSD (1-pixel lines) and MediaPipe face (lines and circles of
    thickness 2), on a 45x37 canvas, shapes partly outside it too."""
    g = Group("draw")
    h, w = 37, 45
    g.add("input_canvas", np.zeros((h, w, 3), np.uint8))
    rng = np.random.default_rng(51)

    def add(name, canvas, **params):
        g.add(name, canvas, src="input_canvas", **params)

    lines = [(3, 4, 40, 30), (40, 30, 3, 4), (5, 33, 30, 2), (10, 10, 10, 30), (2, 20, 44, 20),
             (22, 18, 22, 18), (-10, -5, 60, 50), (-20, 10, 20, -30), (30, 40, 50, -8), (0, 0, 44, 36),
             (44, 0, 0, 36), (7, 3, 9, 35), (100, 5, 120, 9)]
    colors = [(255, 255, 255), (127.5, 63.49, 254.51), (0.4999, 200.5, 99.5), (300, -4, 1.5)]
    for i, (x1, y1, x2, y2) in enumerate(lines):
        for t in (1, 2, 3, 5):
            color = colors[(i + t) % len(colors)]
            c = np.zeros((h, w, 3), np.uint8)
            cv2.line(c, (x1, y1), (x2, y2), color, thickness=t)
            add(f"line_{i}_{t}", c, op="line", pts=f"{x1},{y1},{x2},{y2}", t=t,
                color=",".join(str(v) for v in color))
    for i in range(12):
        x, y = int(rng.integers(-3, w + 3)), int(rng.integers(-3, h + 3))
        for r, t in ((3, -1), (4, -1), (1, -1), (0, -1), (5, 1), (1, 2), (2, 2), (6, 2), (7, 3), (12, 2)):
            color = colors[(i + r) % len(colors)]
            c = np.zeros((h, w, 3), np.uint8)
            cv2.circle(c, (x, y), r, color, thickness=t)
            add(f"circle_{i}_{r}_{t}", c, op="circle", pts=f"{x},{y}", r=r, t=t,
                color=",".join(str(v) for v in color))
    stickwidth = 4
    for i in range(20):
        x1, y1, x2, y2 = rng.uniform(-5, 50, 4)
        mX, mY = np.mean([y1, y2]), np.mean([x1, x2])
        length = ((y1 - y2) ** 2 + (x1 - x2) ** 2) ** 0.5
        angle = math.degrees(math.atan2(y1 - y2, x1 - x2))
        args = (int(mY), int(mX), int(length / 2), stickwidth, int(angle))
        poly = cv2.ellipse2Poly((args[0], args[1]), (args[2], args[3]), args[4], 0, 360, 1)
        g.add(f"poly_{i}", poly.astype(np.int32), src="input_canvas", op="ellipse2Poly",
              args=",".join(str(a) for a in args), full=True)
        c = np.zeros((h, w, 3), np.uint8)
        color = [int(float(v) * 0.6) for v in (255, 85 * (i % 4), 170)]
        cv2.fillConvexPoly(c, poly, color)
        add(f"fill_{i}", c, op="fillConvexPoly", poly=f"poly_{i}", color=",".join(str(v) for v in color))
    for i, args in enumerate(((20, 15, 0, 4, -170), (20, 15, 0, 0, 45), (44, 36, 3, 4, 400), (-3, 2, 9, 4, -725))):
        poly = cv2.ellipse2Poly(args[:2], args[2:4], args[4], 0, 360, 1)
        g.add(f"poly_edge_{i}", poly.astype(np.int32), src="input_canvas", op="ellipse2Poly",
              args=",".join(str(a) for a in args), full=True)
        c = np.zeros((h, w, 3), np.uint8)
        cv2.fillConvexPoly(c, poly, (255, 51, 0))
        add(f"fill_edge_{i}", c, op="fillConvexPoly", poly=f"poly_edge_{i}", color="255,51,0")
    for i, arc in enumerate(((0, 360, 5), (30, 200, 10), (-40, 100, 7), (350, 10, 3))):
        poly = cv2.ellipse2Poly((20, 15), (13, 6), 25 * i - 30, arc[0], arc[1], arc[2])
        g.add(f"poly_arc_{i}", poly.astype(np.int32), src="input_canvas", op="ellipse2Poly",
              args=f"20,15,13,6,{25 * i - 30},{arc[0]},{arc[1]},{arc[2]}", full=True)
    quads = [np.array([[3, 3], [30, 8], [40, 30], [10, 34]], np.int32),
             np.array([[-5, 10], [20, -4], [50, 20], [22, 45]], np.int32),
             np.array([[10, 10], [11, 10], [11, 11]], np.int32)]
    for i, q in enumerate(quads):
        pts = ",".join(str(v) for v in q.ravel())
        c = np.zeros((h, w, 3), np.uint8)
        cv2.fillConvexPoly(c, q, (9, 99, 199))
        add(f"quad_{i}", c, op="fillConvexPoly", pts=pts, color="9,99,199")
        for closed in (True, False):
            for t in (1, 2):
                c = np.zeros((h, w, 3), np.uint8)
                cv2.polylines(c, [q], closed, (250, 128, 5), thickness=t)
                add(f"polylines_{i}_{int(closed)}_{t}", c, op="polylines", pts=pts, closed=int(closed),
                    t=t, color="250,128,5")
    polys = [[np.array([[3, 3], [30, 8], [40, 30], [10, 34]])],
             [np.array([[-5, 10], [20, -4], [50, 20], [22, 45]])],
             [np.array([[2, 2], [40, 5], [8, 20], [42, 33], [4, 35]])],
             [np.array([[5, 5], [38, 5], [38, 30], [5, 30]]), np.array([[12, 10], [30, 12], [20, 25]])],
             [np.array([[20, 18]]), np.array([[1, 1], [43, 1], [22, 36]])]]
    for i, contours in enumerate(polys):
        c = np.zeros((h, w, 3), np.uint8)
        cv2.fillPoly(c, [q.astype(np.int32) for q in contours], (77, 155, 233))
        add(f"fillpoly_{i}", c, op="fillPoly",
            contours=";".join(",".join(str(v) for v in q.ravel()) for q in contours), color="77,155,233")
    g.write()


def main():
    print("opencv", cv2.__version__, "numpy", np.__version__)
    assert cv2.__version__ == EXPECTED_OPENCV, cv2.__version__
    os.makedirs(OUT, exist_ok=True)
    resize_group()
    filter_group()
    annotator_group()
    warp_group()
    draw_group()


if __name__ == "__main__":
    main()
