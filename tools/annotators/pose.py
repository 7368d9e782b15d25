"""Pose annotators (openpose body/hand/face, dwpose): ONNX export of the real networks and the
tiny test data for network.hydrogen.engine.controlnet.OpenposeDetector / DwposeDetector.

  python tools/annotators/pose.py export --checkpoints DIR --out MODELS/annotators [--random]
  python tools/annotators/pose.py reference [--out engine/src/test/resources/annotators/pose]

Both need controlnet_aux 0.0.10's source on PYTHONPATH (its package __init__ imports mediapipe,
so only the submodules are imported), e.g.
  git -C /work/.mirror/huggingface+controlnet_aux/repo archive HEAD src | tar -x -C /tmp/cnaux
  PYTHONPATH=/tmp/cnaux/src python tools/annotators/pose.py reference

ONNX contract (what the Java detectors feed and read):
  body_pose_model.onnx  image [1,3,H,W] float32, BGR, pixel/256-0.5, H and W multiples of 8
                        -> paf [1,38,H/8,W/8], heatmap [1,19,H/8,W/8]   (Mconv7_stage6_L1/_L2)
  hand_pose_model.onnx  image [1,3,H,W] as above -> heatmap [1,22,H/8,W/8] (Mconv7_stage6)
  facenet.onnx          image [1,3,384,384] as above (the BGR face crop) -> heatmap [1,71,48,48]
                        (the last stage only)
  yolox_l.onnx          images [1,3,640,640] BGR 0..255 letterboxed -> output [1,8400,85]
  dw-ll_ucoco_384.onnx  input [1,3,384,288] (BGR - mean) / std -> simcc_x [1,133,576],
                        simcc_y [1,133,768]; both are ONNX already and copied as they are.

controlnet_aux 0.0.10 runs DWpose through mmdet/mmpose (not installable here); the ONNX files
are the ones of IDEA-Research/DWPose's ControlNet annotator (onnxdet.py/onnxpose.py, run with
onnxruntime), whose pipeline the reference runs (--dwpose-src, its repository checkout), feeding
controlnet_aux's own DWposeDetector.__call__ and drawing.

The reference's stand-in networks are not random: a random network gives meaningless heatmaps, so
each stand-in is a fixed function of the input that finds colour-coded parts of a drawn figure
(an L1 colour match per pixel, 8x8 average pooling), so that the detector code runs with real
people found: peaks, PAF connections, subsets, hand and face boxes, drawing.
"""
import json
import math
import os
import shutil
import sys
import types

import numpy as np
import torch
import torch.nn as nn

import annotator_tool

OUT = "engine/src/test/resources/annotators/pose"
DEFAULT_DWPOSE_SRC = "/work/.mirror/IDEA-Research+DWPose/repo"


def import_controlnet_aux():
    if "torchvision" not in sys.modules:  # face.py imports two unused torchvision transforms
        tv = types.ModuleType("torchvision")
        tvt = types.ModuleType("torchvision.transforms")
        tvt.ToPILImage = tvt.ToTensor = lambda *a, **k: None
        tv.transforms = tvt
        sys.modules["torchvision"] = tv
        sys.modules["torchvision.transforms"] = tvt
    annotator_tool.bare_package("controlnet_aux")


# ---------------------------------------------------------------------------------------------
# export


