package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZoeDetectorTest {

  /**
   * At most a few pixels off by one: the depth passes through torch's interpolations (which this
   * engine follows to about 1e-6, see TorchInterpolate) and the network (ONNX Runtime against
   * torch, about 1e-7), so a value can cross an 8-bit step.
   */
  @ParameterizedTest
  @CsvSource({
    "input.png, false, depth_zoe_false.png",
    "input.png, true, depth_zoe_true.png",
    "input_wide.png, false, depth_zoe_wide.png"
  })
  void depthMatchesControlnetAuxWithTheStandInNetwork(
      String input, boolean gammaCorrected, String expected) throws IOException {
    ControlImage image = DepthReference.png(input);

    ControlImage depth =
        new ZoeDetector(DepthReference.DIR.resolve("zoe.onnx"), gammaCorrected)
            .apply(image, new InferenceOptions(1));

    byte[] reference = DepthReference.png(expected).rgb();
    assertThat(depth.width()).isEqualTo(image.width());
    assertThat(DepthReference.differing(depth.rgb(), reference, 1)).isZero();
    assertThat(DepthReference.differing(depth.rgb(), reference, 0)).isLessThanOrEqualTo(3 * 8);
  }

  @Test
  void percentileInterpolatesAsNumpy() {
    float[] values = {5f, 1f, 4f, 2f, 3f};

    assertThat(ZoeDetector.percentile(values, 2)).isEqualTo(1.08f);
    assertThat(ZoeDetector.percentile(values, 85)).isEqualTo(4.4f);
    assertThat(values[0]).isEqualTo(5f);
  }
}
