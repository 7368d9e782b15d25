"""The edge annotators (HED, PiDiNet, lineart, lineart_anime) as ONNX files, and their test data.

Needs controlnet_aux 0.0.10's source on PYTHONPATH (the package __init__ imports mediapipe, so
only the detector submodules are imported), plus torch, numpy, opencv-python-headless, einops,
onnx and onnxruntime. Run from the repo root:

  python tools/annotators/edges.py export --checkpoints DIR --out MODELS/annotators
  python tools/annotators/edges.py export --random --out /tmp/annotators
  python tools/annotators/edges.py reference

`export` turns lllyasviel/Annotators' ControlNetHED.pth, table5_pidinet.pth, sk_model.pth,
sk_model2.pth and netG.pth into ControlNetHED.onnx, table5_pidinet.onnx, sk_model.onnx,
sk_model2.onnx and netG.onnx (files absent from DIR are skipped; --random exports every real
architecture with random weights instead). Each file holds only the network that controlnet_aux
runs under torch.no_grad; everything around it is done by the engine's detectors. The contract
(input "image", float32 NCHW, dynamic height and width):
  ControlNetHED.onnx    RGB 0..255, H and W multiples of 16 -> p1..p5, 1x1x(H/2^k)x(W/2^k)
                        for k = 0..4: the five side projections (before the sigmoid)
  table5_pidinet.onnx   BGR 0..1, H and W multiples of 8 -> edge, 1x1xHxW: the fused edge
                        probability (sigmoid applied); the pixel-difference convolutions are
                        converted to vanilla ones (as pidinet's convert_pidinet does)
  sk_model(2).onnx      RGB 0..1, H and W multiples of 4 -> line, 1x1xHxW, 0..1 (sigmoid)
  netG.onnx             RGB -1..1, H and W multiples of 256 -> line, 1x1xHxW, -1..1 (tanh)

`reference` writes engine/src/test/resources/annotators/edges/: tiny stand-in networks with the
same contract (controlnet_aux's own classes at tiny width where they allow it), an input image,
and what controlnet_aux's detectors make of it with those stand-ins patched in, on the padded
image as the engine's resolution rule runs them (see tools/annotators/README.md).
"""
import functools
import os
import sys

import cv2
import numpy as np
import onnxruntime
import torch
import torch.nn as nn

import annotator_tool


annotator_tool.bare_package("controlnet_aux")

from controlnet_aux.hed import ControlNetHED_Apache2, DoubleConvBlock, HEDdetector
from controlnet_aux.lineart import Generator, LineartDetector, ResidualBlock
from controlnet_aux.lineart_anime import LineartAnimeDetector, UnetGenerator
from controlnet_aux.pidi import PidiNetDetector
from controlnet_aux.pidi.model import PiDiNet, config_model, nets, pidinet
from controlnet_aux.util import nms

OUT = "engine/src/test/resources/annotators/edges/"
OPSET = 17


# ---------------------------------------------------------------- networks and their export


