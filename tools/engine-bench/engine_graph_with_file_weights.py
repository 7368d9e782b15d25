"""Points the engine's UNet graph (as UNetVsExport's dump mode writes it: every weight a data-less
placeholder) at the weights where they already lie, in the checkpoint's safetensors file, as ONNX
external data (location, offset, length), so that ONNX Runtime loads and owns them itself, as it
does the exported model's. An experiment on memory: the engine today hands ORT the weights as
external initializers (user-owned buffers, which ORT cannot free once it has pre-packed them).

With --fused-matmul, each Linear's MatMul(x, Transpose(W)) becomes com.microsoft FusedMatMul(x, W,
transB=1), so that ONNX Runtime has no transposed copy of W to constant-fold and keep.

Usage: python engine_graph_with_file_weights.py [--fused-matmul] ENGINE_GRAPH.onnx UNET.safetensors
OUT_DIR; writes OUT_DIR/unet.onnx beside a link to the safetensors file (external data paths are
relative).
"""

import json
import os
import struct
import sys
from pathlib import Path

import onnx

args = sys.argv[1:]
fused = args[0] == "--fused-matmul"
if fused:
    args = args[1:]
graph_path, weights, out = Path(args[0]), Path(args[1]).resolve(), Path(args[2])
with open(weights, "rb") as f:
    header_size = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(header_size))
model = onnx.load(str(graph_path), load_external_data=False)
out.mkdir(parents=True, exist_ok=True)
link = out / weights.name
if not link.exists():
    os.symlink(weights, link)
for tensor in model.graph.initializer:
    if tensor.data_location != onnx.TensorProto.EXTERNAL:
        continue
    entry = header[tensor.name]
    if entry["dtype"] != "F32":
        sys.exit(f"{tensor.name} is {entry['dtype']}: only F32 weights can be read in place")
    begin, end = entry["data_offsets"]
    del tensor.external_data[:]
    for key, value in (("location", weights.name), ("offset", 8 + header_size + begin), ("length", end - begin)):
        tensor.external_data.add(key=key, value=str(value))
if fused:
    weight_names = {t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL}
    transposed = {
        node.output[0]: node.input[0]
        for node in model.graph.node
        if node.op_type == "Transpose" and node.input[0] in weight_names
    }
    nodes = []
    for node in model.graph.node:
        if node.op_type == "Transpose" and node.output[0] in transposed:
            continue
        if node.op_type == "MatMul" and node.input[1] in transposed:
            node = onnx.helper.make_node(
                "FusedMatMul",
                [node.input[0], transposed[node.input[1]]],
                list(node.output),
                name=node.name,
                domain="com.microsoft",
                transB=1,
            )
        nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    model.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
    print(f"{len(transposed)} Linear weights read untransposed by FusedMatMul")
onnx.save_model(model, str(out / "unet.onnx"))
print("wrote", out / "unet.onnx")
