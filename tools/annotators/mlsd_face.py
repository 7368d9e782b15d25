"""ONNX files and test data for the `mlsd` and `mediapipe_face` ControlNet preprocessors.

    python tools/annotators/mlsd_face.py export --checkpoints DIR --out MODELS/annotators [--random]
    python tools/annotators/mlsd_face.py reference

`export` writes `mlsd_large_512_fp32.onnx` from lllyasviel/Annotators' `mlsd_large_512_fp32.pth`
(controlnet_aux's MobileV2_MLSD_Large; `--random`: the same architecture with random weights), and
converts MediaPipe's `face_detection_short_range.tflite` and `face_landmark_with_attention.tflite`
to ONNX when tf2onnx is installed.

`reference` writes the test data under engine/src/test/resources/annotators/mlsd-face/: tiny
stand-in networks with the real input/output contract, input images, and what controlnet_aux's
detector code makes of them with those stand-ins (mediapipe_face: a NumPy port of MediaPipe's
FaceMesh graph, since mediapipe itself does not install here).

Needs torch, numpy, opencv-python-headless, onnx, onnxruntime, pillow, and controlnet_aux 0.0.10's
source on PYTHONPATH (its package __init__ imports mediapipe, so only submodules are imported):
    git -C /work/.mirror/huggingface+controlnet_aux/repo archive HEAD src | tar -x -C /tmp/cnaux
    PYTHONPATH=/tmp/cnaux/src python tools/annotators/mlsd_face.py reference
"""

import argparse
import os
import sys

import cv2
import numpy as np
import torch
from PIL import Image

OUT = "engine/src/test/resources/annotators/mlsd-face/"

MLSD_ONNX = "mlsd_large_512_fp32.onnx"
MLSD_INPUT = "image"
MLSD_OUTPUT = "lines"


def controlnet_aux_without_its_init():
    """Registers the controlnet_aux package without running its __init__ (which imports every
    detector's dependencies, mediapipe among them), so that single submodules import."""
    import importlib.util
    import types

    if "controlnet_aux" in sys.modules:
        return
    for entry in sys.path:
        folder = os.path.join(entry or ".", "controlnet_aux")
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            package = types.ModuleType("controlnet_aux")
            package.__path__ = [folder]
            sys.modules["controlnet_aux"] = package
            return
    sys.exit("controlnet_aux's source is not on PYTHONPATH (see this file's docstring)")


def pad64(x):
    return int(np.ceil(float(x) / 64.0) * 64 - x)


