package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import network.hydrogen.engine.controlnet.ControlImage;
import org.junit.jupiter.api.Test;

class OpenCvThickLineTest {

  /** Eighty segments, a third from the left or right edge, a third to the top or bottom one. */
  @Test
  void segmentsMatchOpenCvPixelForPixel() throws IOException {
    ControlImage expected =
        ControlImage.decode(
            Files.readAllBytes(OpenCvThinLineTest.DATA.resolve("thick_lines_64x48.png")));
    List<String> segments = Files.readAllLines(OpenCvThinLineTest.DATA.resolve("thick_lines.txt"));
    byte[] canvas = new byte[3 * 64 * 48];

    for (int i = 0; i < segments.size(); i++) {
      String[] p = segments.get(i).trim().split(" ");
      byte[] color = {(byte) (3 * i), (byte) 200, (byte) (255 - 3 * i)};
      OpenCvThickLine.draw(
          canvas,
          64,
          48,
          Integer.parseInt(p[0]),
          Integer.parseInt(p[1]),
          Integer.parseInt(p[2]),
          Integer.parseInt(p[3]),
          color,
          2);
    }

    assertThat(segments).hasSize(80);
    assertThat(canvas).isEqualTo(expected.rgb());
  }

  @Test
  void endsOutsideTheImageAreRefused() {
    assertThatThrownBy(
            () -> OpenCvThickLine.draw(new byte[48], 4, 4, 0, 0, 4, 2, new byte[] {1, 2, 3}, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(4, 2)");
  }
}
