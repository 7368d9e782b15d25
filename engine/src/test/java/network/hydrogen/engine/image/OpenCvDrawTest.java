package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** OpenCvDraw against cv2's drawing (tools/annotators/make_opencv_reference.py, group draw). */
class OpenCvDrawTest {

  static Map<String, OpenCvReference> records;

  @BeforeAll
  static void read() throws IOException {
    records = OpenCvReference.read("draw");
  }

  static Stream<String> cases() throws IOException {
    return OpenCvReference.read("draw").values().stream()
        .filter(r -> r.params().containsKey("op"))
        .map(OpenCvReference::name);
  }

  private static int[] ints(String values) {
    return Arrays.stream(values.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  private static double[] color(OpenCvReference record) {
    return Arrays.stream(record.param("color").split(","))
        .mapToDouble(Double::parseDouble)
        .toArray();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void drawsAsOpenCv(String name) {
    OpenCvReference expected = records.get(name);
    OpenCvReference blank = records.get(expected.param("src"));
    int h = blank.height();
    int w = blank.width();
    byte[] canvas = blank.bytes().clone();
    switch (expected.param("op")) {
      case "line" -> {
        int[] p = ints(expected.param("pts"));
        OpenCvDraw.line(
            canvas,
            h,
            w,
            p[0],
            p[1],
            p[2],
            p[3],
            color(expected),
            Integer.parseInt(expected.param("t")));
      }
      case "circle" -> {
        int[] p = ints(expected.param("pts"));
        OpenCvDraw.circle(
            canvas,
            h,
            w,
            p[0],
            p[1],
            Integer.parseInt(expected.param("r")),
            color(expected),
            Integer.parseInt(expected.param("t")));
      }
      case "ellipse2Poly" -> {
        int[] a = ints(expected.param("args"));
        int[] polygon =
            a.length == 5
                ? OpenCvDraw.ellipse2Poly(a[0], a[1], a[2], a[3], a[4], 0, 360, 1)
                : OpenCvDraw.ellipse2Poly(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
        assertThat(polygon).isEqualTo(expected.ints());
        return;
      }
      case "fillConvexPoly" -> {
        int[] points =
            expected.params().containsKey("poly")
                ? records.get(expected.param("poly")).ints()
                : ints(expected.param("pts"));
        OpenCvDraw.fillConvexPoly(canvas, h, w, points, color(expected));
      }
      case "fillPoly" -> {
        int[][] contours =
            Arrays.stream(expected.param("contours").split(";"))
                .map(OpenCvDrawTest::ints)
                .toArray(int[][]::new);
        OpenCvDraw.fillPoly(canvas, h, w, contours, color(expected));
      }
      case "polylines" ->
          OpenCvDraw.polylines(
              canvas,
              h,
              w,
              ints(expected.param("pts")),
              expected.param("closed").equals("1"),
              color(expected),
              Integer.parseInt(expected.param("t")));
      default -> throw new IllegalStateException(expected.param("op"));
    }
    assertThat(expected.matches(canvas)).as(name + " equals OpenCV's canvas").isTrue();
  }

  @Test
  void badArgumentsAreRefused() {
    byte[] canvas = new byte[3 * 4 * 5];
    double[] white = {255, 255, 255};
    assertThatThrownBy(() -> OpenCvDraw.line(canvas, 5, 4, 0, 0, 3, 3, white, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("thickness");
    assertThatThrownBy(() -> OpenCvDraw.circle(canvas, 4, 4, 1, 1, 1, white, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4x4");
    assertThatThrownBy(() -> OpenCvDraw.fillConvexPoly(canvas, 5, 4, new int[] {1, 2, 3}, white))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pairs");
  }
}
