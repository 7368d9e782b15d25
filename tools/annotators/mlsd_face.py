"""ONNX files and test data for the `mlsd` and `mediapipe_face` ControlNet preprocessors.

    python tools/annotators/mlsd_face.py export --checkpoints DIR --out MODELS/annotators [--random]
    python tools/annotators/mlsd_face.py reference
    python tools/annotators/mlsd_face.py reference --real-models MODELS --images IMAGES

`export` writes `mlsd_large_512_fp32.onnx` from lllyasviel/Annotators' `mlsd_large_512_fp32.pth`
(controlnet_aux's MobileV2_MLSD_Large; `--random`: the same architecture with random weights), and
converts MediaPipe's `face_detection_short_range.tflite` and `face_landmark_with_attention.tflite`
to ONNX with tflite_onnx.py (which needs tensorflow-cpu for the TFLite schema and the checks),
checking each against tf.lite.Interpreter; a file missing from DIR is skipped.

`reference` writes the test data under engine/src/test/resources/annotators/mlsd-face/: tiny
stand-in networks with the real input/output contract, input images, and what controlnet_aux's
detector code makes of them with those stand-ins (mediapipe_face: a NumPy port of MediaPipe's
FaceMesh graph, since mediapipe itself does not install here).

Needs torch, numpy, opencv-python-headless, onnx, onnxruntime, pillow, and controlnet_aux 0.0.10's
source on PYTHONPATH (its package __init__ imports mediapipe, so only submodules are imported):
    git -C /work/.mirror/huggingface+controlnet_aux/repo archive HEAD src | tar -x -C /tmp/cnaux
    PYTHONPATH=/tmp/cnaux/src python tools/annotators/mlsd_face.py reference
"""

import os

import cv2
import numpy as np
import torch
from PIL import Image

import annotator_tool

OUT = "engine/src/test/resources/annotators/mlsd-face/"

MLSD_ONNX = "mlsd_large_512_fp32.onnx"
MLSD_INPUT = "image"
MLSD_OUTPUT = "lines"


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
    annotator_tool.bare_package("controlnet_aux")
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
# mediapipe_face: a NumPy port of MediaPipe's FaceMesh solution graph (static_image_mode=True,
# refine_landmarks=True), google/mediapipe at 9d8807788567c01dbd998c0a3d0f730b9686912d, since
# mediapipe itself does not install here. float32 arithmetic where the C++ computes in float (exp,
# sin, cos, atan2 in double, rounded to float; no fused multiply-add); the OpenCV steps of the
# ImageToTensor converter through cv2 itself.

F = np.float32
FACE_DETECTOR_ONNX = "face_detection_short_range.onnx"
FACE_LANDMARK_ONNX = "face_landmark_with_attention.onnx"
DETECTOR_SIZE = 128
LANDMARK_SIZE = 192
DETECTOR_OUTPUTS = ["regressors", "classificators"]
LANDMARK_OUTPUTS = [
    "output_mesh_identity",
    "output_lips",
    "output_left_eye",
    "output_right_eye",
    "output_left_iris",
    "output_right_iris",
    "conv_faceflag",
]
LANDMARK_COUNTS = [468, 80, 71, 71, 5, 5]

# modules/face_landmark/tensors_to_face_landmarks_with_attention.pbtxt: where the refinement
# tensors' landmarks go in the 478 (the mesh's 468 map to themselves).
LIPS_MAP = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270,
            409, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311,
            310, 415, 76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302,
            303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12,
            268, 271, 272, 407]
LEFT_EYE_MAP = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130,
                25, 110, 24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229,
                230, 231, 232, 233, 244, 113, 225, 224, 223, 222, 221, 189, 35, 124, 46, 53, 52, 65,
                143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66, 107, 55, 193]
RIGHT_EYE_MAP = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
                 359, 255, 339, 254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414,
                 446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444, 443, 442, 441, 413,
                 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465, 383,
                 300, 293, 334, 296, 336, 285, 417]
LEFT_IRIS_MAP = [468, 469, 470, 471, 472]
RIGHT_IRIS_MAP = [473, 474, 475, 476, 477]
REFINEMENT_MAPS = [list(range(468)), LIPS_MAP, LEFT_EYE_MAP, RIGHT_EYE_MAP, LEFT_IRIS_MAP,
                   RIGHT_IRIS_MAP]

# controlnet_aux's mediapipe_face_common.py drawing specs (BGR, thickness 2), by contour.
CONTOUR_COLORS_BGR = {
    "FACEMESH_FACE_OVAL": (10, 200, 10),
    "FACEMESH_LEFT_EYE": (180, 200, 10),
    "FACEMESH_LEFT_EYEBROW": (180, 220, 10),
    "FACEMESH_RIGHT_EYE": (10, 200, 180),
    "FACEMESH_RIGHT_EYEBROW": (10, 220, 180),
    "FACEMESH_LIPS": (10, 180, 10),
}
IRIS_COLORS_BGR = {468: (10, 200, 250), 473: (250, 200, 10)}
MIN_FACE_SIZE_PIXELS = 64
MEDIAPIPE = "/work/.mirror/google+mediapipe/repo"
CONNECTIONS_RESOURCE = (
    "engine/src/main/resources/network/hydrogen/engine/controlnet/mediapipe_face_connections.txt"
)