class PidiNetEdge(nn.Module):
    """PiDiNet's last output (the fused edge map), the only one PidiNetDetector reads."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        return self.net(image)[-1]


def convert_pdc(op, weight):
    """A pixel-difference convolution's kernel as the vanilla kernel computing the same thing
    (pidinet's utils/convert_pidinet.py): cd and ad stay 3x3, rd becomes 5x5."""
    shape = weight.shape
    flat = weight.reshape(shape[0], shape[1], -1)
    if op == "cv":
        return weight
    if op == "cd":
        flat = flat.clone()
        flat[:, :, 4] = flat[:, :, 4] - weight.sum(dim=[2, 3])
        return flat.reshape(shape)
    if op == "ad":
        return (flat - flat[:, :, [3, 0, 1, 6, 4, 2, 7, 8, 5]]).reshape(shape)
    if op == "rd":
        buffer = torch.zeros(shape[0], shape[1], 25, dtype=weight.dtype)
        buffer[:, :, [0, 2, 4, 10, 14, 20, 22, 24]] = flat[:, :, 1:]
        buffer[:, :, [6, 7, 8, 11, 13, 16, 17, 18]] = -flat[:, :, 1:]
        return buffer.reshape(shape[0], shape[1], 5, 5)
    raise ValueError("unknown pixel-difference op " + op)


def convert_pidinet(net, inplane, dil):
    """The carv4 PiDiNet `net` rebuilt with vanilla convolutions (PiDiNet(convert=True))."""
    ops = nets["carv4"]
    names = [ops["layer%d" % i] for i in range(16)]  # convert=True takes op names, not functions
    converted = PiDiNet(inplane, names, dil=dil, sa=True, convert=True)
    state = {}
    for key, value in net.state_dict().items():
        if key == "init_block.weight":
            value = convert_pdc(ops["layer0"], value)
        elif key.startswith("block") and key.endswith(".conv1.weight"):
            stage, index = key[len("block") :].split(".")[0].split("_")
            layer = {"1": 0, "2": 3, "3": 7, "4": 11}[stage] + int(index)
            value = convert_pdc(ops["layer%d" % layer], value)
        state[key] = value
    converted.load_state_dict(state)
    return converted.eval()


def lineart_anime_generator(ngf=64):
    norm = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    return UnetGenerator(3, 1, 8, ngf, norm_layer=norm, use_dropout=False)


def export_onnx(net, outputs, path, height, width):
    """Exports `net` (input "image", dynamic H and W) and checks ONNX Runtime against torch."""
    net.eval()
    sample = torch.rand(1, 3, height, width)
    axes = {"image": {2: "height", 3: "width"}}
    for name in outputs:
        axes[name] = {2: name + "_height", 3: name + "_width"}
    torch.onnx.export(
        net,
        (sample,),
        path,
        dynamo=False,
        input_names=["image"],
        output_names=outputs,
        dynamic_axes=axes,
        opset_version=OPSET,
    )
    check = torch.rand(1, 3, height * 2, width)
    with torch.no_grad():
        expected = net(check)
    expected = [expected] if isinstance(expected, torch.Tensor) else list(expected)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(outputs, {"image": check.numpy()})
    worst = max(float(np.abs(g - e.numpy()).max()) for g, e in zip(got, expected))
    shapes = [tuple(g.shape) for g in got]
    print(f"{path}: {os.path.getsize(path)} bytes, {shapes}, max |onnx - torch| = {worst:.2e}")
    return got


def export(args):
    os.makedirs(args.out, exist_ok=True)

    def checkpoint(name):
        path = os.path.join(args.checkpoints or "", name)
        if args.random:
            return None
        if not os.path.isfile(path):
            print(f"skipping {name}: not in {args.checkpoints}")
            return False
        return torch.load(path, map_location="cpu", weights_only=False)

    torch.manual_seed(0)
    state = checkpoint("ControlNetHED.pth")
    if state is not False:
        net = ControlNetHED_Apache2()
        if state is not None:
            net.load_state_dict(state)
        export_onnx(
            net.float(), ["p1", "p2", "p3", "p4", "p5"], os.path.join(args.out, "ControlNetHED.onnx"), 64, 64
        )

    state = checkpoint("table5_pidinet.pth")
    if state is not False:
        net = pidinet()
        if state is not None:
            net.load_state_dict({k.replace("module.", ""): v for k, v in state["state_dict"].items()})
        converted = convert_pidinet(net.eval(), 60, 24)
        sample = torch.rand(1, 3, 64, 96)
        with torch.no_grad():
            worst = float((converted(sample)[-1] - net(sample)[-1]).abs().max())
        print(f"table5_pidinet: max |converted - pixel-difference| = {worst:.2e}")
        export_onnx(PidiNetEdge(converted), ["edge"], os.path.join(args.out, "table5_pidinet.onnx"), 64, 64)

    for name in ["sk_model", "sk_model2"]:
        state = checkpoint(name + ".pth")
        if state is not False:
            net = Generator(3, 1, 3)
            if state is not None:
                net.load_state_dict(state)
            export_onnx(net, ["line"], os.path.join(args.out, name + ".onnx"), 64, 64)

    state = checkpoint("netG.pth")
    if state is not False:
        net = lineart_anime_generator()
        if state is not None:
            net.load_state_dict({k.replace("module.", ""): v for k, v in state.items()})
        export_onnx(net, ["line"], os.path.join(args.out, "netG.onnx"), 256, 256)


# ---------------------------------------------------------------- tiny stand-ins and test data


class TinyHed(ControlNetHED_Apache2):
    """ControlNetHED_Apache2's forward and blocks at tiny width."""

    def __init__(self):
        nn.Module.__init__(self)
        self.norm = nn.Parameter(torch.tensor([120.0, 110.0, 100.0]).reshape(1, 3, 1, 1))
        self.block1 = DoubleConvBlock(input_channel=3, output_channel=4, layer_number=2)
        self.block2 = DoubleConvBlock(input_channel=4, output_channel=4, layer_number=2)
        self.block3 = DoubleConvBlock(input_channel=4, output_channel=6, layer_number=2)
        self.block4 = DoubleConvBlock(input_channel=6, output_channel=6, layer_number=1)
        self.block5 = DoubleConvBlock(input_channel=6, output_channel=6, layer_number=1)


def calibrate(forward, layers, mean, std):
    """Rescales each layer in turn (weight and bias) so that its output on the sample `forward`
    runs has the given mean and standard deviation: random stand-ins then give edge maps with
    contrast instead of a constant grey."""
    with torch.no_grad():
        for layer in layers:
            captured = []
            hook = layer.register_forward_hook(lambda module, inputs, out: captured.append(out))
            forward()
            hook.remove()
            out = captured[0]
            scale = std / float(out.std())
            layer.weight *= scale
            if layer.bias is not None:
                layer.bias.mul_(scale).add_(mean - scale * float(out.mean()))


class TinyGenerator(Generator):
    """The lineart Generator's forward and layer kinds (reflection pads, instance norms, a
    residual block, transposed convolutions, sigmoid) at tiny width."""

    def __init__(self):
        nn.Module.__init__(self)
        norm = nn.InstanceNorm2d
        self.model0 = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, 4, 7), norm(4), nn.ReLU(inplace=True))
        self.model1 = nn.Sequential(
            nn.Conv2d(4, 6, 3, stride=2, padding=1), norm(6), nn.ReLU(inplace=True),
            nn.Conv2d(6, 8, 3, stride=2, padding=1), norm(8), nn.ReLU(inplace=True),
        )
        self.model2 = nn.Sequential(ResidualBlock(8))
        self.model3 = nn.Sequential(
            nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1), norm(6), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1), norm(4), nn.ReLU(inplace=True),
        )
        self.model4 = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(4, 1, 7), nn.Sigmoid())


