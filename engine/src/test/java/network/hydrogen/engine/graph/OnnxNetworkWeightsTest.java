package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.model.WeightSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights reaching ONNX Runtime both ways in one session: an fp32 one read from its file by ONNX
 * Runtime, an fp16 one widened and handed over from memory.
 */
class OnnxNetworkWeightsTest {

  @TempDir Path dir;

  /** {@code torch.nn.Linear(2, 3)} over {@code x} of shape [1, 2, 2]. */
  private static NetworkGraph linear() {
    GraphBuilder g =
        new GraphBuilder(
            "linear", Map.of("fc.weight", new long[] {3, 2}, "fc.bias", new long[] {3}));
    g.input("x", DataType.FLOAT, "1", "2", "2");
    g.output("y", Layers.linear(g, "fc", "x", true), DataType.FLOAT, "1", "2", "3");
    return g.build();
  }

  private WeightSource weights(Path file) throws IOException {
    ByteBuffer weight = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : new float[] {1, 2, 3, 4, 5, 6}) {
      weight.putFloat(value);
    }
    ByteBuffer bias = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : new float[] {10, 20, 30}) {
      bias.putShort(Float.floatToFloat16(value));
    }
    new SafeTensorsWriter()
        .add(new Tensor("fc.bias", DType.F16, new long[] {3}, bias.flip()))
        .add(new Tensor("fc.weight", DType.F32, new long[] {3, 2}, weight.flip()))
        .write(file);
    return WeightSource.of(List.of(SafeTensorsFile.open(file)));
  }

  @Test
  void fileAndMemoryWeightsGiveTheLinearLayer() throws IOException {
    WeightSource source = weights(dir.resolve("fc.safetensors"));

    assertThat(source.fp32Range("fc.weight")).isPresent();
    assertThat(source.fp32Range("fc.bias")).isEmpty();
    try (OnnxNetwork network =
        OnnxNetwork.open("linear", linear(), source, new InferenceOptions(1))) {
      float[] x = {1, 0, 0, 1};
      Map<String, FloatTensor> out = network.run(Map.of("x", network.floats(x, 1, 2, 2)), "y");

      assertThat(out.get("y").shape()).containsExactly(1, 2, 3);
      assertThat(out.get("y").values()).containsExactly(11, 23, 35, 12, 24, 36);
    }
  }

  @Test
  void aWeightsFileTruncatedAfterOpeningIsNamed() throws IOException {
    Path file = dir.resolve("fc.safetensors");
    WeightSource source = weights(file);
    try (RandomAccessFile truncate = new RandomAccessFile(file.toFile(), "rw")) {
      truncate.setLength(truncate.length() - 8);
    }

    assertThatThrownBy(
            () -> OnnxNetwork.open("linear", linear(), source, new InferenceOptions(1)).close())
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("cannot create the linear session with the weights of " + file)
        .hasMessageContaining("fc.weight");
  }
}
