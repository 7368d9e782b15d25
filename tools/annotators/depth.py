"""Depth and normal annotators (controlnet_aux 0.0.10: MidasDetector, ZoeDetector, LeresDetector,
NormalBaeDetector) as ONNX networks for the engine, and the engine's test data.

  export --checkpoints DIR --out MODELS/annotators [--random] [--only midas,zoe,leres,leres_merge,normal_bae]
      Turns lllyasviel/Annotators' dpt_hybrid-midas-501f0c75.pt, ZoeD_M12_N.pt, res101.pth,
      latest_net_G.pth and scannet.pt (in DIR) into <name>.onnx with controlnet_aux's own model
      classes (opset 17, dynamic height and width), then checks each against torch at two sizes.
      --random exports the real architectures with random weights (no checkpoint needed).
  reference
      Writes engine/src/test/resources/annotators/depth/: tiny stand-in networks with the same ONNX
      contract, an 80x72 input image (and larger scenes for depth_leres++'s boost, one refined in
      patches), and what controlnet_aux's detectors compute with the stand-ins in torch (run from
      the repo root).

Needs controlnet_aux's source on PYTHONPATH (its src/ folder) and torch, timm, einops, onnx,
onnxruntime, opencv-python-headless, scikit-image, pillow. The ONNX graphs hold the networks only;
everything the detectors do around them is the engine's (see tools/annotators/README.md, "depth").
"""
import functools
import json
import os
import sys
import types

import cv2
import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

import annotator_tool

annotator_tool.bare_package("controlnet_aux")

OUT = "engine/src/test/resources/annotators/depth/"
OPSET = 17


