package network.hydrogen.engine.graph;

import java.util.Map;

/**
 * A built ONNX model (weights left out) and the parameters it consumes with their shapes, in
 * declaration order.
 */
record NetworkGraph(byte[] model, Map<String, long[]> parameters) {}
