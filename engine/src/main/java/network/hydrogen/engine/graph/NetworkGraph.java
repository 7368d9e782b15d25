package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.Map;
import network.hydrogen.engine.model.FileRange;

/**
 * A built ONNX model (weights left out) and the parameters it consumes with their shapes, in
 * declaration order.
 */
record NetworkGraph(ModelProto model, Map<String, long[]> parameters) {

  /**
   * The serialized model, the parameters in {@code inFiles} pointing at their bytes as external
   * data (file names relative to the model file's folder); the others stay placeholders.
   */
  byte[] bytes(Map<String, FileRange> inFiles) {
    ModelProto.Builder builder = model.toBuilder();
    for (TensorProto.Builder tensor : builder.getGraphBuilder().getInitializerBuilderList()) {
      FileRange range = inFiles.get(tensor.getName());
      if (range != null) {
        tensor
            .clearExternalData()
            .addExternalData(entry("location", range.file().getFileName().toString()))
            .addExternalData(entry("offset", Long.toString(range.offset())))
            .addExternalData(entry("length", Long.toString(range.length())));
      }
    }
    return builder.build().toByteArray();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
