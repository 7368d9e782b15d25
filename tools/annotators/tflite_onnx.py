"""A small TFLite -> ONNX converter for MediaPipe's face_detection_short_range.tflite and
face_landmark_with_attention.tflite (used by mlsd_face.py's `export`).

It handles exactly the operators these two models use: the builtins CONV_2D, DEPTHWISE_CONV_2D,
ADD, MUL, PRELU, RELU, MAX_POOL_2D, PAD, RESHAPE, CONCATENATION, STRIDED_SLICE (identity only),
DEQUANTIZE of float16 constants, LOGISTIC; and MediaPipe's custom operators (version 2) of
mediapipe/util/tflite/operations, rewritten as ONNX subgraphs from their C++ source:
Landmarks2TransformMatrix, TransformTensorBilinear (GridSample) and TransformLandmarks.

Layout: 4-D activations are kept NCHW inside the graph (one Transpose after the NHWC input);
operators that need TFLite's NHWC order (RESHAPE, STRIDED_SLICE, the graph outputs) get a
Transpose back. Inputs and outputs keep the TFLite names, shapes and order.

Needs numpy, onnx and tensorflow (only for its flatbuffer schema, tensorflow.lite.python.
schema_py_generated, and flatbuffers' flexbuffers for the custom operators' options).
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17

# tflite BuiltinOperator codes
ADD, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE = 0, 2, 3, 4, 6
LOGISTIC, MAX_POOL_2D, MUL, RELU, RESHAPE, PAD = 14, 17, 18, 19, 22, 34
STRIDED_SLICE, PRELU, CUSTOM = 45, 54, 32

NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
FUSED = {0: None, 1: "Relu"}


class Converter:
    def __init__(self, path):
        from flatbuffers import flexbuffers
        from tensorflow.lite.python import schema_py_generated as schema

        self.flexbuffers = flexbuffers
        data = open(path, "rb").read()
        self.model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))
        if len(self.model.subgraphs) != 1:
            raise ValueError(f"{path}: {len(self.model.subgraphs)} subgraphs, expected 1")
        self.graph = self.model.subgraphs[0]
        self.tensors = self.graph.tensors
        self.nodes = []
        self.initializers = []
        self.constants = {}  # tensor index -> float32/int32 array (TFLite layout)
        self.names = {}  # (tensor index, layout) -> ONNX value name; layout "nchw" or "plain"
        self.counter = 0
        for i, tensor in enumerate(self.tensors):
            data = self.model.buffers[tensor.buffer].data if tensor.buffer else None
            if data is not None and len(data):
                dtype = {0: np.float32, 1: np.float16, 2: np.int32}[tensor.type]
                shape = [int(d) for d in tensor.shape]
                self.constants[i] = np.frombuffer(bytes(data), dtype).reshape(shape).copy()

    # -- naming and values ---------------------------------------------------------------------

    def tensor_name(self, i):
        return self.tensors[i].name.decode()

    def shape(self, i):
        return [int(d) for d in self.tensors[i].shape]

    def fresh(self, hint):
        self.counter += 1
        return f"{hint}__{self.counter}"

    def const(self, array, hint="const"):
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.fresh(hint or op_type.lower())
        # named: ONNX Runtime's fusions name their nodes after the fused ones
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def plain(self, i):
        """Tensor i in TFLite's own layout (NHWC for 4-D)."""
        if (i, "plain") in self.names:
            return self.names[(i, "plain")]
        if i in self.constants:
            name = self.const(self.constants[i].astype(self.np_type(i)), "w")
        else:
            name = self.tensor_name(i)
            self.nodes.append(
                helper.make_node("Transpose", [self.names[(i, "nchw")]], [name], name=name,
                                 perm=NCHW_TO_NHWC))
        self.names[(i, "plain")] = name
        return name

    def nchw(self, i):
        """4-D tensor i as NCHW."""
        if (i, "nchw") in self.names:
            return self.names[(i, "nchw")]
        if i in self.constants:
            name = self.const(self.constants[i].astype(np.float32).transpose(NHWC_TO_NCHW), "w")
        else:
            name = self.op("Transpose", [self.plain(i)], "to_nchw", perm=NHWC_TO_NCHW)
        self.names[(i, "nchw")] = name
        return name

    def np_type(self, i):
        return np.int32 if self.tensors[i].type == 2 else np.float32

    def is_nchw(self, i):
        return (i, "nchw") in self.names

    def set_output(self, i, value, layout):
        self.names[(i, layout)] = value

    def activation(self, value, fused):
        if FUSED.get(fused, "?") == "?":
            raise ValueError(f"fused activation {fused} not handled")
        return self.op(FUSED[fused], [value]) if FUSED[fused] else value

    # -- conversion ----------------------------------------------------------------------------

    def convert(self):
        for i in self.graph.inputs:
            self.names[(i, "plain")] = self.tensor_name(i)
        for op in self.graph.operators:
            code = self.model.operatorCodes[op.opcodeIndex]
            builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
            if builtin == CUSTOM:
                self.custom(op, code.customCode.decode(), code.version)
            else:
                self.builtin(op, builtin)
        outputs = []
        for i in self.graph.outputs:
            name = self.plain(i)
            if name != self.tensor_name(i):
                name = self.op("Identity", [name])
                self.nodes[-1].output[0] = self.nodes[-1].name = self.tensor_name(i)
            outputs.append(helper.make_tensor_value_info(self.tensor_name(i), TensorProto.FLOAT,
                                                         self.shape(i)))
        inputs = [helper.make_tensor_value_info(self.tensor_name(i), TensorProto.FLOAT, self.shape(i))
                  for i in self.graph.inputs]
        graph = helper.make_graph(self.nodes, "mediapipe", inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="hydrogen tflite_onnx")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model

    def builtin(self, op, code):
        ins, out, options = list(op.inputs), op.outputs[0], op.builtinOptions
        if code == DEQUANTIZE:
            if ins[0] not in self.constants:
                raise ValueError("DEQUANTIZE of a non-constant tensor is not handled")
            self.constants[out] = self.constants[ins[0]].astype(np.float32)
        elif code in (CONV_2D, DEPTHWISE_CONV_2D):
            weights = self.constants[ins[1]].astype(np.float32)
            in_shape = self.shape(ins[0])
            if code == CONV_2D:
                kernel = weights.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
            else:
                if options.depthMultiplier != 1:
                    raise ValueError("depth multiplier != 1 is not handled")
                kernel = weights.transpose(3, 0, 1, 2)  # 1HWC -> C1HW
                group = in_shape[3]
            if (options.dilationHFactor, options.dilationWFactor) != (1, 1):
                raise ValueError("dilated convolutions are not handled")
            inputs = [self.nchw(ins[0]), self.const(kernel, "kernel")]
            if len(ins) > 2 and ins[2] >= 0:
                inputs.append(self.const(self.constants[ins[2]].astype(np.float32), "bias"))
            strides = [options.strideH, options.strideW]
            pads = self.pads(options.padding, in_shape, kernel.shape[2:], strides)
            y = self.op("Conv", inputs, group=group, strides=strides, pads=pads,
                        kernel_shape=list(kernel.shape[2:]))
            self.set_output(out, self.activation(y, options.fusedActivationFunction), "nchw")
        elif code == MAX_POOL_2D:
            kernel = [options.filterHeight, options.filterWidth]
            strides = [options.strideH, options.strideW]
            pads = self.pads(options.padding, self.shape(ins[0]), kernel, strides)
            y = self.op("MaxPool", [self.nchw(ins[0])], kernel_shape=kernel, strides=strides, pads=pads)
            self.set_output(out, self.activation(y, options.fusedActivationFunction), "nchw")
        elif code in (ADD, MUL):
            a, b, layout = self.binary_operands(ins[0], ins[1])
            y = self.op("Add" if code == ADD else "Mul", [a, b])
            self.set_output(out, self.activation(y, options.fusedActivationFunction), layout)
        elif code == PRELU:
            x = ins[0]
            slope = self.constants[ins[1]].astype(np.float32)
            if len(self.shape(x)) == 4:
                slope = slope.reshape(-1, 1, 1)  # per channel, broadcast over H and W of NCHW
                self.set_output(out, self.op("PRelu", [self.nchw(x), self.const(slope, "slope")]),
                                "nchw")
            else:
                self.set_output(out, self.op("PRelu", [self.plain(x), self.const(slope, "slope")]),
                                "plain")
        elif code in (RELU, LOGISTIC):
            onnx_op = "Relu" if code == RELU else "Sigmoid"
            layout = "nchw" if self.is_nchw(ins[0]) else "plain"
            x = self.nchw(ins[0]) if layout == "nchw" else self.plain(ins[0])
            self.set_output(out, self.op(onnx_op, [x]), layout)
        elif code == PAD:
            paddings = self.constants[ins[1]].astype(np.int64)
            if len(self.shape(ins[0])) == 4:
                paddings = paddings[NHWC_TO_NCHW]
                x, layout = self.nchw(ins[0]), "nchw"
            else:
                x, layout = self.plain(ins[0]), "plain"
            pads = self.const(np.concatenate([paddings[:, 0], paddings[:, 1]]), "pads")
            self.set_output(out, self.op("Pad", [x, pads], mode="constant"), layout)
        elif code == RESHAPE:
            shape = self.const(np.array(self.shape(out), np.int64), "shape")
            self.set_output(out, self.op("Reshape", [self.plain(ins[0]), shape]), "plain")
        elif code == CONCATENATION:
            axis = options.axis % len(self.shape(out))
            if all(self.is_nchw(i) for i in ins) and len(self.shape(out)) == 4:
                y = self.op("Concat", [self.nchw(i) for i in ins], axis=NHWC_TO_NCHW.index(axis))
                layout = "nchw"
            else:
                y = self.op("Concat", [self.plain(i) for i in ins], axis=axis)
                layout = "plain"
            self.set_output(out, self.activation(y, options.fusedActivationFunction), layout)
        elif code == STRIDED_SLICE:
            begin, end, strides = (self.constants[i] for i in ins[1:4])
            masks = (options.beginMask, options.endMask, options.ellipsisMask, options.newAxisMask,
                     options.shrinkAxisMask)
            if any(masks) or begin.any() or (strides != 1).any() or list(end) != self.shape(ins[0]):
                raise ValueError("only the identity STRIDED_SLICE is handled")
            self.set_output(out, self.op("Identity", [self.plain(ins[0])]), "plain")
        else:
            raise ValueError(f"TFLite builtin operator {code} is not handled")

    def binary_operands(self, i, j):
        """Operands of an elementwise operator, in NCHW when either is a 4-D activation."""
        four_d = [k for k in (i, j) if k not in self.constants and len(self.shape(k)) == 4]
        if four_d and any(self.is_nchw(k) for k in four_d):
            return [self.nchw_operand(k) for k in (i, j)] + ["nchw"]
        return [self.plain(k) for k in (i, j)] + ["plain"]

    def nchw_operand(self, i):
        if i not in self.constants or len(self.shape(i)) == 4:
            return self.nchw(i)
        value = self.constants[i].astype(np.float32)
        if value.ndim >= 1 and value.shape[-1] > 1:  # NHWC broadcast over channels
            value = value.reshape(-1, 1, 1)
        return self.const(value, "operand")

    @staticmethod
    def pads(padding, in_shape, kernel, strides):
        """TFLite SAME (0) / VALID (1) as ONNX pads for NHWC input shape in_shape."""
        if padding == 1:
            return [0, 0, 0, 0]
        begin, end = [], []
        for size, k, s in zip(in_shape[1:3], kernel, strides):
            out = -(-size // s)
            total = max((out - 1) * s + k - size, 0)
            begin.append(total // 2)
            end.append(total - total // 2)
        return begin + end

    # -- MediaPipe's custom operators ----------------------------------------------------------

    def custom(self, op, name, version):
        if version != 2:
            raise ValueError(f"custom operator {name} version {version}: only version 2 is handled")
        options = (self.flexbuffers.Loads(bytes(op.customOptions))
                   if op.customOptions is not None else {})
        if name == "Landmarks2TransformMatrix":
            self.landmarks_to_transform_matrix(op, options)
        elif name == "TransformTensorBilinear":
            self.transform_tensor_bilinear(op, options)
        elif name == "TransformLandmarks":
            self.transform_landmarks(op)
        else:
            raise ValueError(f"custom operator {name} is not handled")

    def column(self, x, start, axis=2):
        """x[..., start:start+1] along axis."""
        return self.op("Slice", [x, self.const(np.array([start], np.int64)),
                                 self.const(np.array([start + 1], np.int64)),
                                 self.const(np.array([axis], np.int64))])

    def scalar(self, value):
        return self.const(np.full((1, 1, 1), value, np.float32), "scalar")

    def matrix_entries(self, matrix):
        """The (1, 1, 1) entries m[r][c] of a (1, 4, 4) row-major matrix, as a dict (r, c)."""
        flat = self.op("Reshape", [matrix, self.const(np.array([1, 1, 16], np.int64))])
        return {(r, c): self.column(flat, 4 * r + c) for r in range(2) for c in (0, 1, 3)}

    def landmarks_to_transform_matrix(self, op, o):
        """landmarks_to_transform_matrix.cc, v2: the rotation from the left/right landmarks, the
        rotated bounding box of the subset, and shift * rotate(-r) * scale * shift2 as (1, 4, 4)."""
        landmarks = self.plain(op.inputs[0])  # (1, N, 3)

        def gather(indices):
            return self.op("Gather", [landmarks, self.const(np.array(indices, np.int64))], axis=1)

        ends = gather([o["left_rotation_idx"], o["right_rotation_idx"]])  # (1, 2, 3)
        dx = self.op("Sub", [self.column(self.column(ends, 1, 1), 0),
                             self.column(self.column(ends, 0, 1), 0)])
        dy = self.op("Sub", [self.column(self.column(ends, 1, 1), 1),
                             self.column(self.column(ends, 0, 1), 1)])
        # rotation r = target - atan2(dy, dx), used only through cos r and sin r
        norm = self.op("Sqrt", [self.op("Add", [self.op("Mul", [dx, dx]), self.op("Mul", [dy, dy])])])
        zero_norm = self.op("Equal", [norm, self.scalar(0.0)])
        cos_t = self.op("Where", [zero_norm, self.scalar(1.0), self.op("Div", [dx, norm])])
        sin_t = self.op("Where", [zero_norm, self.scalar(0.0), self.op("Div", [dy, norm])])
        target = float(o["target_rotation_radians"])
        ct, st = self.scalar(np.cos(target)), self.scalar(np.sin(target))
        c = self.op("Add", [self.op("Mul", [ct, cos_t]), self.op("Mul", [st, sin_t])])
        s = self.op("Sub", [self.op("Mul", [st, cos_t]), self.op("Mul", [ct, sin_t])])
        subset = gather(list(o["subset_idxs"]))  # (1, K, 3)
        px, py = self.column(subset, 0), self.column(subset, 1)
        rx = self.op("Sub", [self.op("Mul", [c, px]), self.op("Mul", [s, py])])
        ry = self.op("Add", [self.op("Mul", [s, px]), self.op("Mul", [c, py])])
        bounds = {}
        for key, values in (("x", rx), ("y", ry)):
            bounds[key] = (self.op("ReduceMin", [values], axes=[1], keepdims=1),
                           self.op("ReduceMax", [values], axes=[1], keepdims=1))
        half = self.scalar(0.5)
        width = self.op("Sub", [bounds["x"][1], bounds["x"][0]])
        height = self.op("Sub", [bounds["y"][1], bounds["y"][0]])
        mx = self.op("Mul", [self.op("Add", list(bounds["x"])), half])
        my = self.op("Mul", [self.op("Add", list(bounds["y"])), half])
        # centre back through rotate(-r) = [[c, s], [-s, c]]
        cx = self.op("Add", [self.op("Mul", [c, mx]), self.op("Mul", [s, my])])
        cy = self.op("Sub", [self.op("Mul", [c, my]), self.op("Mul", [s, mx])])
        ow, oh = float(o["output_width"]), float(o["output_height"])
        sx = self.op("Mul", [width, self.scalar(float(o["scale_x"]) / ow)])
        sy = self.op("Mul", [height, self.scalar(float(o["scale_y"]) / oh)])
        a00, a01 = self.op("Mul", [c, sx]), self.op("Mul", [s, sy])
        a10 = self.op("Neg", [self.op("Mul", [s, sx])])
        a11 = self.op("Mul", [c, sy])
        half_w, half_h = self.scalar(-ow / 2.0), self.scalar(-oh / 2.0)
        tx = self.op("Add", [cx, self.op("Add", [self.op("Mul", [a00, half_w]),
                                                 self.op("Mul", [a01, half_h])])])
        ty = self.op("Add", [cy, self.op("Add", [self.op("Mul", [a10, half_w]),
                                                 self.op("Mul", [a11, half_h])])])
        zero, one = self.scalar(0.0), self.scalar(1.0)
        entries = [a00, a01, zero, tx, a10, a11, zero, ty, zero, zero, one, zero, zero, zero, zero, one]
        flat = self.op("Concat", entries, axis=2)
        matrix = self.op("Reshape", [flat, self.const(np.array([1, 4, 4], np.int64))])
        self.set_output(op.outputs[0], matrix, "plain")

    def transform_tensor_bilinear(self, op, o):
        """transform_tensor_bilinear.cc, v2: output pixel (x, y) samples the input bilinearly at
        (m00 x + m01 y + m03', m10 x + m11 y + m13') with m.3' = m.3 + (m.0 + m.1) / 2 - 1/2,
        zero outside [0, W-1] x [0, H-1]: GridSample (align_corners) times an in-bounds mask."""
        features = self.nchw(op.inputs[0])
        _, height, width, _ = self.shape(op.inputs[0])
        oh, ow = int(o["output_height"]), int(o["output_width"])
        m = self.matrix_entries(self.plain(op.inputs[1]))
        ys, xs = np.meshgrid(np.arange(oh, dtype=np.float32), np.arange(ow, dtype=np.float32),
                             indexing="ij")
        gx, gy = self.const(xs[None]), self.const(ys[None])  # (1, oh, ow)
        half, minus_half = self.scalar(0.5), self.scalar(-0.5)
        coords = []
        for r in range(2):
            shift = self.op("Add", [m[(r, 3)], self.op("Add", [
                self.op("Mul", [self.op("Add", [m[(r, 0)], m[(r, 1)]]), half]), minus_half])])
            coords.append(self.op("Add", [self.op("Add", [self.op("Mul", [m[(r, 0)], gx]),
                                                          self.op("Mul", [m[(r, 1)], gy])]), shift]))
        tc_x, tc_y = coords
        inside = None
        for value, limit in ((tc_x, width - 1), (tc_y, height - 1)):
            ok = self.op("And", [self.op("GreaterOrEqual", [value, self.scalar(0.0)]),
                                 self.op("LessOrEqual", [value, self.scalar(float(limit))])])
            inside = ok if inside is None else self.op("And", [inside, ok])
        mask = self.op("Unsqueeze", [self.op("Cast", [inside], to=TensorProto.FLOAT),
                                     self.const(np.array([1], np.int64))])  # (1, 1, oh, ow)
        grid_x = self.op("Sub", [self.op("Mul", [tc_x, self.scalar(2.0 / (width - 1))]), self.scalar(1.0)])
        grid_y = self.op("Sub", [self.op("Mul", [tc_y, self.scalar(2.0 / (height - 1))]), self.scalar(1.0)])
        last = self.const(np.array([3], np.int64))
        grid = self.op("Concat", [self.op("Unsqueeze", [grid_x, last]),
                                  self.op("Unsqueeze", [grid_y, last])], axis=3)
        sampled = self.op("GridSample", [features, grid], mode="bilinear", padding_mode="zeros",
                          align_corners=1)
        self.set_output(op.outputs[0], self.op("Mul", [sampled, mask]), "nchw")

    def transform_landmarks(self, op):
        """transform_landmarks.cc, v2: (x, y[, z]) -> (m00 x + m01 y + m03, m10 x + m11 y + m13[, z])."""
        landmarks = self.plain(op.inputs[0])  # (1, N, D)
        dimensions = self.shape(op.inputs[0])[2]
        m = self.matrix_entries(self.plain(op.inputs[1]))
        x, y = self.column(landmarks, 0), self.column(landmarks, 1)
        outs = [self.op("Add", [self.op("Add", [self.op("Mul", [m[(r, 0)], x]),
                                                self.op("Mul", [m[(r, 1)], y])]), m[(r, 3)]])
                for r in range(2)]
        if dimensions == 3:
            outs.append(self.column(landmarks, 2))
        self.set_output(op.outputs[0], self.op("Concat", outs, axis=2), "plain")


def convert(tflite_path, onnx_path, extra_outputs=()):
    """Converts tflite_path to onnx_path; extra_outputs (TFLite tensor names) become additional
    graph outputs, in TFLite's layout, after the model's own (for checks)."""
    converter = Converter(tflite_path)
    model = converter.convert()
    by_name = {converter.tensor_name(i): i for i in range(len(converter.tensors))}
    for name in extra_outputs:
        converter.nodes.append(helper.make_node("Identity", [converter.plain(by_name[name])],
                                                ["check:" + name], name="check:" + name))
        model.graph.output.append(helper.make_tensor_value_info("check:" + name, TensorProto.FLOAT,
                                                                None))
    del model.graph.node[:]
    model.graph.node.extend(converter.nodes)
    model.graph.initializer.extend(converter.initializers[len(model.graph.initializer):])
    onnx.save(model, onnx_path)
    return model


# ---------------------------------------------------------------------------------------------
# checks against TensorFlow Lite's interpreter and NumPy ports of the custom operators


def check_standard_model(tflite_path, onnx_path, inputs):
    """Largest |ONNX - tf.lite.Interpreter| of each output over the given input arrays."""
    import onnxruntime
    import tensorflow as tf

    session = onnxruntime.InferenceSession(onnx_path)
    interpreter = tf.lite.Interpreter(model_path=tflite_path)
    interpreter.allocate_tensors()
    worst = {}
    for x in inputs:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        got = dict(zip([o.name for o in session.get_outputs()],
                       session.run(None, {session.get_inputs()[0].name: x})))
        for d in interpreter.get_output_details():
            diff = float(np.abs(interpreter.get_tensor(d["index"]) - got[d["name"]]).max())
            worst[d["name"]] = max(worst.get(d["name"], 0.0), diff)
    return worst


def custom_operators(converter):
    """(name, options, input indices, output indices) of each custom operator."""
    found = []
    for op in converter.graph.operators:
        code = converter.model.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) == CUSTOM:
            options = (converter.flexbuffers.Loads(bytes(op.customOptions))
                       if op.customOptions is not None else {})
            found.append((code.customCode.decode(), options, list(op.inputs), list(op.outputs)))
    return found


def pruned_tflite(converter, inputs, outputs, path):
    """Writes a TFLite model holding only the operators that compute `outputs` from `inputs`
    (tensor indices), so the interpreter runs it without MediaPipe's custom operators."""
    import flatbuffers

    producer = {out: op for op in converter.graph.operators for out in op.outputs}
    needed, stack = set(), list(outputs)
    while stack:
        t = stack.pop()
        if t in inputs or t not in producer or id(producer[t]) in needed:
            continue
        needed.add(id(producer[t]))
        stack.extend(i for i in producer[t].inputs if i >= 0)
    graph = converter.graph
    kept = [op for op in graph.operators if id(op) in needed]
    original = (graph.operators, graph.inputs, graph.outputs)
    graph.operators, graph.inputs, graph.outputs = kept, list(inputs), list(outputs)
    builder = flatbuffers.Builder(1 << 22)
    builder.Finish(converter.model.Pack(builder), file_identifier=b"TFL3")
    graph.operators, graph.inputs, graph.outputs = original
    with open(path, "wb") as f:
        f.write(builder.Output())


def landmarks_to_transform_matrix_numpy(landmarks, o):
    """landmarks_to_transform_matrix.cc v2, line by line (float32)."""
    f = np.float32
    p = landmarks.reshape(-1, 3).astype(f)
    left, right = p[o["left_rotation_idx"]], p[o["right_rotation_idx"]]
    r = f(o["target_rotation_radians"]) - f(np.arctan2(right[1] - left[1], right[0] - left[0]))
    rot = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]], f)
    rot_inv = np.array([[np.cos(-r), -np.sin(-r), 0], [np.sin(-r), np.cos(-r), 0], [0, 0, 1]], f)
    pts = np.concatenate([p[list(o["subset_idxs"]), :2], np.ones((len(o["subset_idxs"]), 1), f)], 1)
    pts = pts @ rot.T
    lo, hi = pts.min(0), pts.max(0)
    crop_w, crop_h = hi[0] - lo[0], hi[1] - lo[1]
    centre = rot_inv @ np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, 1], f)
    ow, oh = o["output_width"], o["output_height"]

    def mat(rows):
        return np.array(rows, f)

    t = mat([[1, 0, 0, centre[0]], [0, 1, 0, centre[1]], [0, 0, 1, 0], [0, 0, 0, 1]])
    t = t @ mat([[np.cos(-r), -np.sin(-r), 0, 0], [np.sin(-r), np.cos(-r), 0, 0], [0, 0, 1, 0],
                 [0, 0, 0, 1]])
    t = t @ np.diag([o["scale_x"] * crop_w / ow, o["scale_y"] * crop_h / oh, 1, 1]).astype(f)
    t = t @ mat([[1, 0, 0, -ow / 2.0], [0, 1, 0, -oh / 2.0], [0, 0, 1, 0], [0, 0, 0, 1]])
    return t.reshape(1, 4, 4)


