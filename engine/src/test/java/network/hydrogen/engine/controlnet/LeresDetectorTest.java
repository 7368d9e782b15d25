package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeresDetectorTest {

  private static final Path NETWORK = DepthReference.DIR.resolve("leres.onnx");
  private static final Path MERGE = DepthReference.DIR.resolve("leres_merge.onnx");

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

  /**
   * depth_leres++ on a calm scene (searched at 448) and a busy one (672), both whole-image: the
   * calm one exact, the busy one off by one level on 4 of its 39100 pixels (the 16-bit truncation
   * as above, after cubic float resizes that match OpenCV within float rounding); one of those sits
   * on thr_b's threshold (127 against 128), so it becomes 0 on one side.
   */
  @ParameterizedTest
  @CsvSource({"calm, 0, 0", "calm, 20, 50", "busy, 0, 0", "busy, 20, 50"})
  void boostMatchesControlnetAuxWithTheStandInNetworks(String scene, int thrA, int thrB)
      throws IOException {
    ControlImage depth =
        new LeresDetector(NETWORK, MERGE, thrA, thrB)
            .apply(DepthReference.png("input_boost_" + scene + ".png"), new InferenceOptions(1));

    byte[] expected =
        DepthReference.png("depth_leres++_" + scene + "_" + thrA + "_" + thrB + ".png").rgb();
    assertThat(DepthReference.differing(depth.rgb(), expected, 1)).isLessThanOrEqualTo(3);
    assertThat(DepthReference.differing(depth.rgb(), expected, 0))
        .isLessThanOrEqualTo(expected.length / 5000);
  }

  @ParameterizedTest
  @CsvSource({"calm", "busy"})
  void resolutionSearchFindsControlnetAuxsSize(String scene) throws IOException {
    String searched = Files.readString(DepthReference.DIR.resolve("leres_boost.json"));
    Matcher size =
        Pattern.compile("\"" + scene + "\":\\s*\\{\\s*\"size\":\\s*(\\d+)").matcher(searched);
    assertThat(size.find()).isTrue();

    ControlImage padded =
        AnnotatorImages.pad64(DepthReference.png("input_boost_" + scene + ".png")).image();
    assertThat(LeresBoost.searchedSize(padded)).isEqualTo(Integer.parseInt(size.group(1)));
  }

  @Test
  void boostNeedsALongestSideOverOneHundredTwentyEightPixels() {
    ControlImage small = new ControlImage(128, 100, new byte[3 * 128 * 100]);

    assertThatThrownBy(
            () -> new LeresDetector(NETWORK, MERGE, 0, 0).apply(small, new InferenceOptions(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("depth_leres++")
        .hasMessageContaining("160 px")
        .hasMessageContaining("128x128");
  }

  @Test
  void boostRefusesImagesThatWouldNeedPatches() throws IOException {
    // the calm scene enlarged to 600x450: searched at 448, under its longest side (640 padded)
    ControlImage calm = DepthReference.png("input_boost_calm.png");
    ControlImage large = calm.resize(600, 450);

    assertThatThrownBy(
            () -> new LeresDetector(NETWORK, MERGE, 0, 0).apply(large, new InferenceOptions(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refine patches")
        .hasMessageContaining("640x512")
        .hasMessageContaining("448");
  }

  @Test
  void thresholdsArePercentages() {
    assertThatThrownBy(() -> new LeresDetector(NETWORK, 101, 0))
        .hasMessageContaining("thr_a and thr_b")
        .hasMessageContaining("101");
  }
}
