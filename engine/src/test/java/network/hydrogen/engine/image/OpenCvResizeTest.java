package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;
import network.hydrogen.engine.image.OpenCvResize.Interpolation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** OpenCvResize against cv2.resize (tools/annotators/make_opencv_reference.py). */
class OpenCvResizeTest {

  static Map<String, OpenCvReference> records;

  @BeforeAll
  static void read() throws IOException {
    records = OpenCvReference.read("resize");
  }

  static Stream<String> cases() throws IOException {
    return OpenCvReference.read("resize").values().stream()
        .filter(r -> r.params().containsKey("src"))
        .map(OpenCvReference::name);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesOpenCv(String name) {
    OpenCvReference expected = records.get(name);
    OpenCvReference src = records.get(expected.param("src"));
    Interpolation interpolation = Interpolation.valueOf(expected.param("interp"));
    if (src.isFloat()) {
      float[] out =
          OpenCvResize.resize(
              src.floats(),
              src.height(),
              src.width(),
              src.channels(),
              expected.height(),
              expected.width(),
              interpolation);
      assertWithin(out, expected.floats(), 1e-5);
      return;
    }
    byte[] out =
        OpenCvResize.resize(
            src.bytes(),
            src.height(),
            src.width(),
            src.channels(),
            expected.height(),
            expected.width(),
            interpolation);
    if (expected.params().containsKey("stored")) {
      assertThat(expected.matches(out)).as(name + " equals OpenCV's bytes").isTrue();
      return;
    }
    // 8-bit cubic on 1, 3, 4 channels (Intel IPP in OpenCV): near-.5 values may round the other way
    byte[] want = expected.bytes();
    int differing = 0;
    for (int i = 0; i < want.length; i++) {
      int difference = Math.abs((out[i] & 0xff) - (want[i] & 0xff));
      assertThat(difference).as(name + " sample " + i).isLessThanOrEqualTo(1);
      differing += difference;
    }
    assertThat(differing).as(name + " differing samples").isLessThanOrEqualTo(want.length / 50);
  }

  /** Each sample within {@code tolerance} of the largest magnitude (at least 1). */
  static void assertWithin(float[] actual, float[] expected, double tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    double scale = 1;
    for (float v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i])
          .as("sample " + i)
          .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance * scale));
    }
  }

  @Test
  void sameSizeIsACopyInEveryInterpolation() {
    byte[] image = new byte[5 * 7 * 3];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 37);
    }
    for (Interpolation interpolation : Interpolation.values()) {
      assertThat(OpenCvResize.resize(image, 5, 7, 3, 5, 7, interpolation))
          .as(interpolation.name())
          .isEqualTo(image);
    }
  }

  @Test
  void badShapesAreRefusedWithTheSizes() {
    assertThatThrownBy(() -> OpenCvResize.resize(new byte[10], 2, 2, 3, 4, 4, Interpolation.LINEAR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2x2x3");
    assertThatThrownBy(() -> OpenCvResize.resize(new float[12], 2, 2, 3, 0, 4, Interpolation.AREA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("to 4x0");
  }
}
