package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The depth family's test data from {@code tools/annotators/depth.py reference}: stand-in networks
 * with the real ONNX contracts, an 80x72 input, and controlnet_aux's maps made with the stand-ins.
 */
final class DepthReference {

  static final Path DIR = Path.of("src/test/resources/annotators/depth");

  private DepthReference() {}

  static ControlImage png(String name) throws IOException {
    return AnnotatorTestData.png(DIR.resolve(name));
  }

  static ControlImage input() throws IOException {
    return png("input.png");
  }

  /** How many bytes of two maps of one size differ, and by more than {@code tolerance}. */
  static int differing(byte[] actual, byte[] expected, int tolerance) {
    if (actual.length != expected.length) {
      throw new AssertionError(actual.length + " bytes, expected " + expected.length);
    }
    int count = 0;
    for (int i = 0; i < actual.length; i++) {
      if (Math.abs((actual[i] & 0xff) - (expected[i] & 0xff)) > tolerance) {
        count++;
      }
    }
    return count;
  }
}
