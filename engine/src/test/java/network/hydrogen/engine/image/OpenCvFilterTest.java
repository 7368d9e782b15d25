package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
