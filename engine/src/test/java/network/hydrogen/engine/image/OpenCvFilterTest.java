package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** OpenCvFilter against cv2.GaussianBlur/dilate/erode/getGaussianKernel. */
class OpenCvFilterTest {

  static Map<String, OpenCvReference> records;

  @BeforeAll
  static void read() throws IOException {
    records = OpenCvReference.read("filter");
  }

  static Stream<String> cases() throws IOException {
    return OpenCvReference.read("filter").values().stream()
        .filter(r -> r.params().containsKey("op"))
        .map(OpenCvReference::name);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesOpenCv(String name) {
    OpenCvReference expected = records.get(name);
    String op = expected.param("op");
    if (op.equals("kernel")) {
      double[] kernel =
          OpenCvFilter.gaussianKernel(
              Integer.parseInt(expected.param("n")), Double.parseDouble(expected.param("sigma")));
      float[] want = expected.floats();
      for (int i = 0; i < want.length; i++) {
        assertThat((float) kernel[i]).as("tap " + i).isEqualTo(want[i]);
      }
      return;
    }
    OpenCvReference src = records.get(expected.param("src"));
    int h = src.height();
    int w = src.width();
    int c = src.channels();
    if (op.equals("blur")) {
      int kw = Integer.parseInt(expected.param("kw"));
      int kh = Integer.parseInt(expected.param("kh"));
      double sx = Double.parseDouble(expected.param("sx"));
      double sy = Double.parseDouble(expected.param("sy"));
      if (src.isFloat()) {
        OpenCvResizeTest.assertWithin(
            OpenCvFilter.gaussianBlur(src.floats(), h, w, c, kw, kh, sx, sy),
            expected.floats(),
            1e-6);
      } else {
        assertThat(
                expected.matches(OpenCvFilter.gaussianBlur(src.bytes(), h, w, c, kw, kh, sx, sy)))
            .isTrue();
      }
      return;
    }
    String cells = expected.param("kernel");
    boolean[] kernel = new boolean[cells.length()];
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = cells.charAt(i) == '1';
    }
    int kh = Integer.parseInt(expected.param("kh"));
    int kw = Integer.parseInt(expected.param("kw"));
    boolean dilate = op.equals("dilate");
    if (src.isFloat()) {
      float[] out =
          dilate
              ? OpenCvFilter.dilate(src.floats(), h, w, c, kernel, kh, kw)
              : OpenCvFilter.erode(src.floats(), h, w, c, kernel, kh, kw);
      assertThat(expected.matches(out)).isTrue();
    } else {
      byte[] out =
          dilate
              ? OpenCvFilter.dilate(src.bytes(), h, w, c, kernel, kh, kw)
              : OpenCvFilter.erode(src.bytes(), h, w, c, kernel, kh, kw);
      assertThat(expected.matches(out)).isTrue();
    }
  }

  @Test
  void blurKeepsAConstantImage() {
    byte[] grey = new byte[9 * 11];
    java.util.Arrays.fill(grey, (byte) 200);
    assertThat(OpenCvFilter.gaussianBlur(grey, 9, 11, 1, 0, 0, 3.0, 0)).isEqualTo(grey);
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> OpenCvFilter.gaussianBlur(new float[4], 2, 2, 1, 4, 4, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4x4");
    assertThatThrownBy(() -> OpenCvFilter.dilate(new float[4], 2, 2, 1, new boolean[8], 3, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3x3 kernel");
  }

  /** {@code cv2.Sobel(ramp, cv2.CV_64F, dx, dy, ksize=3)} of a 7x5 float64 ramp, OpenCV 5.0.0's. */
  @Test
  void sobelOnFloat64MatchesOpenCv() {
    double[] ramp = OpenCvReference.float64Ramp();

    assertThat(OpenCvFilter.sobel3(ramp, 5, 7, 1, 0))
        .containsExactly(
            new double[] {
              0.0,
              2.960000000000001,
              -0.43999999999999995,
              -0.4399999999999997,
              -0.4400000000000006,
              -0.4400000000000015,
              0.0,
              0.0,
              2.960000000000001,
              -0.4399999999999997,
              -0.4399999999999995,
              -0.4400000000000006,
              -0.44000000000000106,
              0.0,
              0.0,
              1.2600000000000011,
              -0.44000000000000083,
              1.2600000000000007,
              -0.43999999999999995,
              -0.43999999999999995,
              0.0,
              0.0,
              -0.43999999999999906,
              -0.4400000000000026,
              2.960000000000001,
              -0.44000000000000083,
              -0.43999999999999884,
              0.0,
              0.0,
              -0.4399999999999993,
              -0.44000000000000283,
              2.960000000000001,
              -0.4400000000000024,
              -0.4399999999999986,
              0.0
            },
            within(1e-12));
    assertThat(OpenCvFilter.sobel3(ramp, 5, 7, 0, 1))
        .containsExactly(
            new double[] {
              0.0,
              0.0,
              0.0,
              0.0,
              0.0,
              0.0,
              0.0,
              1.1199999999999994,
              1.1199999999999997,
              1.12,
              1.120000000000001,
              1.12,
              1.1200000000000019,
              1.1200000000000023,
              1.120000000000001,
              -0.5799999999999992,
              -2.2800000000000007,
              -0.5800000000000023,
              1.1199999999999988,
              1.12,
              1.120000000000001,
              1.1200000000000014,
              1.1200000000000014,
              1.120000000000001,
              1.120000000000001,
              1.1199999999999992,
              1.1199999999999974,
              1.1199999999999979,
              0.0,
              0.0,
              0.0,
              0.0,
              0.0,
              0.0,
              0.0
            },
            within(1e-12));
  }
}