def transform_tensor_bilinear_numpy(data, matrix, o):
    """transform_tensor_bilinear.cc v2, line by line: data (1, H, W, C) NHWC."""
    _, h, w, c = data.shape
    m = matrix.reshape(16).astype(np.float64)
    xt, yt = m[0:4].copy(), m[4:8].copy()
    xt[3] += xt[0] * 0.5 + xt[1] * 0.5 - 0.5
    yt[3] += yt[0] * 0.5 + yt[1] * 0.5 - 0.5
    out = np.zeros((1, o["output_height"], o["output_width"], c), np.float32)

    def read(y, x):
        return data[0, y, x] if 0 <= y < h and 0 <= x < w else np.zeros(c, np.float32)

    for oy in range(o["output_height"]):
        for ox in range(o["output_width"]):
            tx = np.float32(xt[0] * ox + xt[1] * oy + xt[3])
            ty = np.float32(yt[0] * ox + yt[1] * oy + yt[3])
            if tx < 0 or tx > w - 1 or ty < 0 or ty > h - 1:
                continue
            fx, fy = int(np.floor(tx)), int(np.floor(ty))
            rx, ly = tx - fx, ty - fy
            upper = (1 - rx) * read(fy, fx) + rx * read(fy, fx + 1)
            lower = (1 - rx) * read(fy + 1, fx) + rx * read(fy + 1, fx + 1)
            out[0, oy, ox] = ly * lower + (1 - ly) * upper
    return out


