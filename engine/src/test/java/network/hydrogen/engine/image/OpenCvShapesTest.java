package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class OpenCvShapesTest {

  static final Path DATA = Path.of("src/test/resources/annotators/pose");

  /**
   * 60 random ellipses (ellipse2Poly + fillConvexPoly), filled circles and lines (1 and 2 wide),
   * many crossing the canvas edge, drawn by opencv-python-headless 5.0.0
   * (tools/annotators/pose.py).
   */
  @Test
  void drawsAsOpenCvDraws() throws IOException {
    JsonNode reference = new ObjectMapper().readTree(DATA.resolve("shapes.json").toFile());
    int height = reference.get("height").asInt();
    int width = reference.get("width").asInt();
    byte[] canvas = new byte[3 * height * width];
    int polygon = 0;
    for (JsonNode op : reference.get("ops")) {
      int[] colour = colour(op.get(op.size() - 1));
      switch (op.get(0).asText()) {
        case "ellipse" -> {
          int[][] points =
              OpenCvShapes.ellipse2Poly(
                  op.get(1).asInt(),
                  op.get(2).asInt(),
                  op.get(3).asInt(),
                  op.get(4).asInt(),
                  op.get(5).asInt(),
                  0,
                  360,
                  1);
          JsonNode expected = reference.get("ellipse_polygons").get(polygon++);
          assertThat(points.length).as("polygon %d", polygon).isEqualTo(expected.size());
          for (int i = 0; i < points.length; i++) {
            assertThat(points[i][0]).isEqualTo(expected.get(i).get(0).asInt());
            assertThat(points[i][1]).isEqualTo(expected.get(i).get(1).asInt());
          }
          OpenCvShapes.fillConvexPoly(canvas, height, width, points, colour);
        }
        case "circle" ->
            OpenCvShapes.circle(
                canvas,
                height,
                width,
                op.get(1).asInt(),
                op.get(2).asInt(),
                op.get(3).asInt(),
                colour,
                -1);
        default ->
            OpenCvShapes.line(
                canvas,
                height,
                width,
                op.get(1).asInt(),
                op.get(2).asInt(),
                op.get(3).asInt(),
                op.get(4).asInt(),
                colour,
                op.get(5).asInt());
      }
    }

    BufferedImage expected = ImageIO.read(DATA.resolve("shapes.png").toFile());
    int differing = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int rgb = expected.getRGB(x, y);
        int i = 3 * (y * width + x);
        if ((canvas[i] & 0xff) != (rgb >> 16 & 0xff)
            || (canvas[i + 1] & 0xff) != (rgb >> 8 & 0xff)
            || (canvas[i + 2] & 0xff) != (rgb & 0xff)) {
          differing++;
        }
      }
    }
    assertThat(differing).isZero();
  }

  private static int[] colour(JsonNode rgb) {
    return new int[] {rgb.get(0).asInt(), rgb.get(1).asInt(), rgb.get(2).asInt()};
  }

  @Test
  void refusesWhatItDoesNotDraw() {
    byte[] canvas = new byte[3 * 4 * 4];
    assertThatThrownBy(() -> OpenCvShapes.circle(canvas, 4, 4, 1, 1, 2, new int[] {1, 2, 3}, 3))
        .hasMessageContaining("thickness 3");
    assertThatThrownBy(() -> OpenCvShapes.line(canvas, 5, 4, 0, 0, 1, 1, new int[] {1, 2, 3}, 1))
        .hasMessageContaining("4x5");
    assertThatThrownBy(() -> OpenCvShapes.line(canvas, 4, 4, -1, 0, 3, 3, new int[] {1, 2, 3}, 2))
        .hasMessageContaining("leaves the 4x4 image");
  }
}
