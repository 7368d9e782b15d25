package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CannyDetectorTest {

  private static final InferenceOptions OPTIONS = new InferenceOptions(1);

  static final Path GOLDEN = Path.of("src/test/resources/engine-reference/sd15-controlnet/golden");

  @Test
  void edgesMatchTheReferenceAnnotatorPixelForPixel() throws IOException {
    ControlImage input = AnnotatorTestData.png(GOLDEN.resolve("input.png"));
    ControlImage expected = AnnotatorTestData.png(GOLDEN.resolve("canny.png"));

    ControlImage edges = new CannyDetector(100, 200).apply(input, OPTIONS);

    assertThat(differing(edges.rgb(), expected.rgb())).isZero();
    assertThat(edges.rgb()).isEqualTo(expected.rgb());
    float[] hwc = AnnotatorTestData.floats(GOLDEN.resolve("canny_hwc.f32"));
    for (int i = 0; i < hwc.length; i++) {
      assertThat((float) (edges.rgb()[i] & 0xff)).isEqualTo(hwc[i]);
    }
  }

  /** cv2.Canny via controlnet_aux's padding, from tools/controlnet/make_canny_reference.py. */
  @ParameterizedTest
  @CsvSource({
    "golden, input, 50, 150",
    "golden, input, 200, 100",
    "golden, input, 10, 30",
    "data, input_lanczos_96x80, 100, 200",
    "data, input_lanczos_40x24, 60, 120"
  })
  void edgesMatchOpenCvOnOtherThresholdsAndPaddedSizes(
      String folder, String image, int low, int high) throws IOException {
    Path dir = folder.equals("golden") ? GOLDEN : ControlImageTest.DATA;
    ControlImage input = AnnotatorTestData.png(dir.resolve(image + ".png"));
    ControlImage expected =
        AnnotatorTestData.png(
            ControlImageTest.DATA.resolve("canny_" + image + "_" + low + "_" + high + ".png"));

    ControlImage edges = new CannyDetector(low, high).apply(input, OPTIONS);

    assertThat(edges.width()).isEqualTo(input.width());
    assertThat(differing(edges.rgb(), expected.rgb())).isZero();
  }

  @Test
  void lowerThresholdsFindMoreEdges() throws IOException {
    ControlImage input = AnnotatorTestData.png(GOLDEN.resolve("input.png"));

    int strict = edgeCount(new CannyDetector(100, 200).apply(input, OPTIONS));
    int loose = edgeCount(new CannyDetector(10, 30).apply(input, OPTIONS));

    assertThat(loose).isGreaterThan(strict);
  }

  private static int edgeCount(ControlImage image) {
    int count = 0;
    for (byte b : image.rgb()) {
      count += b != 0 ? 1 : 0;
    }
    return count;
  }

  static int differing(byte[] a, byte[] b) {
    int count = 0;
    for (int i = 0; i < a.length; i++) {
      count += a[i] != b[i] ? 1 : 0;
    }
    return count;
  }
}