def face_mesh_connections():
    """controlnet_aux's face_connection_spec, in its iteration order: a dict filled from
    mediapipe's FACEMESH_* frozensets (CPython's set order), later contours overwriting the colour
    of an edge already there without moving it. Returns [(start, end, bgr)]."""
    import subprocess

    source = subprocess.run(
        ["git", "-C", MEDIAPIPE, "show", "HEAD:mediapipe/python/solutions/face_mesh_connections.py"],
        check=True, capture_output=True, text=True).stdout
    sets = {}
    exec(source, sets)
    spec = {}
    for name, color in CONTOUR_COLORS_BGR.items():
        for edge in sets[name]:
            spec[edge] = color
    return [(a, b, color) for (a, b), color in spec.items()]


def write_connections_resource(connections):
    with open(CONNECTIONS_RESOURCE, "w") as out:
        out.write("# controlnet_aux's face_connection_spec in its drawing order: start end R G B\n")
        out.write("# (written by tools/annotators/mlsd_face.py from mediapipe's face_mesh_connections.py)\n")
        for a, b, (blue, green, red) in connections:
            out.write(f"{a} {b} {red} {green} {blue}\n")


def f_exp(x):
    return F(np.exp(np.float64(x)))


def f_sigmoid(x):
    """1.0f / (1.0f + std::exp(-x)) in float."""
    return F(1.0) / (F(1.0) + f_exp(-F(x)))


def ssd_anchors():
    """calculators/tflite/ssd_anchors_calculator.cc with face_detection_short_range's options:
    strides 8, 16, 16, 16 on 128x128, two anchors a cell per layer, fixed size 1; (x, y) centres."""
    strides = [8, 16, 16, 16]
    anchors = []
    layer = 0
    while layer < len(strides):
        last = layer
        per_cell = 0
        while last < len(strides) and strides[last] == strides[layer]:
            per_cell += 2  # aspect ratio 1.0 and the interpolated scale
            last += 1
        size = int(np.ceil(F(DETECTOR_SIZE) / F(strides[layer])))
        for y in range(size):
            for x in range(size):
                for _ in range(per_cell):
                    anchors.append(((F(x) + F(0.5)) * F(1.0) / F(size),
                                    (F(y) + F(0.5)) * F(1.0) / F(size)))
        layer = last
    return anchors


def letterbox_roi(width, height):
    """image_to_tensor_utils.cc GetRoi (whole image) and PadRoi (keep_aspect_ratio) for the
    128x128 detector input: (center_x, center_y, width, height, rotation)."""
    cx, cy, w, h = F(0.5) * F(width), F(0.5) * F(height), F(width), F(height)
    tensor_aspect = F(DETECTOR_SIZE) / F(DETECTOR_SIZE)
    roi_aspect = h / w
    if tensor_aspect > roi_aspect:
        new_w, new_h = w, w * tensor_aspect
    else:
        new_w, new_h = h / tensor_aspect, h
    return cx, cy, new_w, new_h, F(0.0)


