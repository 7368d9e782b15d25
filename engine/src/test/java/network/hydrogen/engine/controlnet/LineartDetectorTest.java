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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineartDetectorTest {

  static final InferenceOptions CPU = new InferenceOptions(1);

  /**
   * controlnet_aux's LineartDetector with the stand-in generators; the map is {@code line * 255}
   * truncated: ONNX Runtime moves 8 and 3 of the 9792 pixels by one level (as in Python).
   */
  @ParameterizedTest
  @CsvSource({"lineart_realistic, sk_model.onnx, 8", "lineart_coarse, sk_model2.onnx, 3"})
  void mapsMatchControlnetAux(String method, String file, int offByOne) throws IOException {
    ControlImage input = EdgeReference.input();
    ControlImage expected = EdgeReference.png(method);

    ControlImage map = new LineartDetector(EdgeReference.DATA.resolve(file)).apply(input, CPU);

    EdgeReference.assertMatches(map, expected, offByOne);
  }

  @Test
  void theNetworkGivesWhatTorchGives() throws IOException {
    ControlImage tile = EdgeReference.topLeft(EdgeReference.input(), 64, 64);
    float[] expected = CannyDetectorTest.floats(EdgeReference.DATA.resolve("raw_sk_model.f32"));

    Map<String, FloatTensor> outputs;
    try (AnnotatorNetwork network =
        AnnotatorNetwork.open(
            "sk_model", EdgeReference.DATA.resolve(LineartDetector.REALISTIC), CPU)) {
      outputs = network.run(Map.of("image", EdgeMaps.planar(tile, false, 255f, 0f)));
    }

    float[] line = outputs.get("line").values();
    assertThat(line).hasSize(expected.length);
    for (int i = 0; i < line.length; i++) {
      assertThat(line[i]).isCloseTo(expected[i], within(1e-4f));
    }
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path models) {
    assertThatThrownBy(
            () ->
                Preprocessor.of(
                    new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.LINEART_COARSE),
                    0,
                    new ModelLibrary(models)::annotator))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("annotators/sk_model2.onnx")
        .hasMessageContaining("tools/annotators/");
  }
}
