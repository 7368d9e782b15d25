package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenCvWarp against cv2.getAffineTransform and cv2.warpAffine (DWPose's crops). */
class OpenCvWarpTest {

  static Map<String, OpenCvReference> records;

  @BeforeAll
  static void read() throws IOException {
    records = OpenCvReference.read("warp");
  }

  @Test
  void affineTransformsMatchOpenCv() {
    for (String name : OpenCvReference.named(records, "points_")) {
      float[] points = records.get(name).floats();
      double[] matrix =
          OpenCvWarp.affineTransform(
              Arrays.copyOfRange(points, 0, 6), Arrays.copyOfRange(points, 6, 12));
      double[] expected = records.get(name.replace("points_", "matrix_")).doubles();
      for (int i = 0; i < 6; i++) {
        assertThat(matrix[i]).as(name + " entry " + i).isEqualTo(expected[i]);
      }
    }
  }

  @Test
  void warpsMatchOpenCvExactly() {
    OpenCvReference image = records.get("input_img");
    for (String name : OpenCvReference.named(records, "warp_")) {
      OpenCvReference expected = records.get(name);
      double[] border =
          Arrays.stream(expected.param("border").split(","))
              .mapToDouble(Double::parseDouble)
              .toArray();
      byte[] out =
          OpenCvWarp.warpAffine(
              image.bytes(),
              image.height(),
              image.width(),
              3,
              records.get(expected.param("matrix")).doubles(),
              expected.height(),
              expected.width(),
              border);
      assertThat(expected.matches(out)).as(name).isTrue();
    }
  }

  @Test
  void collinearPointsAreRefused() {
    assertThatThrownBy(
            () ->
                OpenCvWarp.affineTransform(
                    new float[] {0, 0, 1, 1, 2, 2}, new float[] {0, 0, 1, 0, 0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("collinear");
  }
}