def test_image():
    """136x72 RGB with gradients, filled and outlined shapes, thin lines and some texture."""
    h, w = 72, 136
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([40 + 150 * x / w, 60 + 120 * y / h, 200 - 100 * (x + y) / (w + h)], axis=2)
    img = img.astype(np.uint8)
    cv2.rectangle(img, (8, 10), (48, 40), (230, 40, 40), -1)
    cv2.circle(img, (80, 36), 22, (20, 30, 160), -1, lineType=cv2.LINE_AA)
    cv2.circle(img, (80, 36), 12, (250, 250, 120), 2, lineType=cv2.LINE_AA)
    cv2.ellipse(img, (116, 54), (16, 9), 30, 0, 360, (10, 120, 20), -1, lineType=cv2.LINE_AA)
    cv2.line(img, (2, 68), (130, 4), (255, 255, 255), 1, lineType=cv2.LINE_AA)
    cv2.line(img, (20, 50), (60, 66), (0, 0, 0), 3)
    cv2.putText(img, "Hy", (96, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2, cv2.LINE_AA)
    rng = np.random.default_rng(3)
    noise = rng.integers(-6, 7, size=(h, w, 3))
    return np.clip(img.astype(np.int32) + noise, 0, 255).astype(np.uint8)


def pad64(x):
    return int(np.ceil(float(x) / 64.0) * 64 - x)


def run_padded(detector, image, **params):
    """The engine's resolution rule: pad to multiples of 64 by edge replication, run at the
    padded short side (resize_image is then the identity), crop back."""
    h, w, _ = image.shape
    padded = np.pad(image, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")
    side = min(padded.shape[:2])
    out = detector(padded, detect_resolution=side, image_resolution=side, output_type="np", **params)
    out = out[:h, :w]
    assert out.shape == (h, w, 3) and (out == out[:, :, :1]).all()
    return out[:, :, 0]


class OnnxModule:
    """A torch-callable wrapper of an ONNX file, to rerun a detector on ONNX Runtime's output and
    count the pixels that torch-vs-ONNX float differences flip."""

    def __init__(self, path, outputs, as_list):
        self.as_list = as_list
        self.session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.outputs = outputs
        self.dummy = nn.Parameter(torch.zeros(1))

    def parameters(self):
        return iter([self.dummy])

    def __call__(self, image):
        got = self.session.run(self.outputs, {"image": image.numpy()})
        got = [torch.from_numpy(g) for g in got]
        return got if self.as_list else got[0]


def write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


def reference(args):
    os.makedirs(OUT, exist_ok=True)
    image = test_image()
    cv2.imwrite(OUT + "input.png", image[:, :, ::-1])

    padded = np.pad(image, [[0, pad64(image.shape[0])], [0, pad64(image.shape[1])], [0, 0]], mode="edge")
    rgb = torch.from_numpy(padded).float().permute(2, 0, 1)[None]
    torch.manual_seed(1)
    hed = TinyHed().eval()
    blocks = [hed.block1, hed.block2, hed.block3, hed.block4, hed.block5]
    calibrate(lambda: hed(rgb), [conv for block in blocks for conv in block.convs], 0.0, 1.0)
    calibrate(lambda: hed(rgb), [block.projection for block in blocks], -1.5, 3.0)
    export_onnx(hed, ["p1", "p2", "p3", "p4", "p5"], OUT + "ControlNetHED.onnx", 64, 64)
    torch.manual_seed(2)
    pidi = PiDiNet(4, config_model("carv4"), dil=4, sa=True).eval()
    calibrate(lambda: pidi(rgb.flip(1) / 255.0), [reduce.conv for reduce in pidi.conv_reduces], 0.0, 1.0)
    calibrate(lambda: pidi(rgb.flip(1) / 255.0), [pidi.classifier], -1.5, 3.0)
    export_onnx(PidiNetEdge(convert_pidinet(pidi, 4, 4)), ["edge"], OUT + "table5_pidinet.onnx", 64, 64)
    torch.manual_seed(3)
    sk = TinyGenerator().eval()
    export_onnx(sk, ["line"], OUT + "sk_model.onnx", 64, 64)
    torch.manual_seed(4)
    sk2 = TinyGenerator().eval()
    export_onnx(sk2, ["line"], OUT + "sk_model2.onnx", 64, 64)
    torch.manual_seed(5)
    anime = lineart_anime_generator(ngf=1).eval()
    export_onnx(anime, ["line"], OUT + "netG.onnx", 256, 256)

    torch_detectors = {
        "hed": HEDdetector(hed),
        "pidinet": PidiNetDetector(pidi),
        "lineart": LineartDetector(sk, sk2),
        "anime": LineartAnimeDetector(anime),
    }
    onnx_detectors = {
        "hed": HEDdetector(OnnxModule(OUT + "ControlNetHED.onnx", ["p1", "p2", "p3", "p4", "p5"], True)),
        "pidinet": PidiNetDetector(OnnxModule(OUT + "table5_pidinet.onnx", ["edge"], True)),
        "lineart": LineartDetector(OnnxModule(OUT + "sk_model.onnx", ["line"], False), OnnxModule(OUT + "sk_model2.onnx", ["line"], False)),
        "anime": LineartAnimeDetector(OnnxModule(OUT + "netG.onnx", ["line"], False)),
    }
    # method (our task format's name), detector, controlnet_aux's processor.py params
    cases = [
        ("softedge_hed", "hed", {"scribble": False}),
        ("scribble_hed", "hed", {"scribble": True}),
        ("softedge_hedsafe", "hed", {"scribble": False, "safe": True}),
        ("scribble_hedsafe", "hed", {"scribble": True, "safe": True}),
        ("softedge_pidinet", "pidinet", {"safe": False, "scribble": False}),
        ("scribble_pidinet", "pidinet", {"safe": False, "scribble": True}),
        ("softedge_pidisafe", "pidinet", {"safe": True, "scribble": False}),
        ("scribble_pidisafe", "pidinet", {"safe": True, "scribble": True}),
        ("softedge_pidinet_filter", "pidinet", {"safe": False, "scribble": False, "apply_filter": True}),
        ("scribble_pidinet_filter", "pidinet", {"safe": False, "scribble": True, "apply_filter": True}),
        ("softedge_pidisafe_filter", "pidinet", {"safe": True, "scribble": False, "apply_filter": True}),
        ("scribble_pidisafe_filter", "pidinet", {"safe": True, "scribble": True, "apply_filter": True}),
        ("lineart_realistic", "lineart", {"coarse": False}),
        ("lineart_coarse", "lineart", {"coarse": True}),
        ("lineart_anime", "anime", {}),
    ]
    for name, detector, params in cases:
        expected = run_padded(torch_detectors[detector], image, **params)
        cv2.imwrite(OUT + name + ".png", expected)
        onnx = run_padded(onnx_detectors[detector], image, **params)
        differing = int((onnx != expected).sum())
        print(
            f"{name}: {expected.shape[1]}x{expected.shape[0]}, values {np.unique(expected).size} distinct,"
            f" mean {expected.mean():.1f}; ONNX Runtime instead of torch changes {differing} pixels"
            f" (max by {int(np.abs(onnx.astype(int) - expected).max())})"
        )

    # the scribble steps alone on a map with many ridges (the padded input's red channel): nms's
    # float32 blur must be OpenCV's to the last bit, or its equality test moves ridge pixels
    red = np.pad(image, [[0, pad64(image.shape[0])], [0, pad64(image.shape[1])], [0, 0]], mode="edge")[:, :, 0]
    ridges = nms(red, 127, 3.0)
    cv2.imwrite(OUT + "nms_red.png", ridges)
    widened = cv2.GaussianBlur(ridges, (0, 0), 3.0)
    cv2.imwrite(OUT + "scribble_red.png", np.where(widened > 4, 255, 0).astype(np.uint8))

    # raw network outputs on the top-left 64x64 of the input (the tensor as the detector feeds it)
    tile = image[:64, :64].astype(np.float32)
    rgb = torch.from_numpy(tile).permute(2, 0, 1)[None]
    with torch.no_grad():
        write_f32(OUT + "raw_hed.f32", torch.cat([p.flatten() for p in hed(rgb)]))
        write_f32(OUT + "raw_pidinet.f32", pidi(rgb.flip(1) / 255.0)[-1])
        write_f32(OUT + "raw_sk_model.f32", sk(rgb / 255.0))
    total = sum(os.path.getsize(OUT + f) for f in os.listdir(OUT))
    print(f"{OUT}: {len(os.listdir(OUT))} files, {total} bytes")


def main():
    annotator_tool.run(__doc__, export, reference, "folder with lllyasviel/Annotators' .pth files")


if __name__ == "__main__":
    sys.exit(main())