def transform_landmarks_numpy(landmarks, matrix):
    """transform_landmarks.cc v2: (x, y) -> (m00 x + m01 y + m03, m10 x + m11 y + m13)."""
    m = matrix.reshape(16)
    out = landmarks.astype(np.float32).copy()
    x, y = landmarks[..., 0], landmarks[..., 1]
    out[..., 0] = m[0] * x + m[1] * y + m[3]
    out[..., 1] = m[4] * x + m[5] * y + m[7]
    return out


def custom_numpy(op_name, args, options):
    if op_name == "Landmarks2TransformMatrix":
        return landmarks_to_transform_matrix_numpy(args[0], options)
    if op_name == "TransformTensorBilinear":
        return transform_tensor_bilinear_numpy(args[0], args[1], options)
    return transform_landmarks_numpy(args[0], args[1])


def check_custom_model(tflite_path, inputs, work_dir):
    """For a model with MediaPipe's custom operators: converts it with every custom operator's
    inputs and outputs as extra outputs; checks (1) everything else against tf.lite.Interpreter
    on a pruned copy of the TFLite model that takes the custom operators' outputs (from ONNX) as
    inputs and gives their inputs and the model's outputs, and (2) each custom operator's ONNX
    subgraph against the NumPy port of its C++ source, fed with the same ONNX inputs. Returns
    {what: largest |difference|} over the input arrays."""
    import os

    import onnxruntime
    import tensorflow as tf

    converter = Converter(tflite_path)
    customs = custom_operators(converter)
    name = converter.tensor_name
    custom_in = sorted({i for _, _, ins, _ in customs for i in ins if i not in converter.constants})
    custom_out = sorted({i for _, _, _, outs in customs for i in outs})
    check_onnx = os.path.join(work_dir, "check.onnx")
    convert(tflite_path, check_onnx, [name(i) for i in sorted(set(custom_in + custom_out))])
    pruned = os.path.join(work_dir, "pruned.tflite")
    graph_inputs = list(converter.graph.inputs)
    outputs = list(converter.graph.outputs) + [i for i in custom_in if i not in custom_out]
    pruned_tflite(converter, graph_inputs + custom_out, outputs, pruned)
    session = onnxruntime.InferenceSession(check_onnx)
    interpreter = tf.lite.Interpreter(model_path=pruned)
    interpreter.allocate_tensors()
    by_name = {d["name"]: d["index"] for d in interpreter.get_tensor_details()}
    worst = {}

    def record(key, a, b):
        worst[key] = max(worst.get(key, 0.0), float(np.abs(a - b).max()))

    for x in inputs:
        values = dict(zip([o.name for o in session.get_outputs()],
                          session.run(None, {name(graph_inputs[0]): x})))

        def onnx_value(i):
            return values.get("check:" + name(i), values.get(name(i)))

        interpreter.set_tensor(by_name[name(graph_inputs[0])], x)
        for i in custom_out:
            interpreter.set_tensor(by_name[name(i)], onnx_value(i).reshape(converter.shape(i)))
        interpreter.invoke()
        for i in outputs:
            record("tflite " + name(i), interpreter.get_tensor(by_name[name(i)]),
                   onnx_value(i).reshape(converter.shape(i)))
        for op_name, options, ins, outs in customs:
            args = [onnx_value(i) if i not in converter.constants else converter.constants[i]
                    for i in ins]
            expected = custom_numpy(op_name, args, options)
            record("numpy " + op_name + " " + name(outs[0]), expected,
                   onnx_value(outs[0]).reshape(expected.shape))
        # (3) the whole model without ONNX: the pruned TFLite model and the NumPy ports, run
        # until the custom operators' values settle (their chain is shorter than len(customs))
        custom_values = {i: np.zeros(converter.shape(i), np.float32) for i in custom_out}
        for _ in range(len(customs)):
            for i in custom_out:
                interpreter.set_tensor(by_name[name(i)], custom_values[i])
            interpreter.invoke()
            for op_name, options, ins, outs in customs:
                args = [converter.constants[i] if i in converter.constants
                        else custom_values[i] if i in custom_out
                        else interpreter.get_tensor(by_name[name(i)]) for i in ins]
                value = custom_numpy(op_name, args, options)
                custom_values[outs[0]] = value.reshape(converter.shape(outs[0]))
        for i in converter.graph.outputs:
            record("end to end " + name(i), interpreter.get_tensor(by_name[name(i)]),
                   onnx_value(i).reshape(converter.shape(i)))
    return worst
