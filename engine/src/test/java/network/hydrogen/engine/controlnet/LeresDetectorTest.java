package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeresDetectorTest {

  private static final Path NETWORK = DepthReference.DIR.resolve("leres.onnx");

  /**
   * Exact but for at most one pixel, off by one: LeReS' depth is stretched to 65535 levels and
   * truncated, so float differences between torch and ONNX Runtime (about 1e-7 relative) can move a
   * value across a 16-bit step that rounds to the other 8-bit value (one pixel of 5760 here).
   */
  @ParameterizedTest
  @CsvSource({"0, 0", "30, 0", "0, 40", "25, 60"})
  void depthMatchesControlnetAuxWithTheStandInNetwork(int thrA, int thrB) throws IOException {
    ControlImage depth =
        new LeresDetector(NETWORK, thrA, thrB)
            .apply(DepthReference.input(), new InferenceOptions(1));

    byte[] expected = DepthReference.png("depth_leres_" + thrA + "_" + thrB + ".png").rgb();
    assertThat(DepthReference.differing(depth.rgb(), expected, 1)).isZero();
    assertThat(DepthReference.differing(depth.rgb(), expected, 0)).isLessThanOrEqualTo(3);
  }

  @Test
  void thresholdsArePercentages() {
    assertThatThrownBy(() -> new LeresDetector(NETWORK, 101, 0))
        .hasMessageContaining("thr_a and thr_b")
        .hasMessageContaining("101");
  }
}
