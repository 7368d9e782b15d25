package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import network.hydrogen.engine.controlnet.ControlImage;
import org.junit.jupiter.api.Test;

class OpenCvThinLineTest {

  static final Path DATA = Path.of("src/test/resources/annotators/mlsd-face");

  /** Sixty segments, many partly or wholly outside, drawn by cv2.line each in its own level. */
  @Test
  void segmentsMatchOpenCvPixelForPixel() throws IOException {
    ControlImage expected =
        ControlImage.decode(Files.readAllBytes(DATA.resolve("thin_lines_64x48.png")));
    List<String> segments = Files.readAllLines(DATA.resolve("thin_lines.txt"));
    byte[] canvas = new byte[64 * 48];

    for (int i = 0; i < segments.size(); i++) {
      String[] p = segments.get(i).trim().split(" ");
      OpenCvThinLine.draw(
          canvas,
          64,
          48,
          Integer.parseInt(p[0]),
          Integer.parseInt(p[1]),
          Integer.parseInt(p[2]),
          Integer.parseInt(p[3]),
          new byte[] {(byte) (4 * i + 10)});
    }

    assertThat(segments).hasSize(60);
    for (int i = 0; i < canvas.length; i++) {
      assertThat(canvas[i]).as("pixel (%d, %d)", i % 64, i / 64).isEqualTo(expected.rgb()[3 * i]);
    }
  }

  @Test
  void aSegmentOutsideTheImageDrawsNothing() {
    byte[] canvas = new byte[16];

    OpenCvThinLine.draw(canvas, 4, 4, -5, -1, -1, -9, new byte[] {1});

    assertThat(canvas).containsOnly(0);
  }
}
