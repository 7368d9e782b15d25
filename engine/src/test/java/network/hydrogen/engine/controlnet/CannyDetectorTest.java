package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CannyDetectorTest {

  static final Path GOLDEN = Path.of("src/test/resources/engine-reference/sd15-controlnet/golden");

  @Test
  void edgesMatchTheReferenceAnnotatorPixelForPixel() throws IOException {
    ControlImage input = ControlImage.decode(Files.readAllBytes(GOLDEN.resolve("input.png")));
    ControlImage expected = ControlImage.decode(Files.readAllBytes(GOLDEN.resolve("canny.png")));

    ControlImage edges = new CannyDetector(100, 200).apply(input);

    assertThat(differing(edges.rgb(), expected.rgb())).isZero();
    assertThat(edges.rgb()).isEqualTo(expected.rgb());
    float[] hwc = floats(GOLDEN.resolve("canny_hwc.f32"));
    for (int i = 0; i < hwc.length; i++) {
      assertThat((float) (edges.rgb()[i] & 0xff)).isEqualTo(hwc[i]);
    }
  }

  static int differing(byte[] a, byte[] b) {
    int count = 0;
    for (int i = 0; i < a.length; i++) {
      count += a[i] != b[i] ? 1 : 0;
    }
    return count;
  }

  static float[] floats(Path file) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(out);
    return out;
  }
}
