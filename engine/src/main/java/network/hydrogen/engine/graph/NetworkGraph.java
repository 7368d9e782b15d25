package network.hydrogen.engine.graph;

import java.util.List;

/** A built ONNX model (weights left out) and the parameters it needs, in declaration order. */
record NetworkGraph(byte[] model, List<ParameterSpec> parameters) {}
