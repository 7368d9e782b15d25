package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.task.TaskArgs;

/**
 * The edge annotators' test data from {@code tools/annotators/edges.py reference}: tiny stand-in
 * networks with the real ONNX contract, a 136x72 input, and controlnet_aux's detector outputs with
 * those stand-ins in torch.
 */
final class EdgeReference {

  static final Path DATA = Path.of("src/test/resources/annotators/edges");

  static final InferenceOptions CPU = new InferenceOptions(1);

  private EdgeReference() {}

  static ControlImage png(String name) throws IOException {
    return AnnotatorTestData.png(DATA.resolve(name + ".png"));
  }

  static ControlImage input() throws IOException {
    return png("input");
  }

  /** The top-left 64x64 of the input, which the raw network outputs were recorded on. */
  static ControlImage tile() throws IOException {
    return topLeft(input(), 64, 64);
  }

  /** Checks {@code detector}'s map of the input against controlnet_aux's {@code method}.png. */
  static void assertMapMatches(Preprocessor detector, String method, int offByOne)
      throws IOException {
    assertMatches(detector.apply(input(), CPU), png(method), offByOne);
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

  /**
   * Checks the network in {@code file} on {@code image} against torch's outputs {@code names},
   * flattened one after the other in {@code raw} (to 1e-4).
   */
  static void assertNetworkGivesTorchOutputs(
      String file, FloatTensor image, String raw, String... names) throws IOException {
    float[] expected = AnnotatorTestData.floats(DATA.resolve(raw));
    Map<String, FloatTensor> outputs;
    try (AnnotatorNetwork network = AnnotatorNetwork.open(file, DATA.resolve(file), CPU)) {
      outputs = network.run(Map.of("image", image));
    }
    int at = 0;
    for (String name : names) {
      for (float value : outputs.get(name).values()) {
        assertThat(value).as("%s[%d]", name, at).isCloseTo(expected[at++], within(1e-4f));
      }
    }
    assertThat(at).isEqualTo(expected.length);
  }

  /** Checks that preparing {@code preprocess} without its network names the file and the tool. */
  static void assertMissingFileIsNamed(TaskArgs.Preprocess preprocess, String file, Path models) {
    assertThatThrownBy(() -> Preprocessor.of(preprocess, 0, new ModelLibrary(models)::annotator))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("annotators/" + file)
        .hasMessageContaining("tools/annotators/");
  }
}
