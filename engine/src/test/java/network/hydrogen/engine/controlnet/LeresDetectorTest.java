package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvResize;
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
  @CsvSource({
    "calm, 0, 0",
    "calm, 20, 50",
    "busy, 0, 0",
    "busy, 20, 50",
    "patches, 0, 0",
    "patches, 20, 50"
  })
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
  @CsvSource({"calm", "busy", "patches"})
  void resolutionSearchAndPatchesAreControlnetAuxs(String scene) throws IOException {
    JsonNode plan =
        new ObjectMapper()
            .readTree(DepthReference.DIR.resolve("leres_boost.json").toFile())
            .get(scene);
    ControlImage padded =
        AnnotatorImages.pad64(DepthReference.png("input_boost_" + scene + ".png")).image();

    LeresBoost.Search search = LeresBoost.search(padded);

    assertThat(search.size()).isEqualTo(plan.get("size").asInt());
    assertThat(search.patchScale()).isEqualTo(plan.get("patch_scale").asDouble());
    if (plan.has("patches")) {
      int height = plan.get("enlarged").get(0).asInt();
      int width = plan.get("enlarged").get(1).asInt();
      double factor = Math.max(Math.min(1, 4 * search.patchScale() * search.size() / 1600), 0.2);
      ControlImage enlarged =
          new ControlImage(
              width,
              height,
              OpenCvResize.resize(
                  padded.rgb(),
                  padded.height(),
                  padded.width(),
                  3,
                  height,
                  width,
                  OpenCvResize.Interpolation.CUBIC));
      assertThat(LeresPatches.patches(enlarged, factor))
          .containsExactly(new ObjectMapper().convertValue(plan.get("patches"), int[][].class));
    }
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
  void thresholdsArePercentages() {
    assertThatThrownBy(() -> new LeresDetector(NETWORK, 101, 0))
        .hasMessageContaining("thr_a and thr_b")
        .hasMessageContaining("101");
  }
}
