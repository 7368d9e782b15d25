package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;

class MidasDetectorTest {

  private static final InferenceOptions OPTIONS = new InferenceOptions(1);

  @Test
  void depthMatchesControlnetAuxWithTheStandInNetwork() throws IOException {
    ControlImage image = DepthReference.input();

    ControlImage depth =
        new MidasDetector(DepthReference.DIR.resolve("midas.onnx")).apply(image, OPTIONS);

    assertThat(depth.width()).isEqualTo(80);
    assertThat(depth.height()).isEqualTo(72);
    assertThat(depth.rgb()).isEqualTo(DepthReference.png("depth_midas.png").rgb());
  }

  @Test
  void onnxRuntimeRunsTheNetworkAsTorchDoes() throws IOException {
    float[] input = AnnotatorTestData.floats(DepthReference.DIR.resolve("midas_raw_input.bin"));
    float[] expected = AnnotatorTestData.floats(DepthReference.DIR.resolve("midas_raw_output.bin"));

    try (AnnotatorNetwork network =
        AnnotatorNetwork.open(
            "the MiDaS annotator", DepthReference.DIR.resolve("midas.onnx"), OPTIONS)) {
      FloatTensor depth =
          network
              .run(Map.of("image", new FloatTensor(new long[] {1, 3, 32, 64}, input)))
              .get("depth");

      assertThat(depth.shape()).containsExactly(1, 32, 64);
      assertThat(depth.values()).containsExactly(expected, within(1e-4f));
    }
  }
}
