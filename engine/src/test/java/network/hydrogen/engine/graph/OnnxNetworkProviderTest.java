package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.engine.model.WeightSource;
import org.junit.jupiter.api.Test;

/**
 * Opening sessions with GPU providers on a machine that cannot start them: this build has only the
 * CPU provider, so adding CUDA fails just as it does where a GPU build lacks its GPU or libraries.
 */
class OnnxNetworkProviderTest {

  /** {@code y = x + bias}: one input, one weight. */
  private static NetworkGraph addBias() {
    GraphBuilder g = new GraphBuilder("add_bias", Map.of("bias", new long[] {2}));
    g.input("x", DataType.FLOAT, "2");
    g.output("y", g.add("x", g.parameter("bias")), DataType.FLOAT, "2");
    return g.build();
  }

  private static final WeightSource BIAS =
      new WeightSource() {
        @Override
        public Set<String> names() {
          return Set.of("bias");
        }

        @Override
        public Tensor tensor(String name) {
          ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          bytes.putFloat(10f).putFloat(20f).flip();
          return new Tensor(name, DType.F32, new long[] {2}, bytes);
        }

        @Override
        public String describe() {
          return "bias in memory";
        }
      };

  private static final Set<OrtProvider> CLAIMS_CUDA = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);

  @Test
  void autoFallsBackToTheCpuWhenCudaCannotBeStarted() throws IOException {
    try (OnnxNetwork network =
        OnnxNetwork.open("add_bias", addBias(), BIAS, new InferenceOptions(1), CLAIMS_CUDA)) {
      Map<String, FloatTensor> out =
          network.run(Map.of("x", network.floats(new float[] {1f, 2f}, 2)), "y");

      assertThat(out.get("y").values()).containsExactly(11f, 22f);
    }
  }

  @Test
  void requestedCudaThatCannotBeStartedIsExplained() {
    InferenceOptions cuda = new InferenceOptions(1, ExecutionProvider.CUDA, 0, Precision.AUTO);

    assertThatThrownBy(() -> OnnxNetwork.open("add_bias", addBias(), BIAS, cuda, CLAIMS_CUDA))
        .isInstanceOf(InferenceException.class)
        .hasMessageStartingWith(
            "cannot create the add_bias session on CUDA on GPU 0 (TF32 allowed): ")
        .hasMessageContaining("need an NVIDIA GPU with its driver")
        .hasMessageContaining("CUDA 12 and cuDNN 9");
  }

  @Test
  void theRealBuildRunsTheDefaultsOnWhatItHas() throws IOException {
    try (OnnxNetwork network =
        OnnxNetwork.open("add_bias", addBias(), BIAS, InferenceOptions.defaults())) {
      Map<String, FloatTensor> out =
          network.run(Map.of("x", network.floats(new float[] {-1f, 0.5f}, 2)), "y");

      assertThat(out.get("y").values()).containsExactly(9f, 20.5f);
    }
  }

  @Test
  void aProviderThatCouldNotBeStartedIsNotRetriedByAutomaticPlans() {
    InferenceOptions autoFp16 = new InferenceOptions(1, ExecutionProvider.AUTO, 0, Precision.FP16);
    Set<OrtProvider> claimsTensorRt = EnumSet.of(OrtProvider.CPU, OrtProvider.TENSOR_RT);

    assertThatThrownBy(
            () -> OnnxNetwork.open("first", addBias(), BIAS, autoFp16, claimsTensorRt).close())
        .isInstanceOf(InferenceException.class)
        .hasMessageStartingWith("cannot create the first session on TensorRT on GPU 0 (fp16");
    assertThatThrownBy(
            () -> OnnxNetwork.open("second", addBias(), BIAS, autoFp16, claimsTensorRt).close())
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("could not be started earlier in this process");
  }
}