def at_own_resolution(rgb, detect):
    """The resolution rule: pad bottom/right to multiples of 64 by edge replication, run the
    detector at the padded short side (so its resize_image is the identity), crop, HWC3."""
    h, w, _ = rgb.shape
    padded = np.pad(rgb, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")
    resolution = min(padded.shape[0], padded.shape[1])
    out = np.asarray(detect(padded, resolution))
    return np.ascontiguousarray(out[:h, :w])


# ---------------------------------------------------------------------------------------------
# mlsd


def export_mlsd(model, path):
    """The network alone: (1, 4, H, W) float32 in [-1, 1] (RGB then a plane of ones, each as
    v / 127.5 - 1) -> (1, 9, H/2, W/2): channel 0 the line-centre logit, 1..4 the displacements
    to the start (x, y) and end (x, y) in output pixels; H and W multiples of 64."""
    model.eval()
    dummy = torch.zeros(1, 4, 128, 192)
    torch.onnx.export(
        model,
        dummy,
        path,
        input_names=[MLSD_INPUT],
        output_names=[MLSD_OUTPUT],
        dynamic_axes={MLSD_INPUT: {2: "height", 3: "width"}, MLSD_OUTPUT: {2: "h2", 3: "w2"}},
        opset_version=17,
        dynamo=False,
    )


class MlsdStandIn(torch.nn.Module):
    """Three convolutions with the real contract. The first one's kernels sum to zero and have no
    bias, so flat areas score low (sigmoid(-4)) and only edges pass the value thresholds;
    displacements span fractions of a pixel to several output pixels."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=False)
        self.b = torch.nn.Conv2d(8, 8, 3, padding=1)
        self.c = torch.nn.Conv2d(8, 9, 1)

    def forward(self, x):
        y = torch.tanh(self.a(x))
        y = torch.relu(self.b(y))
        return self.c(y)


def mlsd_standin():
    torch.manual_seed(20)
    net = MlsdStandIn()
    with torch.no_grad():
        w = net.a.weight
        w -= w.mean(dim=(2, 3), keepdim=True)
        w *= 4.0
        net.c.weight[0] = net.c.weight[0].abs() * 15.0
        net.c.bias[0] = -4.0
        net.c.weight[1:5] *= 24.0
        net.c.bias[1:5] = 0.0
    return net.eval()


class OnnxModule(torch.nn.Module):
    """An ONNX file run by onnxruntime behind a torch module's call, to check that the detector
    code gives the same picture with onnxruntime's float results as with torch's."""

    def __init__(self, path):
        super().__init__()
        import onnxruntime as ort

        self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.from_numpy(self.session.run(None, {MLSD_INPUT: x.numpy()})[0])


def mlsd_detect(model, rgb, thr_v, thr_d):
    """controlnet_aux's MLSDdetector under the resolution rule; thr_v/thr_d in percent as the
    task gives them (the seed's FloatFractionAsInt: value / 100)."""
    controlnet_aux_without_its_init()
    from controlnet_aux.mlsd import MLSDdetector

    detector = MLSDdetector(model)
    return at_own_resolution(
        rgb,
        lambda padded, res: detector(
            padded,
            thr_v=thr_v / 100.0,
            thr_d=thr_d / 100.0,
            detect_resolution=res,
            image_resolution=res,
            output_type="np",
        ),
    )


def mlsd_network_input(padded):
    """pred_lines' input at input_shape = the image's own size (its INTER_AREA resize is then a
    copy): RGB and a plane of ones, CHW, v / 127.5 - 1 in float32."""
    h, w, _ = padded.shape
    x = np.concatenate(
        [cv2.resize(padded, (w, h), interpolation=cv2.INTER_AREA), np.ones([h, w, 1])], axis=-1
    )
    x = np.expand_dims(x.transpose((2, 0, 1)), axis=0).astype("float32")
    return (x / 127.5) - 1.0


# ---------------------------------------------------------------------------------------------
# test images


def mlsd_image(w, h, seed):
    """Straight edges to find: a gradient, rectangles, lines and a disc."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (xx * 255 // max(w - 1, 1)).astype(np.uint8)
    img[..., 1] = (yy * 200 // max(h - 1, 1)).astype(np.uint8)
    img[..., 2] = 60
    for _ in range(3):
        x0, y0 = int(rng.integers(0, w - 20)), int(rng.integers(0, h - 15))
        color = [int(c) for c in rng.integers(0, 256, 3)]
        cv2.rectangle(img, (x0, y0), (x0 + int(rng.integers(10, 30)), y0 + int(rng.integers(8, 25))), color, -1)
    for _ in range(3):
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(img, p, q, [int(c) for c in rng.integers(0, 256, 3)], 2)
    cv2.circle(img, (w // 2, h // 2), min(w, h) // 6, (250, 250, 250), -1)
    return img


def save_png(path, rgb):
    Image.fromarray(rgb).save(path, optimize=True)


def write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


def reference_mlsd():
    net = mlsd_standin()
    export_mlsd(net, OUT + "mlsd_standin.onnx")
    images = {"mlsd_80x72": mlsd_image(80, 72, 1), "mlsd_136x60": mlsd_image(136, 60, 2)}
    for name, rgb in images.items():
        save_png(OUT + name + ".png", rgb)
    cases = [
        ("mlsd_80x72", 10, 10),
        ("mlsd_80x72", 50, 10),
        ("mlsd_80x72", 90, 1),
        ("mlsd_136x60", 10, 10),
        ("mlsd_136x60", 10, 100),
        ("mlsd_136x60", 30, 60),
    ]
    onnx_net = OnnxModule(OUT + "mlsd_standin.onnx")
    for name, thr_v, thr_d in cases:
        out = mlsd_detect(net, images[name], thr_v, thr_d)
        save_png(f"{OUT}{name}_v{thr_v}_d{thr_d}.png", out)
        with_ort = mlsd_detect(onnx_net, images[name], thr_v, thr_d)
        print(name, thr_v, thr_d, "line pixels", int((out[..., 0] > 0).sum()),
              "differing with onnxruntime", int((with_ort != out).any(axis=2).sum()))

    # The raw network output for the 80x72 image (padded to 128x128), every second row and column.
    rgb = images["mlsd_80x72"]
    padded = np.pad(rgb, [[0, pad64(rgb.shape[0])], [0, pad64(rgb.shape[1])], [0, 0]], mode="edge")
    x = mlsd_network_input(padded)
    with torch.no_grad():
        raw = net(torch.from_numpy(x)).numpy()
    write_f32(OUT + "mlsd_80x72_raw_every2.f32", raw[:, :, ::2, ::2])
    print("raw", raw.shape, "subsampled", raw[:, :, ::2, ::2].shape)

    import onnxruntime as ort

    session = ort.InferenceSession(OUT + "mlsd_standin.onnx", providers=["CPUExecutionProvider"])
    onnx_raw = session.run(None, {MLSD_INPUT: x})[0]
    print("torch vs onnxruntime max abs diff", float(np.abs(onnx_raw - raw).max()))


# ---------------------------------------------------------------------------------------------
# export


def export(args):
    os.makedirs(args.out, exist_ok=True)
    controlnet_aux_without_its_init()
    from controlnet_aux.mlsd.models.mbv2_mlsd_large import MobileV2_MLSD_Large

    model = MobileV2_MLSD_Large()
    if not args.random:
        pth = os.path.join(args.checkpoints, "mlsd_large_512_fp32.pth")
        model.load_state_dict(torch.load(pth, map_location="cpu"), strict=True)
    export_mlsd(model, os.path.join(args.out, MLSD_ONNX))
    print("wrote", os.path.join(args.out, MLSD_ONNX))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write the ONNX files into a models folder's annotators/")
    ex.add_argument("--checkpoints", help="folder with mlsd_large_512_fp32.pth and the .tflite files")
    ex.add_argument("--out", required=True, help="MODELS/annotators")
    ex.add_argument("--random", action="store_true", help="real architecture, random weights")
    sub.add_parser("reference", help="write the test data (run from the repo root)")
    args = parser.parse_args()
    if args.command == "export":
        if not args.random and not args.checkpoints:
            sys.exit("export needs --checkpoints DIR (or --random)")
        export(args)
    else:
        os.makedirs(OUT, exist_ok=True)
        reference_mlsd()


if __name__ == "__main__":
    main()
