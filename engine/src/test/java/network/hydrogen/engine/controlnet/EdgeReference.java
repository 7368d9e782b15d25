package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The edge annotators' test data from {@code tools/annotators/edges.py reference}: tiny stand-in
 * networks with the real ONNX contract, a 136x72 input, and controlnet_aux's detector outputs with
 * those stand-ins in torch.
 */
final class EdgeReference {

  static final Path DATA = Path.of("src/test/resources/annotators/edges");

  private EdgeReference() {}

  static ControlImage png(String name) throws IOException {
    return ControlImage.decode(Files.readAllBytes(DATA.resolve(name + ".png")));
  }

  static ControlImage input() throws IOException {
    return png("input");
  }

  /** The top-left {@code width x height} of {@code image}. */
  static ControlImage topLeft(ControlImage image, int width, int height) {
    byte[] rgb = new byte[3 * width * height];
    for (int y = 0; y < height; y++) {
      System.arraycopy(image.rgb(), 3 * y * image.width(), rgb, 3 * y * width, 3 * width);
    }
    return new ControlImage(width, height, rgb);
  }

  /**
   * Checks that {@code map} is {@code expected} except on at most {@code pixels} pixels that are
   * one level off: where controlnet_aux truncates a float at a whole number (or a threshold sits on
   * it), ONNX Runtime's last-bit differences from torch can move it by one.
   */
  static void assertMatches(ControlImage map, ControlImage expected, int pixels) {
    assertThat(map.width()).isEqualTo(expected.width());
    assertThat(map.height()).isEqualTo(expected.height());
    int differing = 0;
    int worst = 0;
    for (int i = 0; i < map.rgb().length; i += 3) {
      int difference = 0;
      for (int c = 0; c < 3; c++) {
        difference =
            Math.max(
                difference, Math.abs((map.rgb()[i + c] & 0xff) - (expected.rgb()[i + c] & 0xff)));
      }
      differing += difference > 0 ? 1 : 0;
      worst = Math.max(worst, difference);
    }
    assertThat(differing).as("pixels that differ").isLessThanOrEqualTo(pixels);
    assertThat(worst).as("the largest difference").isLessThanOrEqualTo(pixels == 0 ? 0 : 1);
  }
}
