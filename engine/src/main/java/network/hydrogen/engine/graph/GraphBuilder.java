package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.model.ParameterLayout;

/**
 * Writes an ONNX graph node by node. Weights are declared by name with {@link #parameter}: the
 * graph gets a data-less placeholder initializer of that name and the shape {@link ParameterLayout}
 * lists (filled at session creation from the checkpoint, see {@link OnnxNetwork}), and the
 * parameter is recorded. Small constants (shapes, scalars, masks) are embedded.
 */
final class GraphBuilder {

  static final int OPSET = 17;

  /** The domain of ONNX Runtime's contrib operators (FusedMatMul). */
  static final String MICROSOFT = "com.microsoft";

  private static final long IR_VERSION = 8;

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Map<String, long[]> layout;
  private final Map<String, long[]> parameters = new LinkedHashMap<>();
  private int counter;

  /** A graph whose weights have the names and shapes of {@code layout} (from ParameterLayout). */
  GraphBuilder(String name, Map<String, long[]> layout) {
    graph.setName(name);
    this.layout = layout;
  }

  /**
   * Declares a graph input. Each dimension is a number or a symbolic name (e.g. {@code "batch"}).
   */
  void input(String name, TensorProto.DataType type, String... dims) {
    graph.addInput(valueInfo(name, type, dims));
  }

  /** Declares {@code value} as the graph output {@code name}. */
  void output(String name, String value, TensorProto.DataType type, String... dims) {
    graph.addNode(NodeProto.newBuilder().setOpType("Identity").addInput(value).addOutput(name));
    graph.addOutput(valueInfo(name, type, dims));
  }

  private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, String... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (String dim : dims) {
      TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
      if (!dim.isEmpty() && dim.chars().allMatch(Character::isDigit)) {
        d.setDimValue(Long.parseLong(dim));
      } else {
        d.setDimParam(dim);
      }
      shape.addDim(d);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }

  /**
   * A float32 weight the checkpoint supplies, by its diffusers name, with the shape {@link
   * ParameterLayout} gives it.
   *
   * @throws IllegalStateException when the layout does not list it or it is declared twice: the
   *     graph and the layout have drifted apart
   */
  String parameter(String name) {
    long[] shape = dims(name);
    if (parameters.putIfAbsent(name, shape) != null) {
      throw new IllegalStateException("parameter declared twice: " + name);
    }
    graph.addInitializer(
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addAllDims(Arrays.stream(shape).boxed().toList())
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(
                StringStringEntryProto.newBuilder()
                    .setKey("location")
                    .setValue("supplied-at-session-creation")));
    return name;
  }

  /** The shape of a parameter, as {@link ParameterLayout} lists it for this config. */
  long[] dims(String name) {
    long[] shape = layout.get(name);
    if (shape == null) {
      throw new IllegalStateException(
          "the " + graph.getName() + " graph needs " + name + ", which ParameterLayout lacks");
    }
    return shape.clone();
  }

  /** An embedded float32 constant. */
  String constant(float[] values, long... shape) {
    ByteBuffer bytes =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return embedded(TensorProto.DataType.FLOAT, bytes, shape);
  }

  /** An embedded int64 constant. */
  String constant(long[] values, long... shape) {
    ByteBuffer bytes =
        ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(values);
    return embedded(TensorProto.DataType.INT64, bytes, shape);
  }

  /** An embedded 1-D int64 constant, the usual form of shapes, axes and indices. */
  String ints(long... values) {
    return constant(values, values.length);
  }

  /** An embedded float32 scalar. */
  String scalar(float value) {
    return constant(new float[] {value});
  }

  private String embedded(TensorProto.DataType type, ByteBuffer bytes, long... shape) {
    String name = "const_" + counter++;
    TensorProto.Builder tensor =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(type.getNumber())
            .setRawData(ByteString.copyFrom(bytes.array()));
    for (long dim : shape) {
      tensor.addDims(dim);
    }
    graph.addInitializer(tensor);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  String node(String opType, List<String> inputs, AttributeProto... attributes) {
    return nodeOutputs(opType, inputs, 1, attributes).getFirst();
  }

  /** Adds a node of an operator in {@code domain} with one output and returns its name. */
  String node(String domain, String opType, List<String> inputs, AttributeProto... attributes) {
    String output = node(opType, inputs, attributes);
    int last = graph.getNodeCount() - 1;
    graph.setNode(last, graph.getNode(last).toBuilder().setDomain(domain));
    return output;
  }

  /** Adds a node with {@code outputs} outputs and returns their names. */
  List<String> nodeOutputs(
      String opType, List<String> inputs, int outputs, AttributeProto... attributes) {
    int id = counter++;
    NodeProto.Builder node =
        NodeProto.newBuilder().setOpType(opType).setName(opType + "_" + id).addAllInput(inputs);
    List<String> names = new ArrayList<>(outputs);
    for (int i = 0; i < outputs; i++) {
      String name = opType.toLowerCase() + "_" + id + (outputs == 1 ? "" : "_" + i);
      names.add(name);
      node.addOutput(name);
    }
    node.addAllAttribute(Arrays.asList(attributes));
    graph.addNode(node);
    return names;
  }

  static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  static AttributeProto attr(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  static AttributeProto attr(String name, long... values) {
    AttributeProto.Builder attribute =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long value : values) {
      attribute.addInts(value);
    }
    return attribute.build();
  }

  static AttributeProto attr(String name, String value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value))
        .build();
  }

  // Elementwise and shape operations used throughout the networks.

  String add(String a, String b) {
    return node("Add", List.of(a, b));
  }

  String sub(String a, String b) {
    return node("Sub", List.of(a, b));
  }

  String mul(String a, String b) {
    return node("Mul", List.of(a, b));
  }

  String div(String a, String b) {
    return node("Div", List.of(a, b));
  }

  String matMul(String a, String b) {
    return node("MatMul", List.of(a, b));
  }

  String sigmoid(String x) {
    return node("Sigmoid", List.of(x));
  }

  String transpose(String x, long... perm) {
    return node("Transpose", List.of(x), attr("perm", perm));
  }

  /** Reshape to a constant shape (0 copies the input's dimension, -1 is inferred). */
  String reshape(String x, long... shape) {
    return node("Reshape", List.of(x, ints(shape)));
  }

  /** Reshape to a shape computed in the graph. */
  String reshapeTo(String x, String shape) {
    return node("Reshape", List.of(x, shape));
  }

  String shape(String x) {
    return node("Shape", List.of(x));
  }

  String concat(long axis, String... inputs) {
    return node("Concat", List.of(inputs), attr("axis", axis));
  }

  String unsqueeze(String x, long... axes) {
    return node("Unsqueeze", List.of(x, ints(axes)));
  }

  String squeeze(String x, long... axes) {
    return node("Squeeze", List.of(x, ints(axes)));
  }

  /** {@code x[starts:ends]} along {@code axes}, bounds given as graph values. */
  String slice(String x, String starts, String ends, String axes) {
    return node("Slice", List.of(x, starts, ends, axes));
  }

  /** The serialized model with its parameter list. */
  NetworkGraph build() {
    ModelProto model =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .setProducerName("hydrogen-engine")
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1))
            .setGraph(graph)
            .build();
    return new NetworkGraph(model, Collections.unmodifiableMap(parameters));
  }
}