class FaceLastStage(nn.Module):
    """FaceNet returns all six stages; the detector uses only the last one."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)[-1]


def export(args):
    import_controlnet_aux()
    from controlnet_aux.open_pose import util
    from controlnet_aux.open_pose.face import FaceNet
    from controlnet_aux.open_pose.model import bodypose_model, handpose_model

    os.makedirs(args.out, exist_ok=True)
    body, hand, face = bodypose_model(), handpose_model(), FaceNet()
    if not args.random:
        ck = args.checkpoints
        body.load_state_dict(util.transfer(body, torch.load(os.path.join(ck, "body_pose_model.pth"))))
        hand.load_state_dict(util.transfer(hand, torch.load(os.path.join(ck, "hand_pose_model.pth"))))
        face.load_state_dict(torch.load(os.path.join(ck, "facenet.pth")))
    dyn = {"image": {2: "height", 3: "width"}}
    save_onnx(body.eval(), torch.zeros(1, 3, 184, 184), ["paf", "heatmap"],
              os.path.join(args.out, "body_pose_model.onnx"), dyn)
    save_onnx(hand.eval(), torch.zeros(1, 3, 368, 368), ["heatmap"],
              os.path.join(args.out, "hand_pose_model.onnx"), dyn)
    save_onnx(FaceLastStage(face).eval(), torch.zeros(1, 3, 384, 384), ["heatmap"],
              os.path.join(args.out, "facenet.onnx"), None)
    for name in ("yolox_l.onnx", "dw-ll_ucoco_384.onnx"):
        src = os.path.join(args.checkpoints or "", name)
        if args.checkpoints and os.path.exists(src):
            shutil.copyfile(src, os.path.join(args.out, name))
            print("copied", name)
    check_contract(args.out)


def save_onnx(model, example, output_names, path, dynamic_axes):
    torch.onnx.export(model, (example,), path, input_names=["image"], output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=17, dynamo=False)
    print("wrote", path, os.path.getsize(path), "bytes")


def check_contract(folder):
    import onnxruntime as ort

    expect = {
        "body_pose_model.onnx": ((1, 3, 184, 144), {"paf": (1, 38, 23, 18), "heatmap": (1, 19, 23, 18)}),
        "hand_pose_model.onnx": ((1, 3, 184, 184), {"heatmap": (1, 22, 23, 23)}),
        "facenet.onnx": ((1, 3, 384, 384), {"heatmap": (1, 71, 48, 48)}),
    }
    for name, (shape, outs) in expect.items():
        sess = ort.InferenceSession(os.path.join(folder, name), providers=["CPUExecutionProvider"])
        got = sess.run(None, {"image": np.zeros(shape, np.float32)})
        names = [o.name for o in sess.get_outputs()]
        assert names == list(outs), (name, names)
        for (o, want), g in zip(outs.items(), got):
            assert g.shape == want, (name, o, g.shape, want)
        print("contract ok", name, {n: g.shape for n, g in zip(names, got)})


# ---------------------------------------------------------------------------------------------
# stand-in networks: colour matching


class ColourParts(nn.Module):
    """m_k = relu(1 - sum_c |x_c - code_kc| / tol) per pixel (x: BGR/256-0.5), 8x8 average pooled.

    |d| = relu(d) + relu(-d), so this is two 1x1 convolutions with ReLUs."""

    def __init__(self, codes_bgr, tolerance=60.0, pool=8):
        super().__init__()
        k = len(codes_bgr)
        codes = torch.tensor(codes_bgr, dtype=torch.float32) / 256.0 - 0.5  # [k,3]
        self.diff = nn.Conv2d(3, 6 * k, 1)
        self.match = nn.Conv2d(6 * k, k, 1)
        self.pool = nn.AvgPool2d(pool, pool) if pool > 1 else nn.Identity()
        with torch.no_grad():
            self.diff.weight.zero_()
            self.match.weight.zero_()
            for i in range(k):
                for c in range(3):
                    for s, sign in enumerate((1.0, -1.0)):
                        row = 6 * i + 2 * c + s
                        self.diff.weight[row, c, 0, 0] = sign
                        self.diff.bias[row] = -sign * codes[i, c]
                        self.match.weight[i, row, 0, 0] = -256.0 / tolerance
            self.match.bias.fill_(1.0)

    def forward(self, x):
        return self.pool(torch.relu(self.match(torch.relu(self.diff(x)))))


class BodyStandIn(nn.Module):
    """Heatmap channel k = gain * (joint k's colour found); PAF pair of limb k = the limb's drawn
    direction * gain * (limb colour found)."""

    def __init__(self, joint_codes, limb_code, limb_dirs, gain=8.0):
        super().__init__()
        self.parts = ColourParts(list(joint_codes) + [limb_code])
        self.heat = nn.Conv2d(19, 19, 1, bias=False)
        self.paf = nn.Conv2d(19, 38, 1, bias=False)
        with torch.no_grad():
            self.heat.weight.zero_()
            self.paf.weight.zero_()
            for j in range(18):
                self.heat.weight[j, j, 0, 0] = gain
            for ch, value in limb_dirs.items():
                self.paf.weight[ch, 18, 0, 0] = 3.0 * value

    def forward(self, x):
        p = self.parts(x)
        return self.paf(p), self.heat(p)


class ShiftedBlob(nn.Module):
    """Every output channel is gain * (the blob's colour found), shifted by its own offset (one tap
    of a dilated 5x5 kernel), so the channels peak at distinct points around the blob."""

    def __init__(self, code, channels, dilation, gain=2.0):
        super().__init__()
        self.parts = ColourParts([code], tolerance=80.0)
        self.shift = self.shift_conv(channels, dilation, gain=gain)

    @staticmethod
    def shift_conv(channels, dilation, in_channels=1, gain=2.0):
        conv = nn.Conv2d(in_channels, channels, 5, padding=2 * dilation, dilation=dilation, bias=False)
        taps = [(dy, dx) for dy in range(5) for dx in range(5)]
        order = sorted(taps, key=lambda t: (math.atan2(t[0] - 2, t[1] - 2), abs(t[0] - 2) + abs(t[1] - 2)))
        with torch.no_grad():
            conv.weight.zero_()
            for c in range(channels):
                dy, dx = order[(c * 7) % 25]
                conv.weight[c, c * in_channels // channels, dy, dx] = gain * (1.0 - 0.01 * (c % 5))
        return conv

    def forward(self, x):
        return self.shift(self.parts(x))


class AsStages(nn.Module):
    """FaceNet's calling convention (a list of stage outputs) around a stand-in."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return [self.net(x)]


class YoloxStandIn(nn.Module):
    """yolox_l's contract ([1, 3, 640, 640] BGR 0..255 -> [1, 8400, 85]: per anchor of the stride
    8, 16, 32 grids x/y offsets, log w/h, objectness, 80 class scores): at stride 32 the objectness
    is a sigmoid of how much of the cell has the neck's colour, the box a fixed person-sized one
    below the neck; the finer grids find nothing."""

    def __init__(self, neck_bgr, box_w, box_h, centre_dy):
        super().__init__()
        self.parts = ColourParts([neck_bgr], tolerance=80.0)
        self.pool2 = nn.AvgPool2d(2, 2)
        self.box = (box_w, box_h, centre_dy)

    def level(self, p, stride, live):
        w, h, dy = self.box
        zero = p * 0
        obj = torch.sigmoid(20 * (p - 0.1)) if live else torch.sigmoid(zero - 20)
        channels = [zero + 0.5, zero + 0.5 + (dy if live else 0), zero + math.log(w / stride),
                    zero + math.log(h / stride), obj, zero + 0.95] + [zero] * 79
        out = torch.cat(channels, dim=1)
        return out.flatten(2).transpose(1, 2)

    def forward(self, x):
        p8 = self.parts(x / 256 - 0.5)
        p16 = self.pool2(p8)
        p32 = self.pool2(p16)
        return torch.cat([self.level(p8, 8, False), self.level(p16, 16, False),
                          self.level(p32, 32, True)], dim=1)


class RtmposeStandIn(nn.Module):
    """dw-ll_ucoco_384's contract ([1, 3, 384, 288] normalised BGR -> simcc_x [1, 133, 576],
    simcc_y [1, 133, 768]): per keypoint a colour-match map of the crop (body: the joint's colour;
    feet: the ankles' shifted; face and hands: their blob shifted per keypoint), its maximum over
    rows (x) or columns (y), each position twice (SimCC split ratio 2)."""

    MEAN = [123.675, 116.28, 103.53]
    STD = [58.395, 57.12, 57.375]

    def __init__(self, joint_bgr, face_bgr, hand_bgr, coco_to_openpose):
        super().__init__()
        self.unnorm = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.unnorm.weight.zero_()
            for c in range(3):
                self.unnorm.weight[c, c, 0, 0] = self.STD[c]
                self.unnorm.bias[c] = self.MEAN[c]
        self.parts = ColourParts(list(joint_bgr) + [face_bgr, hand_bgr], tolerance=70.0, pool=1)
        self.body = nn.Conv2d(20, 17, 1, bias=False)
        self.feet = ShiftedBlob.shift_conv(6, 4, in_channels=2)
        self.face = ShiftedBlob.shift_conv(68, 4)
        self.hands = ShiftedBlob.shift_conv(42, 5)
        with torch.no_grad():
            self.body.weight.zero_()
            for k, j in enumerate(coco_to_openpose):
                self.body.weight[k, j, 0, 0] = 1.0
        self.ankles = [coco_to_openpose[15], coco_to_openpose[16]]

    def forward(self, x):
        m = self.parts(self.unnorm(x) / 256 - 0.5)
        heat = torch.cat([self.body(m), self.feet(m[:, self.ankles]), self.face(m[:, 18:19]),
                          self.hands(m[:, 19:20])], dim=1)
        sx = heat.amax(dim=2)
        sy = heat.amax(dim=3)
        twice = lambda t: t.unsqueeze(-1).expand(-1, -1, -1, 2).reshape(t.shape[0], t.shape[1], -1)  # noqa: E731
        return twice(sx), twice(sy)


# ---------------------------------------------------------------------------------------------
# the test figure

JOINT_RGB = [[255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0], [85, 255, 0],
             [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255], [0, 85, 255],
             [0, 0, 255], [85, 0, 255], [170, 0, 255], [255, 0, 255], [255, 0, 170], [255, 0, 85]]
LIMB_RGB = [150, 150, 150]
HAND_RGB = [235, 185, 140]
FACE_RGB = [190, 130, 100]
# x right, y down; openpose order: nose, neck, r-shoulder, r-elbow, r-wrist, l-shoulder, l-elbow,
# l-wrist, r-hip, r-knee, r-ankle, l-hip, l-knee, l-ankle, r-eye, l-eye, r-ear, l-ear
POSE = np.array([[0, 0], [0, 13], [-10, 14], [-15, 28], [-21, 46], [10, 14], [15, 29], [21, 46],
                 [-6, 42], [-7, 57], [-8, 72], [6, 42], [8, 57], [9, 72], [-4, -5], [4, -5],
                 [-10, 0], [10, 0]], dtype=np.float64)
LIMB_SEQ = [[2, 3], [2, 6], [3, 4], [4, 5], [6, 7], [7, 8], [2, 9], [9, 10], [10, 11], [2, 12],
            [12, 13], [13, 14], [2, 1], [1, 15], [15, 17], [1, 16], [16, 18], [3, 17], [6, 18]]
MAP_IDX = [[31, 32], [39, 40], [33, 34], [35, 36], [41, 42], [43, 44], [19, 20], [21, 22],
           [23, 24], [25, 26], [27, 28], [29, 30], [47, 48], [49, 50], [53, 54], [51, 52],
           [55, 56], [37, 38], [45, 46]]
PEOPLE = [((31.3, 20.6), 1.0), ((70.2, 27.2), 0.9)]
STRAYS = [(0, (88.4, 108.3)), (9, (12.6, 110.2))]  # lone joints that no limb joins
SIZE = (120, 100)
JOINT_SLOPE = (6.0, -6.0, 6.0)  # the joint colour match fades out 3.4 px from a joint's centre  # H, W: pads to 128x128


def limb_dirs():
    dirs = {}
    for (a, b), (ix, iy) in zip(LIMB_SEQ, MAP_IDX):
        v = POSE[b - 1] - POSE[a - 1]
        v = v / np.linalg.norm(v)
        dirs[ix - 19], dirs[iy - 19] = float(v[0]), float(v[1])
    return dirs


def cone(img, centre, radius, rgb, slope):
    """A disc whose colour is rgb at a (sub-pixel) centre and drifts by slope per pixel outwards:
    the colour match peaks at one point, so the stand-in's heatmaps have unique maxima."""
    h, w, _ = img.shape
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(xx - centre[0], yy - centre[1])
    inside = r <= radius
    col = np.array(rgb, np.float64)[None, :] + r[inside][:, None] * np.array(slope)[None, :]
    img[inside] = np.clip(np.round(col), 0, 255).astype(np.uint8)


def figure_image():
    import cv2

    h, w = SIZE
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([20 + 30 * xx / w, 25 + 20 * yy / h, 60 + 25 * (xx + yy) / (w + h)], axis=2)
    img = np.round(img).astype(np.uint8)
    for (cx, cy), s in PEOPLE:
        pts = POSE * s + np.array([cx, cy])
        cone(img, pts[0] + np.array([0.3, 1.2]), 12.5 * s, FACE_RGB, (3.0, -2.0, 2.0))
        for wrist, elbow in ((4, 3), (7, 6)):
            hand = pts[wrist] + 0.33 * (pts[wrist] - pts[elbow])
            cone(img, hand + np.array([0.4, -0.3]), 7.5 * s, HAND_RGB, (-4.0, 3.0, -4.0))
        for a, b in LIMB_SEQ[:17]:
            p, q = pts[a - 1], pts[b - 1]
            cv2.line(img, (int(round(p[0])), int(round(p[1]))), (int(round(q[0])), int(round(q[1]))),
                     LIMB_RGB, thickness=3)
        for j, (x, y) in enumerate(pts):
            cone(img, (x + 0.31 * (j % 3), y - 0.27 * (j % 4)), 3.4, JOINT_RGB[j], JOINT_SLOPE)
    for j, (x, y) in STRAYS:
        cone(img, (x, y), 3.4, JOINT_RGB[j], JOINT_SLOPE)
    return img


def standins():
    bgr = lambda rgb: list(reversed(rgb))  # noqa: E731
    body = BodyStandIn([bgr(c) for c in JOINT_RGB], bgr(LIMB_RGB), limb_dirs()).eval()
    hand = ShiftedBlob(bgr(HAND_RGB), 22, dilation=12).eval()
    face = ShiftedBlob(bgr(FACE_RGB), 71, dilation=7).eval()
    return body, hand, face


# ---------------------------------------------------------------------------------------------
# reference

OPENPOSE_METHODS = {
    "openpose": dict(include_body=True, include_hand=False, include_face=False),
    "openpose_face": dict(include_body=True, include_hand=False, include_face=True),
    "openpose_faceonly": dict(include_body=False, include_hand=False, include_face=True),
    "openpose_full": dict(include_body=True, include_hand=True, include_face=True),
    "openpose_hand": dict(include_body=False, include_hand=True, include_face=False),
}


def pad64(x):
    return int(np.ceil(float(x) / 64.0) * 64 - x)


def at_own_resolution(detector, rgb, **params):
    """The shared resolution rule: pad to multiples of 64 by edge replication, detect at the padded
    short side (so resize_image is the identity), crop back."""
    from controlnet_aux.util import HWC3

    h, w, _ = rgb.shape
    padded = np.pad(rgb, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")
    res = min(padded.shape[:2])
    out = detector(padded, detect_resolution=res, image_resolution=res, output_type="np", **params)
    return HWC3(np.asarray(out))[:h, :w]


def openpose_detector(body_net, hand_net, face_net):
    from controlnet_aux.open_pose import OpenposeDetector
    from controlnet_aux.open_pose.body import Body
    from controlnet_aux.open_pose.face import Face
    from controlnet_aux.open_pose.hand import Hand

    body, hand, face = Body.__new__(Body), Hand.__new__(Hand), Face.__new__(Face)
    body.model, hand.model, face.model = body_net, hand_net, AsStages(face_net)
    return OpenposeDetector(body, hand, face)


def reference(args):
    import_controlnet_aux()
    from PIL import Image

    out = args.out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    rgb = figure_image()
    Image.fromarray(rgb).save(os.path.join(out, "input.png"))
    body, hand, face = standins()
    for net, name, shape in ((body, "body_pose_model.onnx", (1, 3, 184, 184)),
                             (hand, "hand_pose_model.onnx", (1, 3, 184, 184)),
                             (face, "facenet.onnx", (1, 3, 384, 384))):
        outs = ["paf", "heatmap"] if net is body else ["heatmap"]
        dyn = None if net is face else {"image": {2: "height", 3: "width"}}
        torch.onnx.export(net, (torch.zeros(shape),), os.path.join(out, name), input_names=["image"],
                          output_names=outs, dynamic_axes=dyn, opset_version=17, dynamo=False)
    detector = openpose_detector(body, hand, face)
    gaps = spy_argmax_gaps()
    poses = {}
    record_poses(detector, poses)
    for method, params in OPENPOSE_METHODS.items():
        result = at_own_resolution(detector, rgb, **params)
        Image.fromarray(result).save(os.path.join(out, f"{method}.png"))
        print(method, "non-black pixels", int((result.max(axis=2) > 0).sum()))
    with open(os.path.join(out, "openpose_poses.json"), "w") as f:
        json.dump(poses, f, indent=1)
    print("hand and face argmax gap (best - second best)", min(gaps))
    body_raw(body, rgb, out)
    check_margins(rgb, body)
    gaussian_filter_case(out)
    dwpose_reference(args, rgb, out)


COCO_TO_OPENPOSE = [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10]


def dwpose_modules(src):
    """IDEA-Research/DWPose's ControlNet annotator (onnxdet, onnxpose, wholebody: the ONNX
    pipeline) from its repository checkout, as a package of its own."""
    import importlib.util
    import subprocess
    import tempfile

    folder = tempfile.mkdtemp()
    package = os.path.join(folder, "dwpose_onnx")
    os.makedirs(package)
    open(os.path.join(package, "__init__.py"), "w").close()
    for name in ("onnxdet.py", "onnxpose.py", "wholebody.py"):
        text = subprocess.run(["git", "-C", src, "show", f"HEAD:ControlNet-v1-1-nightly/annotator/dwpose/{name}"],
                              check=True, capture_output=True, text=True).stdout
        with open(os.path.join(package, name), "w") as f:
            f.write(text)
    sys.path.insert(0, folder)
    import dwpose_onnx.wholebody as wholebody
    return wholebody


def dwpose_reference(args, rgb, out):
    import onnxruntime as ort
    from PIL import Image

    bgr = lambda c: list(reversed(c))  # noqa: E731
    yolox = YoloxStandIn(bgr(JOINT_RGB[1]), box_w=320, box_h=506, centre_dy=3.2).eval()
    rtm = RtmposeStandIn([bgr(c) for c in JOINT_RGB], bgr(FACE_RGB), bgr(HAND_RGB), COCO_TO_OPENPOSE).eval()
    det_path, pose_path = os.path.join(out, "yolox_l.onnx"), os.path.join(out, "dw-ll_ucoco_384.onnx")
    torch.onnx.export(yolox, (torch.zeros(1, 3, 640, 640),), det_path, input_names=["images"],
                      output_names=["output"], opset_version=17, dynamo=False)
    torch.onnx.export(rtm, (torch.zeros(1, 3, 384, 288),), pose_path, input_names=["input"],
                      output_names=["simcc_x", "simcc_y"], opset_version=17, dynamo=False)
    wholebody = dwpose_modules(args.dwpose_src)
    estimator = wholebody.Wholebody.__new__(wholebody.Wholebody)
    estimator.session_det = ort.InferenceSession(det_path, providers=["CPUExecutionProvider"])
    estimator.session_pose = ort.InferenceSession(pose_path, providers=["CPUExecutionProvider"])
    from controlnet_aux.dwpose import DWposeDetector

    detector = DWposeDetector.__new__(DWposeDetector)
    detector.pose_estimation = estimator
    found = {}
    original = estimator.__call__

    class Recording:
        def __call__(self, img):
            keypoints, scores = original(img)
            found["keypoints"], found["scores"] = keypoints.tolist(), scores.tolist()
            return keypoints, scores

    detector.pose_estimation = Recording()
    result = at_own_resolution(detector, rgb)
    Image.fromarray(result).save(os.path.join(out, "dwpose.png"))
    with open(os.path.join(out, "dwpose_poses.json"), "w") as f:
        json.dump(found, f)
    print("dwpose people", len(found["keypoints"]), "non-black pixels", int((result.max(axis=2) > 0).sum()))


def gaussian_filter_case(out):
    """scipy.ndimage.gaussian_filter(sigma=3) of a small float64 image (reflect borders, a radius
    larger than the image): the check of the Java ScipyGaussianFilter."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(3)
    image = rng.standard_normal((9, 14)) + np.linspace(0, 2, 14)[None, :]
    with open(os.path.join(out, "gaussian_filter.json"), "w") as f:
        json.dump({"sigma": 3.0, "input": image.tolist(),
                   "output": gaussian_filter(image, sigma=3).tolist()}, f)


def record_poses(detector, poses):
    """Wraps detect_poses to record what it found (normalised keypoints), for debugging the Java
    side stage by stage."""
    original = detector.detect_poses

    def detect_poses(img, include_hand=False, include_face=False):
        results = original(img, include_hand, include_face)
        key = f"hand={include_hand},face={include_face}"
        kp = lambda ks: None if ks is None else [None if k is None else [float(k.x), float(k.y)] for k in ks]  # noqa: E731
        poses[key] = [dict(body=kp(r.body.keypoints), total_score=float(r.body.total_score),
                           total_parts=float(r.body.total_parts), left_hand=kp(r.left_hand),
                           right_hand=kp(r.right_hand), face=kp(r.face)) for r in results]
        return results

    detector.detect_poses = detect_poses


def spy_argmax_gaps():
    """Records how far each hand/face keypoint's argmax is from a tie."""
    from controlnet_aux.open_pose import face as face_module
    from controlnet_aux.open_pose import util

    gaps = []

    def gap(values):
        top = np.sort(values.ravel())[-2:]
        if top.size == 2:
            gaps.append(float(top[1] - top[0]))

    npmax = util.npmax

    def spy_npmax(array):
        gap(array)
        return npmax(array)

    util.npmax = spy_npmax
    peaks = face_module.Face.compute_peaks_from_heatmaps

    def spy_peaks(self, heatmaps):
        for m in heatmaps:
            gap(m[m > 0.05])
        return peaks(self, heatmaps)

    face_module.Face.compute_peaks_from_heatmaps = spy_peaks
    return gaps


def body_raw(body, rgb, out):
    """The body stand-in's outputs for the image the detector feeds it (padded image, BGR, resized
    to 184 rows, padded to a multiple of 8): Java's ONNX run is checked against these."""
    from controlnet_aux.open_pose import util

    h, w, _ = rgb.shape
    padded = np.pad(rgb, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")[:, :, ::-1].copy()
    scale = 0.5 * 368 / padded.shape[0]
    test = util.smart_resize_k(padded, fx=scale, fy=scale)
    test, _ = util.padRightDownCorner(test, 8, 128)
    im = np.ascontiguousarray(np.transpose(np.float32(test[:, :, :, None]), (3, 2, 0, 1)) / 256 - 0.5)
    with torch.no_grad():
        paf, heat = body(torch.from_numpy(im).float())
    np.concatenate([paf.numpy().ravel(), heat.numpy().ravel()]).astype("<f4").tofile(
        os.path.join(out, "body_raw.f32"))
    with open(os.path.join(out, "body_raw.json"), "w") as f:
        json.dump({"input": list(im.shape), "paf": list(paf.shape), "heatmap": list(heat.shape),
                   "layout": "paf then heatmap, float32 little-endian"}, f)


def check_margins(rgb, body):
    """How far the body peak decisions are from flipping (a float difference between torch and
    ONNX Runtime must not change them)."""
    import controlnet_aux.open_pose.body as body_module

    captured = {}
    original = body_module.gaussian_filter

    def spy(x, sigma):
        y = original(x, sigma=sigma)
        captured.setdefault("maps", []).append(y)
        return y

    body_module.gaussian_filter = spy
    try:
        h, w, _ = rgb.shape
        padded = np.pad(rgb, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")[:, :, ::-1].copy()
        b = body_module.Body.__new__(body_module.Body)
        b.model = body
        b(padded)
    finally:
        body_module.gaussian_filter = original
    worst = float("inf")
    for m in captured["maps"][:18]:
        shifted = []
        for axis, step in ((0, 1), (0, -1), (1, 1), (1, -1)):
            n = np.zeros_like(m)
            if axis == 0 and step == 1:
                n[1:, :] = m[:-1, :]
            elif axis == 0:
                n[:-1, :] = m[1:, :]
            elif step == 1:
                n[:, 1:] = m[:, :-1]
            else:
                n[:, :-1] = m[:, 1:]
            shifted.append(n)
        q = np.min([m - n for n in shifted], axis=0)  # a peak iff q >= 0 (and m > 0.1)
        considered = m > 0.1
        if considered.any():
            worst = min(worst, np.abs(q[considered]).min())
        peaks = q >= 0
        if peaks.any():
            worst = min(worst, np.abs(m[peaks] - 0.1).min())
    print("body peak decision margin", worst)


def main():
    def reference_arguments(parser):
        parser.add_argument("--out", default=OUT)
        parser.add_argument("--dwpose-src", default=DEFAULT_DWPOSE_SRC)

    annotator_tool.run(__doc__, export, reference,
                       "folder with body_pose_model.pth, hand_pose_model.pth, facenet.pth"
                       " (and yolox_l.onnx, dw-ll_ucoco_384.onnx to copy)", reference_arguments)


if __name__ == "__main__":
    main()