def export_onnx(module, example, path, input_name, output_name, output_axes):
    module.eval()
    with torch.no_grad():
        torch.onnx.export(
            module,
            (example,),
            path,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_axes={input_name: {2: "height", 3: "width"}, output_name: output_axes},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def check_onnx(module, path, input_name, sizes, scale=1.0, channels=3):
    """The ONNX file's output against torch's at other sizes than the traced one."""
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(1)
    for h, w in sizes:
        x = (torch.rand(1, channels, h, w, generator=generator) * 2 - 1) * scale
        with torch.no_grad():
            expected = module(x).numpy()
        actual = session.run(None, {input_name: x.numpy()})[0]
        error = float(np.abs(actual - expected).max())
        print(f"  {os.path.basename(path)} {h}x{w}: max |onnx - torch| = {error:.3g}"
              f" (output max {float(np.abs(expected).max()):.3g})")


# --- MiDaS (DPT-Hybrid) ---------------------------------------------------------------------------


def export_friendly_forward_adapted_unflatten(pretrained, x, function_name="forward_features"):
    """controlnet_aux's midas forward_vit (function_name "forward_flex") and the zoe midas_repo's
    forward_adapted_unflatten, with their nn.Unflatten (which needs Python ints, so cannot follow a
    traced height and width) written as the equivalent reshape."""
    _, _, h, w = x.shape
    getattr(pretrained.model, function_name)(x)
    layers = []
    posts = [pretrained.act_postprocess1, pretrained.act_postprocess2,
             pretrained.act_postprocess3, pretrained.act_postprocess4]
    for index, post in enumerate(posts):
        layer = post[0:2](pretrained.activations[str(index + 1)])
        if layer.ndim == 3:
            layer = layer.reshape(layer.shape[0], layer.shape[1],
                                  h // pretrained.model.patch_size[1], w // pretrained.model.patch_size[0])
        layers.append(post[3:len(post)](layer))
    return layers


def midas_network(checkpoint):
    import controlnet_aux.midas.midas.dpt_depth as dpt

    dpt.forward_vit = functools.partial(export_friendly_forward_adapted_unflatten, function_name="forward_flex")
    return dpt.DPTDepthModel(path=checkpoint, backbone="vitb_rn50_384", non_negative=True).eval()


# --- NormalBae -----------------------------------------------------------------------------------


class FinalNormal(nn.Module):
    """NNET's last prediction (normal[0][-1]: x, y, z, kappa at the input size), as the detector
    takes it."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)[0][-1]


def normal_bae_network(checkpoint):
    from controlnet_aux.normalbae import load_checkpoint
    from controlnet_aux.normalbae.nets.NNET import NNET

    args = types.SimpleNamespace(mode="client", architecture="BN", pretrained="scannet",
                                 sampling_ratio=0.4, importance_ratio=0.7)
    net = NNET(args)
    if checkpoint:
        net = load_checkpoint(checkpoint, net)
    return FinalNormal(net.eval()).eval()


# --- LeReS ---------------------------------------------------------------------------------------


def leres_network(checkpoint):
    from controlnet_aux.leres.leres.multi_depth_model_woauxi import RelDepthModel
    from controlnet_aux.leres.leres.net_tools import strip_prefix_if_present

    model = RelDepthModel(backbone="resnext101")
    if checkpoint:
        state = torch.load(checkpoint, map_location="cpu")["depth_model"]
        model.load_state_dict(strip_prefix_if_present(state, "module."), strict=True)
    return model.depth_model.eval()


# --- ZoeDepth (ZoeD_M12_N: BEiT-L 384 MiDaS core, metric head) ----------------------------------


def relative_position_index(height, width):
    """timm's gen_relative_position_index((height, width)) in tensor operations, so that the
    traced graph follows the input size (the original builds it in Python, fixing it in the trace)."""
    coords = torch.stack(torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")).flatten(1)
    relative = coords[:, :, None] - coords[:, None, :]
    inner = (relative[0] + height - 1) * (2 * width - 1) + (relative[1] + width - 1)
    distances = (2 * height - 1) * (2 * width - 1) + 3
    top = torch.zeros_like(inner[:1]) + (distances - 3)
    left = torch.zeros_like(torch.cat([inner[:1, :1], inner[:, :1]])) + (distances - 2)
    left = torch.cat([left[:1] + 1, left[1:]])
    return torch.cat([left, torch.cat([top, inner])], dim=1)


def export_friendly_rel_pos_bias(self, window_size):
    """The zoe midas_repo's BEiT _get_rel_pos_bias (the relative position table interpolated to
    the window), with the index from relative_position_index."""
    old_height = 2 * self.window_size[0] - 1
    old_width = 2 * self.window_size[1] - 1
    new_height = 2 * window_size[0] - 1
    new_width = 2 * window_size[1] - 1
    table = self.relative_position_bias_table
    old_distances = self.num_relative_distance
    old_sub_table = table[:old_distances - 3].reshape(1, old_width, old_height, -1).permute(0, 3, 1, 2)
    new_sub_table = F.interpolate(old_sub_table, size=(new_height, new_width), mode="bilinear")
    new_sub_table = new_sub_table.permute(0, 2, 3, 1).reshape(new_height * new_width, -1)
    new_table = torch.cat([new_sub_table, table[old_distances - 3:]])
    index = relative_position_index(window_size[0], window_size[1])
    tokens = window_size[0] * window_size[1] + 1
    bias = new_table[index.reshape(-1)].reshape(tokens, tokens, -1)
    return bias.permute(2, 0, 1).contiguous().unsqueeze(0)


def export_friendly_attention_forward(self, x, resolution, shared_rel_pos_bias=None):
    """The zoe midas_repo's BEiT attention_forward with the window size kept as traced values."""
    B, N, C = x.shape
    qkv_bias = torch.cat((self.q_bias, self.k_bias, self.v_bias)) if self.q_bias is not None else None
    qkv = F.linear(input=x, weight=self.qkv.weight, bias=qkv_bias)
    qkv = qkv.reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)
    q = q * self.scale
    attn = q @ k.transpose(-2, -1)
    if self.relative_position_bias_table is not None:
        attn = attn + self._get_rel_pos_bias((resolution[0] // 16, resolution[1] // 16))
    if shared_rel_pos_bias is not None:
        attn = attn + shared_rel_pos_bias
    attn = self.attn_drop(attn.softmax(dim=-1))
    x = (attn @ v).transpose(1, 2).reshape(B, N, -1)
    return self.proj_drop(self.proj(x))


class MetricDepth(nn.Module):
    """ZoeDepth's forward on an input already resized and normalised (the detector's
    PrepForMidas is the engine's), returning metric_depth."""

    def __init__(self, zoe):
        super().__init__()
        self.zoe = zoe
        zoe.core.prep = lambda x: x

    def forward(self, x):
        return self.zoe(x)["metric_depth"]


def zoe_network(checkpoint):
    from controlnet_aux.zoe.zoedepth.models.zoedepth.zoedepth_v1 import ZoeDepth
    from controlnet_aux.zoe.zoedepth.utils.config import get_config

    model = ZoeDepth.build_from_config(get_config("zoedepth", "infer"))
    model.core.core.forward_transformer = export_friendly_forward_adapted_unflatten
    if checkpoint:
        model.load_state_dict(torch.load(checkpoint, map_location="cpu")["model"])
    for block in model.core.core.pretrained.model.blocks:
        block.attn.forward = types.MethodType(export_friendly_attention_forward, block.attn)
        block.attn._get_rel_pos_bias = types.MethodType(export_friendly_rel_pos_bias, block.attn)
    return MetricDepth(model.eval()).eval()


def leres_merge_network(checkpoint):
    """depth_leres++'s pix2pix merge network (Pix2Pix4DepthModel's netG: a U-Net of 10 levels, so
    1024x1024 only): two normalised depth maps in -1..1 -> the merged one in -1..1."""
    from controlnet_aux.leres.pix2pix.models import networks

    net = networks.define_G(2, 1, 64, "unet_1024", "none", False, "normal", 0.02, [])
    if checkpoint:
        net.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    return net.eval()


def export_leres_merge(args):
    checkpoint = None if args.random else os.path.join(args.checkpoints, "latest_net_G.pth")
    if checkpoint and not os.path.isfile(checkpoint):
        raise SystemExit(f"{checkpoint} is missing (lllyasviel/Annotators' latest_net_G.pth)")
    network = leres_merge_network(checkpoint)
    path = os.path.join(args.out, "latest_net_G.onnx")
    print(f"leres_merge: {checkpoint or 'random weights'} -> {path}")
    with torch.no_grad():
        torch.onnx.export(network, (torch.zeros(1, 2, 1024, 1024),), path, input_names=["depths"],
                          output_names=["merged"], opset_version=OPSET, do_constant_folding=True,
                          dynamo=False)
    check_onnx(network, path, "depths", [(1024, 1024)], channels=2)


EXPORTS = {
    # method: (checkpoint, network factory, input, output, output dynamic axes, check input scale)
    "midas": ("dpt_hybrid-midas-501f0c75.pt", midas_network, "image", "depth",
              {1: "height", 2: "width"}, 1.0),
    "normal_bae": ("scannet.pt", normal_bae_network, "image", "normal",
                   {2: "height", 3: "width"}, 2.0),
    "zoe": ("ZoeD_M12_N.pt", zoe_network, "image", "metric_depth", {2: "height", 3: "width"}, 1.0),
    "leres": ("res101.pth", leres_network, "image", "depth", {2: "height", 3: "width"}, 500.0),
}


def export(args):
    os.makedirs(args.out, exist_ok=True)
    only = args.only.split(",") if args.only else list(EXPORTS) + ["leres_merge"]
    torch.manual_seed(0)
    if "leres_merge" in only:
        export_leres_merge(args)
    for method in [m for m in only if m != "leres_merge"]:
        checkpoint_name, factory, input_name, output_name, axes, scale = EXPORTS[method]
        checkpoint = None if args.random else os.path.join(args.checkpoints, checkpoint_name)
        if checkpoint and not os.path.isfile(checkpoint):
            raise SystemExit(f"{checkpoint} is missing (lllyasviel/Annotators' {checkpoint_name})")
        network = factory(checkpoint)
        path = os.path.join(args.out, os.path.splitext(checkpoint_name)[0] + ".onnx")
        print(f"{method}: {checkpoint or 'random weights'} -> {path}")
        export_onnx(network, torch.zeros(1, 3, 384, 384), path, input_name, output_name, axes)
        check_onnx(network, path, input_name, [(384, 384), (320, 448), (128, 64)], scale)


# --- reference -----------------------------------------------------------------------------------


def input_image(h=72, w=80):
    """Shapes and gradients: a lit disc, a box, a ramp floor and stripes."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    image = np.zeros((h, w, 3))
    image[..., 0] = 40 + 150 * x / w
    image[..., 1] = 30 + 180 * y / h
    image[..., 2] = 120 + 60 * np.sin(x / 5.0)
    disc = (x - 50) ** 2 + (y - 26) ** 2 < 15 ** 2
    shade = np.clip(1.2 - np.hypot(x - 45, y - 20) / 18, 0, 1)
    image[disc] = (np.stack([230 * shade, 200 * shade, 60 + 0 * shade], axis=-1))[disc]
    image[48:66, 8:34] = [20, 60, 200]
    image[52:62, 12:30] = [250, 250, 250]
    image[(y > 40) & (((x + y) // 4) % 2 == 0) & (x > 40)] = [90, 30, 30]
    return image.clip(0, 255).astype(np.uint8)


def pad64(x):
    return int(np.ceil(float(x) / 64.0) * 64 - x)


def by_resolution_rule(detector, image, **kwargs):
    """The engine's resolution rule: pad bottom/right to multiples of 64 by edge replication, run
    at the padded short side (so resize_image is the identity), crop, three channels."""
    h, w, _ = image.shape
    padded = np.pad(image, [[0, pad64(h)], [0, pad64(w)], [0, 0]], mode="edge")
    resolution = min(padded.shape[:2])
    out = detector(padded, detect_resolution=resolution, image_resolution=resolution,
                   output_type="np", **kwargs)
    out = np.asarray(out)[:h, :w]
    if out.ndim == 2:
        out = out[:, :, None]
    return np.ascontiguousarray(np.broadcast_to(out, (h, w, 3)))


class StandInMidas(nn.Module):
    """DPTDepthModel's contract ((1, 3, H, W) in -1..1 -> non-negative (1, H, W)) at a few KB."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.out = nn.Conv2d(8, 1, 3, padding=1)

    def forward(self, x):
        y = F.relu(self.down(x))
        y = F.interpolate(torch.tanh(self.mid(y)), scale_factor=2, mode="bilinear", align_corners=True)
        return F.relu(self.out(y) + 0.3).squeeze(1)


class StandInNormalBae(nn.Module):
    """FinalNormal's contract ((1, 3, H, W) normalised -> (1, 4, H, W): a unit normal, kappa)."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.out = nn.Conv2d(8, 4, 3, padding=1)

    def forward(self, x):
        from controlnet_aux.normalbae.nets.submodules.submodules import norm_normalize

        y = torch.tanh(self.down(x))
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True)
        return norm_normalize(self.out(y))


class StandInLeres(nn.Module):
    """LeReS DepthModel's contract ((1, 3, H, W) BGR normalised from 0..255 -> (1, 1, H, W))."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.out = nn.Conv2d(8, 1, 3, padding=1)

    def forward(self, x):
        y = torch.tanh(self.down(x / 200.0))
        y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True)
        return self.out(y)


class NnetOutputs(nn.Module):
    """NNET's output structure around a stand-in: the detector takes normal[0][-1]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return [self.net(x)], None


class StandInZoeNetwork(nn.Module):
    """MetricDepth's contract ((1, 3, h, w) normalised to -1..1 -> positive (1, 1, h, w))."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.out = nn.Conv2d(8, 1, 3, padding=1)

    def forward(self, x):
        y = F.interpolate(torch.tanh(self.down(x)), scale_factor=2, mode="bilinear", align_corners=True)
        return F.softplus(self.out(y)) + 0.5


def stand_in_zoe(network):
    """A ZoeDepth around a stand-in network: DepthModel.infer (reflect padding, flip, bicubic
    upsampling) and MidasCore's PrepForMidas as ZoeDetector's model has them."""
    from controlnet_aux.zoe.zoedepth.models.base_models.midas import PrepForMidas
    from controlnet_aux.zoe.zoedepth.models.depth_model import DepthModel

    class StandInZoe(DepthModel):
        def __init__(self):
            super().__init__()
            self.network = network
            self.prep = PrepForMidas(keep_aspect_ratio=True, img_size=[384, 512], do_resize=True)

        def forward(self, x):
            return {"metric_depth": self.network(self.prep(x))}

    return StandInZoe().eval()


class StandInLeresMerge(nn.Module):
    """The pix2pix merge network's contract ((1, 2, 1024, 1024) in -1..1 -> (1, 1, 1024, 1024) in
    -1..1) at a few KB."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(2, 4, 3, stride=4, padding=1)
        self.out = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        y = F.interpolate(torch.tanh(self.down(x)), scale_factor=4, mode="bilinear", align_corners=False)
        return torch.tanh(self.out(y) + x[:, 1:] * 0.5)


def stand_in_pix2pix(network):
    """A Pix2Pix4DepthModel around a stand-in netG: its own set_input, test and visuals."""
    from controlnet_aux.leres.pix2pix.models.pix2pix4depth_model import Pix2Pix4DepthModel

    model = Pix2Pix4DepthModel.__new__(Pix2Pix4DepthModel)
    model.device = torch.device("cpu")
    model.netG = network
    model.visual_names = ["fake_B"]
    return model


def leres_boost_input(h, w, scene):
    """A scene for depth_leres++: "busy", the usual shapes with fine stripes over them (edges
    everywhere: the resolution search goes past 448); "calm", a smooth ramp with stripes in its
    top-left corner (the search stops at 448); "patches", the ramp with stripes down its left fifth
    (searched at 448, so that an image of 448 px or more is refined in patches)."""
    y, x = np.mgrid[0:h, 0:w]
    stripes = (x // 3 + y // 5) % 2 == 0
    if scene == "busy":
        image = input_image(h, w).astype(np.float64)
        image[stripes] *= 0.6
        return image.astype(np.uint8)
    image = np.stack([60 + 100 * x / w, 80 + 90 * y / h, 140 + 0 * x], axis=-1)
    if scene == "calm":
        image[stripes & (x < w // 4) & (y < h // 4)] = [220, 200, 40]
    else:
        image[stripes & (x < w // 5)] = [220, 200, 40]
    return image.astype(np.uint8)


def leres_boost_plan(image):
    """What estimateboost decides for a padded image: the searched size, the patch scale, and
    (when it refines patches) the selected patches of the enlarged image, biggest first."""
    from controlnet_aux.leres.leres import depthmap

    size, patch_scale = depthmap.calculateprocessingres(image, 448, 0.2, 3, 1600)
    plan = {"size": size, "patch_scale": float(patch_scale)}
    h, w = image.shape[:2]
    if max(h, w) >= size:
        factor = max(min(1, 4 * patch_scale * size / 1600), 0.2)
        depthmap.factor = factor
        a, b = (2 * size, round(2 * size * w / h)) if h > w else (round(2 * size * h / w), 2 * size)
        a, b = int(round(a / factor)), int(round(b / factor))
        enlarged = cv2.resize(image, (b, a), interpolation=cv2.INTER_CUBIC)
        plan["enlarged"] = [a, b]
        plan["patches"] = [patch["rect"] for _, patch in depthmap.generatepatchs(enlarged, 896)]
    return plan


def save_png(name, array):
    Image.fromarray(array).save(OUT + name, optimize=True)
    print(f"  {name}: mean {array.mean():.2f}")


def save_stand_in(module, name, input_name, output_name, axes):
    export_onnx(module, torch.zeros(1, 3, 128, 128), OUT + name, input_name, output_name, axes)


def reference(_):
    from controlnet_aux.leres import LeresDetector
    from controlnet_aux.midas import MidasDetector
    from controlnet_aux.normalbae import NormalBaeDetector
    from controlnet_aux.zoe import ZoeDetector

    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    image = input_image()
    save_png("input.png", image)
    raw = {}

    midas = StandInMidas().eval()
    save_stand_in(midas, "midas.onnx", "image", "depth", {1: "height", 2: "width"})
    save_png("depth_midas.png", by_resolution_rule(MidasDetector(midas), image))
    raw["midas"] = midas

    normal = StandInNormalBae().eval()
    save_stand_in(normal, "normal_bae.onnx", "image", "normal", {2: "height", 3: "width"})
    save_png("normal_bae.png", by_resolution_rule(NormalBaeDetector(NnetOutputs(normal)), image))

    leres = StandInLeres().eval()
    save_stand_in(leres, "leres.onnx", "image", "depth", {2: "height", 3: "width"})
    detector = LeresDetector(types.SimpleNamespace(depth_model=leres, parameters=leres.parameters), None)
    for thr_a, thr_b in [(0, 0), (30, 0), (0, 40), (25, 60)]:
        save_png(f"depth_leres_{thr_a}_{thr_b}.png",
                 by_resolution_rule(detector, image, thr_a=thr_a, thr_b=thr_b))

    zoe = StandInZoeNetwork().eval()
    save_stand_in(zoe, "zoe.onnx", "image", "metric_depth", {2: "height", 3: "width"})
    detector = ZoeDetector(stand_in_zoe(zoe))
    for gamma_corrected in [False, True]:
        save_png(f"depth_zoe_{str(gamma_corrected).lower()}.png",
                 by_resolution_rule(detector, image, gamma_corrected=gamma_corrected))
    zoe_wide = input_image(56, 150)
    save_png("input_wide.png", zoe_wide)
    save_png("depth_zoe_wide.png", by_resolution_rule(detector, zoe_wide))

    # torch's F.interpolate as the detectors use it (bilinear with align_corners up, bicubic
    # without it up and down), for the engine's TorchInterpolate.
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(1, 2, 13, 17, generator=generator)
    x.numpy().astype("<f4").tofile(OUT + "interpolate_input.bin")
    for mode, align_corners, h, w in [("bilinear", True, 40, 29), ("bicubic", False, 40, 29),
                                      ("bicubic", False, 7, 5)]:
        y = F.interpolate(x, size=(h, w), mode=mode, align_corners=align_corners)
        y.numpy().astype("<f4").tofile(OUT + f"interpolate_{mode}_{h}x{w}.bin")

    # One raw network output, to check the engine's ONNX Runtime run against torch's (1e-4).
    generator = torch.Generator().manual_seed(2)
    x = torch.rand(1, 3, 32, 64, generator=generator) * 2 - 1
    with torch.no_grad():
        y = midas(x)
    x.numpy().astype("<f4").tofile(OUT + "midas_raw_input.bin")
    y.numpy().astype("<f4").tofile(OUT + "midas_raw_output.bin")
    with open(OUT + "midas_raw.json", "w") as f:
        json.dump({"input": list(x.shape), "output": list(y.shape)}, f)
        f.write("\n")

    # depth_leres++ (boost): two scenes whose longest side stays below the searched resolution (at
    # least 448), so that estimateboost returns its whole-image double estimate, and one of 448 px
    # that it refines in patches.
    torch.manual_seed(1)
    merge = StandInLeresMerge().eval()
    export_onnx(merge, torch.zeros(1, 2, 1024, 1024), OUT + "leres_merge.onnx", "depths", "merged", {})
    detector = LeresDetector(types.SimpleNamespace(depth_model=leres, parameters=leres.parameters),
                             stand_in_pix2pix(merge))
    plans = {}
    for scene, h, w in [("calm", 150, 200), ("busy", 230, 170), ("patches", 380, 440)]:
        boost_input = leres_boost_input(h, w, scene)
        save_png(f"input_boost_{scene}.png", boost_input)
        plans[scene] = leres_boost_plan(np.pad(boost_input, [[0, pad64(h)], [0, pad64(w)], [0, 0]],
                                               mode="edge"))
        for thr_a, thr_b in [(0, 0), (20, 50)]:
            save_png(f"depth_leres++_{scene}_{thr_a}_{thr_b}.png",
                     by_resolution_rule(detector, boost_input, thr_a=thr_a, thr_b=thr_b, boost=True))
    with open(OUT + "leres_boost.json", "w") as f:
        json.dump(plans, f)
        f.write("\n")


def main():
    def export_arguments(parser):
        parser.add_argument("--only", default="", help="comma-separated: " + ",".join(list(EXPORTS) + ["leres_merge"]))

    annotator_tool.run(__doc__, export, reference,
                       "folder with lllyasviel/Annotators' .pt/.pth files",
                       export_arguments=export_arguments)


if __name__ == "__main__":
    sys.exit(main())