def warp_to_tensor(rgb, roi, size, border, value_min, value_max):
    """image_to_tensor_converter_opencv.cc: the rotated ROI to size x size by cv2.boxPoints,
    getPerspectiveTransform and warpPerspective (INTER_LINEAR), then convertTo float into
    [value_min, value_max] (scale and offset in float)."""
    cx, cy, w, h, rotation = roi
    angle = F(F(rotation) * F(180.0) / np.float64(np.pi))
    src = cv2.boxPoints(((float(cx), float(cy)), (float(w), float(h)), float(angle)))
    d = float(size)
    dst = np.array([[0.0, d], [0.0, 0.0], [d, 0.0], [d, d]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border)
    scale = (F(value_max) - F(value_min)) / (F(255.0) - F(0.0))
    offset = F(value_min) - F(0.0) * scale
    return (warped.astype(np.float32) * scale + offset)[None]


def sub_rect_to_rect_matrix(roi, width, height):
    """image_to_tensor_utils.cc GetRotatedSubRectToRectTransformMatrix (no flip): rows 0 and 1."""
    cx, cy, a, b, rotation = roi
    c = F(np.cos(np.float64(rotation)))
    d = F(np.sin(np.float64(rotation)))
    g = F(1.0) / F(width)
    h = F(1.0) / F(height)
    return (a * c * g, -b * d * g, (F(-0.5) * a * c + F(0.5) * b * d + cx) * g,
            a * d * h, b * c * h, (F(-0.5) * b * c - F(0.5) * a * d + cy) * h)


def decode_detections(regressors, classificators, min_score):
    """tensors_to_detections_calculator.cc ProcessCPU, DecodeBoxes (XYWH, scales 128, anchors of
    size 1) and ConvertToDetections: detections as dicts of score, box (xmin, ymin, w, h) and six
    keypoints, in anchor order, those scoring below min_score or with a negative size left out."""
    anchors = ssd_anchors()
    raw = regressors.reshape(896, 16)
    logits = classificators.reshape(896)
    scale = F(128.0)
    detections = []
    for i, (ax, ay) in enumerate(anchors):
        logit = min(max(F(logits[i]), F(-100.0)), F(100.0))
        score = f_sigmoid(logit)
        if score < min_score:
            continue
        r = raw[i]
        x_center = r[0] / scale * F(1.0) + ax
        y_center = r[1] / scale * F(1.0) + ay
        w = r[2] / scale * F(1.0)
        h = r[3] / scale * F(1.0)
        ymin, xmin = y_center - h / F(2.0), x_center - w / F(2.0)
        ymax, xmax = y_center + h / F(2.0), x_center + w / F(2.0)
        width, height = xmax - xmin, ymax - ymin
        if width < 0 or height < 0 or np.isnan(width) or np.isnan(height):
            continue
        keypoints = [(r[4 + 2 * k] / scale * F(1.0) + ax, r[5 + 2 * k] / scale * F(1.0) + ay)
                     for k in range(6)]
        detections.append({"score": score, "box": (xmin, ymin, width, height), "keypoints": keypoints})
    return detections


def rect_bounds(box):
    """Rectangle_f(xmin, ymin, width, height): (xmin, ymin, xmax, ymax)."""
    xmin, ymin, w, h = box
    return xmin, ymin, xmin + w, ymin + h


def iou(box1, box2):
    """non_max_suppression_calculator.cc OverlapSimilarity (INTERSECTION_OVER_UNION) and
    util/rectangle_util.cc CalculateIou, on framework/deps/rectangle.h's Rectangle_f."""
    a = rect_bounds(box1)
    b = rect_bounds(box2)
    empty = lambda r: r[0] > r[2] or r[1] > r[3]
    if empty(a) or empty(b) or b[2] < a[0] or a[2] < b[0] or b[3] < a[1] or a[3] < b[1]:
        return F(0.0)
    ix0, iy0, ix1, iy1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = (ix1 - ix0) * (iy1 - iy0) if not (ix0 > ix1 or iy0 > iy1) else F(0.0)
    norm = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / norm if norm > F(0.0) else F(0.0)


def weighted_nms(detections):
    """non_max_suppression_calculator.cc WeightedNonMaxSuppression (IoU > 0.3): by score,
    highest first (ties in anchor order: std::sort leaves them open), each kept detection the
    score-weighted mean box and keypoints of those it suppresses."""
    order = sorted(range(len(detections)), key=lambda i: -detections[i]["score"])
    out = []
    while order:
        top = detections[order[0]]
        candidates, remained = [], []
        for i in order:
            (candidates if iou(detections[i]["box"], top["box"]) > F(0.3) else remained).append(i)
        result = dict(top)
        if candidates:
            total = F(0.0)
            sums = [F(0.0)] * 4
            keypoints = [[F(0.0), F(0.0)] for _ in range(6)]
            for i in candidates:
                d = detections[i]
                s = d["score"]
                total = total + s
                xmin, ymin, w, h = d["box"]
                sums = [sums[0] + xmin * s, sums[1] + ymin * s, sums[2] + (xmin + w) * s,
                        sums[3] + (ymin + h) * s]
                for k in range(6):
                    keypoints[k][0] = keypoints[k][0] + d["keypoints"][k][0] * s
                    keypoints[k][1] = keypoints[k][1] + d["keypoints"][k][1] * s
            xmin, ymin = sums[0] / total, sums[1] / total
            result["box"] = (xmin, ymin, sums[2] / total - xmin, sums[3] / total - ymin)
            result["keypoints"] = [(kx / total, ky / total) for kx, ky in keypoints]
        out.append(result)
        if len(remained) == len(order):
            break
        order = remained
    return out


def project_detection(detection, m):
    """detection_projection_calculator.cc: keypoints and the box's corners through the matrix."""
    project = lambda x, y: (x * m[0] + y * m[1] + m[2], x * m[3] + y * m[4] + m[5])
    xmin, ymin, w, h = detection["box"]
    corners = [project(xmin, ymin), project(xmin + w, ymin), project(xmin + w, ymin + h),
               project(xmin, ymin + h)]
    x0 = min(c[0] for c in corners)
    y0 = min(c[1] for c in corners)
    x1 = max(c[0] for c in corners)
    y1 = max(c[1] for c in corners)
    return {"score": detection["score"], "box": (x0, y0, x1 - x0, y1 - y0),
            "keypoints": [project(x, y) for x, y in detection["keypoints"]]}


def normalize_radians(angle):
    """detections_to_rects_calculator.h NormalizeRadians, in double, stored as float."""
    a = np.float64(angle)
    return F(a - 2 * np.pi * np.floor((a - (-np.pi)) / (2 * np.pi)))


def detection_to_roi(detection, width, height):
    """modules/face_landmark/face_detection_front_detection_to_roi.pbtxt:
    DetectionsToRectsCalculator (box centre, rotation from keypoint 0 to 1, target 0) and
    RectTransformationCalculator (square_long, scale 1.5): normalized (xc, yc, w, h, rotation)."""
    xmin, ymin, w, h = detection["box"]
    xc = xmin + w / F(2.0)
    yc = ymin + h / F(2.0)
    (kx0, ky0), (kx1, ky1) = detection["keypoints"][0], detection["keypoints"][1]
    x0, y0 = kx0 * F(width), ky0 * F(height)
    x1, y1 = kx1 * F(width), ky1 * F(height)
    atan = F(np.arctan2(np.float64(-(y1 - y0)), np.float64(x1 - x0)))
    rotation = normalize_radians(F(0.0) - atan)
    long_side = max(w * F(width), h * F(height))
    return (xc, yc, long_side / F(width) * F(1.5), long_side / F(height) * F(1.5), rotation)


def associate(rois):
    """association_calculator.h with AssociationNormRectCalculator (IoU > 0.5): each ROI in turn
    replaces the earlier ones it overlaps."""
    result = []
    for roi in rois:
        xc, yc, w, h, _ = roi
        box = (F(np.float64(xc) - np.float64(w) / 2.0), F(np.float64(yc) - np.float64(h) / 2.0), w, h)
        kept = []
        for other in result:
            oxc, oyc, ow, oh, _ = other
            obox = (F(np.float64(oxc) - np.float64(ow) / 2.0),
                    F(np.float64(oyc) - np.float64(oh) / 2.0), ow, oh)
            if not iou(box, obox) > F(0.5):
                kept.append(other)
        result = kept + [roi]
    return result


def face_landmarks(outputs, roi):
    """The landmark model's outputs to 478 normalized image landmarks (x, y), or None when the
    face flag's sigmoid is not above 0.5: TensorsToLandmarks (/192), LandmarksRefinement (x, y of
    each refinement tensor to its indexes), LandmarkProjection with the ROI (rotation, size,
    centre)."""
    presence = f_sigmoid(F(outputs[6].reshape(-1)[0]))
    if not np.float64(presence) > 0.5:
        return None
    refined = np.zeros((478, 2), np.float32)
    for tensor, count, mapping in zip(outputs[:6], LANDMARK_COUNTS, REFINEMENT_MAPS):
        values = tensor.reshape(count, -1)
        for i in range(count):
            refined[mapping[i]] = (values[i, 0] / F(LANDMARK_SIZE), values[i, 1] / F(LANDMARK_SIZE))
    xc, yc, w, h, rotation = roi
    cos = F(np.cos(np.float64(rotation)))
    sin = F(np.sin(np.float64(rotation)))
    out = np.zeros((478, 2), np.float32)
    for i in range(478):
        x = refined[i, 0] - F(0.5)
        y = refined[i, 1] - F(0.5)
        out[i] = ((cos * x - sin * y) * w + xc, (sin * x + cos * y) * h + yc)
    return out


def face_mesh(rgb, detector, landmarker, max_faces, min_confidence):
    """FaceMesh(static_image_mode=True, max_num_faces, refine_landmarks=True,
    min_detection_confidence).process(rgb).multi_face_landmarks, through the two networks
    (callables from an NHWC float32 tensor to the list of outputs)."""
    height, width, _ = rgb.shape
    letterbox = letterbox_roi(width, height)
    tensor = warp_to_tensor(rgb, letterbox, DETECTOR_SIZE, cv2.BORDER_CONSTANT, -1.0, 1.0)
    regressors, classificators = detector(tensor)
    detections = weighted_nms(decode_detections(regressors, classificators, F(min_confidence)))
    matrix = sub_rect_to_rect_matrix(letterbox, width, height)
    detections = [project_detection(d, matrix) for d in detections][:max_faces]
    rois = associate([detection_to_roi(d, width, height) for d in detections])
    faces = []
    for roi in rois:
        xc, yc, w, h, rotation = roi
        pixel_roi = (xc * F(width), yc * F(height), w * F(width), h * F(height), rotation)
        crop = warp_to_tensor(rgb, pixel_roi, LANDMARK_SIZE, cv2.BORDER_REPLICATE, 0.0, 1.0)
        landmarks = face_landmarks(landmarker(crop), roi)
        if landmarks is not None:
            faces.append(landmarks)
    return faces


def draw_face(image, landmarks, connections):
    """mediapipe's drawing_utils.draw_landmarks (connections only) and controlnet_aux's
    draw_pupils, on a BGR image."""
    rows, cols, _ = image.shape
    points = {}
    for i, (x, y) in enumerate(landmarks):
        x, y = float(x), float(y)
        if 0 <= x <= 1 and 0 <= y <= 1:
            points[i] = (min(int(np.floor(x * cols)), cols - 1), min(int(np.floor(y * rows)), rows - 1))
    for a, b, color in connections:
        if a in points and b in points:
            cv2.line(image, points[a], points[b], color, 2)
    for index, color in IRIS_COLORS_BGR.items():
        x, y = float(landmarks[index][0]), float(landmarks[index][1])
        if x >= 1.0 or x < 0 or y >= 1.0 or y < 0:
            continue
        px, py = int(cols * x), int(rows * y)
        image[py - 2:py + 2, px - 2:px + 2, :] = color


def generate_annotation(rgb, detector, landmarker, max_faces, min_confidence, connections):
    """controlnet_aux's mediapipe_face_common.generate_annotation with face_mesh() for
    mediapipe's FaceMesh."""
    faces = face_mesh(rgb, detector, landmarker, max_faces, min_confidence)
    if not faces:
        return np.zeros_like(rgb)
    height, width, _ = rgb.shape
    kept = []
    for landmarks in faces:
        xs = [float(v) for v in landmarks[:, 0]]
        ys = [float(v) for v in landmarks[:, 1]]
        face_width = abs(max(xs) - min(xs)) * width
        face_height = abs(max(ys) - min(ys)) * height
        if min(face_width, face_height) >= MIN_FACE_SIZE_PIXELS:
            kept.append(landmarks)
    empty = np.zeros_like(rgb)
    for landmarks in kept:
        draw_face(empty, landmarks, connections)
    return empty[:, :, ::-1].copy()


def mediapipe_face_detect(rgb, detector, landmarker, max_faces, min_confidence, connections):
    """controlnet_aux's MediapipeFaceDetector under the resolution rule (its resize_image and
    final INTER_LINEAR resize are identities there); min_confidence in percent."""
    return at_own_resolution(
        rgb,
        lambda padded, res: generate_annotation(
            padded, detector, landmarker, max_faces, min_confidence / 100.0, connections),
    )


# ---------------------------------------------------------------------------------------------
# mediapipe_face stand-ins: tiny networks with the converted models' contracts whose outputs are
# fixed tensors (two faces, a plausible mesh) scaled slightly by a feature of the image.

FACES_IMAGE = (176, 100)  # padded to 192x128: letterboxed into the 128x128 detector input
# (centre x, centre y, box width, box height, eye tilt in pixels, logits) in image pixels
FACES = [(50.0, 58.0, 56.0, 64.0, 4.0, [3.0, 2.0, 1.0]), (128.0, 54.0, 52.0, 60.0, -3.0, [1.2])]


class GlobalFeature(torch.nn.Module):
    """NHWC image -> one number a batch: a strided convolution, tanh, mean, linear."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 4, stride=4)
        self.linear = torch.nn.Linear(4, 1)

    def forward(self, nhwc):
        y = torch.tanh(self.conv(nhwc.permute(0, 3, 1, 2)))
        return self.linear(y.mean(dim=(2, 3)))


class DetectorStandIn(torch.nn.Module):
    """(1, 128, 128, 3) in [-1, 1] -> regressors (1, 896, 16), classificators (1, 896, 1)."""

    def __init__(self, regressors, classificators):
        super().__init__()
        self.feature = GlobalFeature()
        self.register_buffer("regressors", torch.from_numpy(regressors))
        self.register_buffer("classificators", torch.from_numpy(classificators))

    def forward(self, image):
        s = self.feature(image).reshape(1, 1, 1)
        return self.regressors * (1.0 + 0.002 * s), self.classificators + 0.05 * s


class LandmarkStandIn(torch.nn.Module):
    """(1, 192, 192, 3) in [0, 1] -> the attention mesh model's seven outputs."""

    def __init__(self, outputs):
        super().__init__()
        self.feature = GlobalFeature()
        for name, value in zip(LANDMARK_OUTPUTS, outputs):
            self.register_buffer(name, torch.from_numpy(value))

    def forward(self, image):
        s = self.feature(image).reshape(1, 1, 1, 1)
        outs = [getattr(self, name) * (1.0 + 0.002 * s) for name in LANDMARK_OUTPUTS[:6]]
        return (*outs, getattr(self, LANDMARK_OUTPUTS[6]) + 0.1 * s)


def detector_constants():
    """Raw outputs that decode to FACES in the padded FACES_IMAGE: per face one anchor per logit
    (the nearest ones), each box a little off the face's so that weighted NMS averages them."""
    width, height = 192, 128
    anchors = ssd_anchors()
    regressors = np.zeros((896, 16), np.float32)
    classificators = np.full((896, 1), -6.0, np.float32)
    scale = DETECTOR_SIZE / max(width, height)
    top = (max(width, height) - height) / 2.0  # letterbox rows above the image in image pixels
    left = (max(width, height) - width) / 2.0
    for cx, cy, w, h, tilt, logits in FACES:
        tx, ty = (cx + left) * scale, (cy + top) * scale
        order = sorted(range(896), key=lambda i: (anchors[i][0] * 128 - tx) ** 2 + (anchors[i][1] * 128 - ty) ** 2)
        for n, logit in enumerate(logits):
            i = order[n * 2]  # a different cell each (two anchors a cell)
            ax, ay = anchors[i][0] * 128, anchors[i][1] * 128
            jitter = 1.5 * n
            regressors[i, :4] = [tx + jitter - ax, ty - jitter - ax * 0 - ay, w * scale + jitter, h * scale - jitter]
            eyes = [(-0.2 * w, -0.15 * h - tilt / 2), (0.2 * w, -0.15 * h + tilt / 2), (0, 0.05 * h),
                    (0, 0.25 * h), (-0.45 * w, -0.05 * h), (0.45 * w, -0.05 * h)]
            for k, (dx, dy) in enumerate(eyes):
                regressors[i, 4 + 2 * k] = tx + dx * scale + jitter - ax
                regressors[i, 5 + 2 * k] = ty + dy * scale - ay
            classificators[i, 0] = logit
    return regressors, classificators


def chain(edges, start):
    """The landmark indices along a connected chain of edges from start."""
    nxt = {}
    for a, b in edges:
        nxt.setdefault(a, []).append(b)
    path = [start]
    while path[-1] in nxt and nxt[path[-1]]:
        path.append(nxt[path[-1]].pop(0))
    return path


def landmark_constants():
    """A plausible mesh in 192x192 crop pixels: the contours controlnet_aux draws on ellipses and
    arcs, the other mesh points scattered inside the face; the refinement tensors a little off the
    mesh's points (so the refinement shows), the irises in the eyes; face flag logit 2."""
    import subprocess

    source = subprocess.run(
        ["git", "-C", MEDIAPIPE, "show", "HEAD:mediapipe/python/solutions/face_mesh_connections.py"],
        check=True, capture_output=True, text=True).stdout
    sets = {}
    exec(source, sets)
    rng = np.random.default_rng(5)
    mesh = np.zeros((478, 3), np.float32)
    mesh[:, 0] = rng.uniform(0.3, 0.7, 478)
    mesh[:, 1] = rng.uniform(0.3, 0.75, 478)
    mesh[:, 2] = rng.uniform(-0.05, 0.05, 478)

    def place(path, cx, cy, rx, ry, a0, a1):
        for k, index in enumerate(path):
            t = a0 + (a1 - a0) * k / max(len(path) - 1, 1)
            mesh[index, :2] = (cx + rx * np.cos(t), cy + ry * np.sin(t))

    oval = chain(sorted(sets["FACEMESH_FACE_OVAL"]), 10)[:-1]
    place(oval, 0.5, 0.52, 0.36, 0.43, -np.pi / 2, 1.5 * np.pi * (1 - 1 / len(oval)) + np.pi / 2 * (1 / len(oval)))
    for edges, starts, cx, cy, rx, ry in [
        (sets["FACEMESH_RIGHT_EYE"], (33,), 0.34, 0.42, 0.08, 0.035),
        (sets["FACEMESH_LEFT_EYE"], (263,), 0.66, 0.42, 0.08, 0.035),
        (sets["FACEMESH_LIPS"], (61, 78), 0.5, 0.74, 0.14, 0.06),
    ]:
        for n, start in enumerate(starts):
            paths = [chain(sorted(e for e in edges if e[0] != start or e[1] == p), start)
                     for p in sorted({b for a, b in edges if a == start})]
            shrink = 1.0 if n == 0 else 0.6
            for p, sign in zip(paths, (1, -1)):
                place(p, cx, cy, rx * shrink, ry * shrink, np.pi, np.pi + sign * np.pi)
    for edges, cx, cy in [(sets["FACEMESH_RIGHT_EYEBROW"], 0.33, 0.34), (sets["FACEMESH_LEFT_EYEBROW"], 0.67, 0.34)]:
        for n, start in enumerate(sorted({a for a, b in edges} - {b for a, b in edges})):
            place(chain(sorted(edges), start), cx, cy - 0.02 * n, 0.1, 0.03, np.pi * 1.1, np.pi * 1.9)
    for center, cx in [(468, 0.34), (473, 0.66)]:
        mesh[center, :2] = (cx, 0.42)
        for k in range(4):
            t = k * np.pi / 2
            mesh[center + 1 + k, :2] = (cx + 0.025 * np.cos(t), 0.42 + 0.025 * np.sin(t))
    pixels = mesh * LANDMARK_SIZE
    outputs = [pixels[:468].reshape(1, 1, 1, 1404)]
    for mapping, count in zip(REFINEMENT_MAPS[1:], LANDMARK_COUNTS[1:]):
        refined = pixels[mapping, :2] + (0.0 if count == 5 else 1.5)
        outputs.append(refined.reshape(1, 1, 1, 2 * count).astype(np.float32))
    outputs.append(np.full((1, 1, 1, 1), 2.0, np.float32))
    return [o.astype(np.float32) for o in outputs]


def export_nhwc(model, path, size, outputs):
    torch.onnx.export(model, torch.zeros(1, size, size, 3), path, input_names=["input"],
                      output_names=outputs, opset_version=17, dynamo=False)


def faces_image():
    """Two cartoon faces on a gradient: skin ellipses, eyes, brows, mouths."""
    w, h = FACES_IMAGE
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = 40 + xx * 100 // w
    img[..., 1] = 60 + yy * 120 // h
    img[..., 2] = 120
    for cx, cy, fw, fh, tilt, _ in FACES:
        c = (int(cx), int(cy))
        cv2.ellipse(img, c, (int(fw / 2), int(fh / 2)), 0, 0, 360, (230, 190, 160), -1)
        for side in (-1, 1):
            e = (int(cx + side * 0.2 * fw), int(cy - 0.15 * fh + side * tilt / 2))
            cv2.circle(img, e, 4, (255, 255, 255), -1)
            cv2.circle(img, e, 2, (40, 30, 20), -1)
            cv2.line(img, (e[0] - 6, e[1] - 8), (e[0] + 6, e[1] - 9), (90, 60, 30), 2)
        cv2.ellipse(img, (int(cx), int(cy + 0.25 * fh)), (10, 4), 0, 0, 180, (180, 60, 60), 2)
    return img


def reference_mediapipe_face():
    import onnxruntime as ort

    torch.manual_seed(3)
    detector = DetectorStandIn(*detector_constants()).eval()
    landmarker = LandmarkStandIn(landmark_constants()).eval()
    export_nhwc(detector, OUT + "face_detection_standin.onnx", DETECTOR_SIZE, DETECTOR_OUTPUTS)
    export_nhwc(landmarker, OUT + "face_landmark_standin.onnx", LANDMARK_SIZE, LANDMARK_OUTPUTS)
    connections = face_mesh_connections()
    write_connections_resource(connections)

    def torch_run(model):
        def run(tensor):
            with torch.no_grad():
                return [o.numpy() for o in model(torch.from_numpy(tensor))]
        return run

    def onnx_run(path):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        return lambda tensor: session.run(None, {"input": tensor})

    rgb = faces_image()
    save_png(OUT + "faces_176x100.png", rgb)
    onnx_detector = onnx_run(OUT + "face_detection_standin.onnx")
    onnx_landmarker = onnx_run(OUT + "face_landmark_standin.onnx")
    for max_faces, min_confidence in [(1, 50), (2, 50), (2, 90), (3, 100)]:
        out = mediapipe_face_detect(rgb, torch_run(detector), torch_run(landmarker), max_faces,
                                    min_confidence, connections)
        save_png(f"{OUT}faces_176x100_n{max_faces}_c{min_confidence}.png", out)
        with_ort = mediapipe_face_detect(rgb, onnx_detector, onnx_landmarker, max_faces,
                                         min_confidence, connections)
        print("mediapipe_face", max_faces, min_confidence, "drawn pixels",
              int(out.any(axis=2).sum()), "differing with onnxruntime",
              int((with_ort != out).any(axis=2).sum()))

    # cv2.warpPerspective of rotated ROIs as the ImageToTensor converter does.
    padded = np.pad(rgb, [[0, pad64(rgb.shape[0])], [0, pad64(rgb.shape[1])], [0, 0]], mode="edge")
    rois = [(70.25, 40.5, 90.0, 90.0, 0.3), (150.0, 100.0, 70.5, 60.25, -0.2)]
    with open(OUT + "warps.txt", "w") as out:
        for n, roi in enumerate(rois):
            for border, name in [(cv2.BORDER_CONSTANT, "zero"), (cv2.BORDER_REPLICATE, "replicate")]:
                tensor = warp_to_tensor(padded, tuple(F(v) for v in roi), 48, border, 0.0, 255.0)
                save_png(f"{OUT}warp{n}_{name}.png", np.rint(tensor[0]).astype(np.uint8))
            out.write(" ".join(repr(float(F(v))) for v in roi) + "\n")

    # Raw outputs for the padded image: the detector's scores.
    padded = np.pad(rgb, [[0, pad64(rgb.shape[0])], [0, pad64(rgb.shape[1])], [0, 0]], mode="edge")
    height, width, _ = padded.shape
    letterbox = letterbox_roi(width, height)
    tensor = warp_to_tensor(padded, letterbox, DETECTOR_SIZE, cv2.BORDER_CONSTANT, -1.0, 1.0)
    regressors, classificators = torch_run(detector)(tensor)
    write_f32(OUT + "faces_176x100_classificators.f32", classificators)
    print("classificators", classificators.shape)


# ---------------------------------------------------------------------------------------------
# export


def export(args):
    os.makedirs(args.out, exist_ok=True)
    annotator_tool.bare_package("controlnet_aux")
    from controlnet_aux.mlsd.models.mbv2_mlsd_large import MobileV2_MLSD_Large

    model = MobileV2_MLSD_Large()
    pth = None if args.random else os.path.join(args.checkpoints, "mlsd_large_512_fp32.pth")
    if pth and not os.path.isfile(pth):
        print("mlsd: no", pth, "- skipped", MLSD_ONNX)
    else:
        if pth:
            model.load_state_dict(torch.load(pth, map_location="cpu"), strict=True)
        export_mlsd(model, os.path.join(args.out, MLSD_ONNX))
        print("wrote", os.path.join(args.out, MLSD_ONNX))
    if args.random:
        print("mediapipe_face: no random export (MediaPipe ships .tflite files, not a torch class);"
              " the stand-ins of `reference` carry its contract")
        return
    export_mediapipe(args.checkpoints, args.out)


def export_mediapipe(checkpoints, out):
    """MediaPipe's face_detection_short_range.tflite and face_landmark_with_attention.tflite (in
    the mediapipe wheel's, or the mediapipe repository's, mediapipe/modules/face_detection and
    face_landmark folders) to ONNX with tflite_onnx.py (the TFLite names, shapes and order of
    inputs and outputs are kept), each then checked: the detector against tf.lite.Interpreter,
    the landmark model part by part (tflite_onnx.check_custom_model) since the interpreter lacks
    MediaPipe's custom operators. Prints the largest differences."""
    import tempfile

    import tflite_onnx

    detector = os.path.join(checkpoints, "face_detection_short_range.tflite")
    landmarker = os.path.join(checkpoints, "face_landmark_with_attention.tflite")
    faces = faces_image()
    rng = np.random.default_rng(0)
    if os.path.isfile(detector):
        target = os.path.join(out, FACE_DETECTOR_ONNX)
        tflite_onnx.convert(detector, target)
        print("wrote", target)
        face = cv2.resize(faces, (128, 128), interpolation=cv2.INTER_AREA) / 127.5 - 1
        inputs = [face[None].astype(np.float32)] + [
            rng.uniform(-1, 1, (1, 128, 128, 3)).astype(np.float32) for _ in range(4)]
        for name, diff in tflite_onnx.check_standard_model(detector, target, inputs).items():
            print(f"  {name}: max |onnx - tflite| = {diff:.3g} over {len(inputs)} inputs")
    else:
        print("mediapipe_face: no", detector, "- skipped", FACE_DETECTOR_ONNX)
    if os.path.isfile(landmarker):
        target = os.path.join(out, FACE_LANDMARK_ONNX)
        tflite_onnx.convert(landmarker, target)
        print("wrote", target)
        h, w = faces.shape[:2]
        face = cv2.resize(faces[:, : w // 2], (192, 192), interpolation=cv2.INTER_AREA) / 255.0
        inputs = [face[None].astype(np.float32)] + [
            rng.uniform(0, 1, (1, 192, 192, 3)).astype(np.float32) for _ in range(2)]
        with tempfile.TemporaryDirectory() as work:
            for name, diff in tflite_onnx.check_custom_model(landmarker, inputs, work).items():
                print(f"  {name}: max |difference| = {diff:.3g} over {len(inputs)} inputs")
    else:
        print("mediapipe_face: no", landmarker, "- skipped", FACE_LANDMARK_ONNX)


def reference(args):
    if args.real_models:
        reference_real_mediapipe(args.real_models, args.images)
        return
    os.makedirs(OUT, exist_ok=True)
    reference_mlsd()
    reference_mediapipe_face()


REAL_CHECK = "mediapipe-check"
REAL_ARGS = (3, 50)  # max_faces, min_confidence of the real-model check


def reference_real_mediapipe(models, images):
    """For the engine's MediapipeFaceRealModelsTest (run by hand, -Dmediapipe.models=MODELS):
    the NumPy port of FaceMesh with the exported ONNX files of MODELS/annotators/ on each image
    of IMAGES, written to MODELS/mediapipe-check/ as <name>.png (the image), <name>.expected.png
    (controlnet_aux's map, max_faces 3, min_confidence 50) and <name>.faces (how many faces)."""
    import glob

    import onnxruntime as ort

    def network(name):
        session = ort.InferenceSession(os.path.join(models, "annotators", name))
        return lambda tensor: session.run(None, {session.get_inputs()[0].name: tensor})

    detector, landmarker = network(FACE_DETECTOR_ONNX), network(FACE_LANDMARK_ONNX)
    connections = face_mesh_connections()
    out = os.path.join(models, REAL_CHECK)
    os.makedirs(out, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(images, "*"))):
        bgr = cv2.imread(path)
        if bgr is None:
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        name = os.path.splitext(os.path.basename(path))[0]
        padded = np.pad(rgb, [[0, pad64(rgb.shape[0])], [0, pad64(rgb.shape[1])], [0, 0]],
                        mode="edge")
        faces = face_mesh(padded, detector, landmarker, REAL_ARGS[0], F(REAL_ARGS[1] / 100.0))
        drawn = mediapipe_face_detect(rgb, detector, landmarker, *REAL_ARGS, connections)
        save_png(os.path.join(out, name + ".png"), rgb)
        save_png(os.path.join(out, name + ".expected.png"), drawn)
        with open(os.path.join(out, name + ".faces"), "w") as f:
            f.write(f"{len(faces)}\n")
        print(name, rgb.shape[1], "x", rgb.shape[0], "faces", len(faces), "drawn pixels",
              int(drawn.any(axis=2).sum()))


def main():
    def reference_arguments(parser):
        parser.add_argument("--real-models", help="a models folder with the exported MediaPipe"
                            " ONNX files: write the real-model check instead of the test data")
        parser.add_argument("--images", help="with --real-models: a folder of images")

    annotator_tool.run(__doc__, export, reference,
                       "folder with mlsd_large_512_fp32.pth and the MediaPipe .tflite files",
                       reference_arguments)


if __name__ == "__main__":
    main()
