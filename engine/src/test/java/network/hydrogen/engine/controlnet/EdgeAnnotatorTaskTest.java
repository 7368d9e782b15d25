package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The edge methods from a task's {@code controlnet.preprocess} to the control image, with the
 * stand-in networks in a models folder's {@code annotators/} under their real file names.
 */
class EdgeAnnotatorTaskTest {

  private static final String[] NETWORKS = {
    "ControlNetHED.onnx", "table5_pidinet.onnx", "sk_model.onnx", "sk_model2.onnx", "netG.onnx"
  };

  private static TaskArgs task(String preprocess) throws Exception {
    return AnnotatorTestData.task(EdgeReference.DATA.resolve("input.png"), preprocess);
  }

  private static Path modelsWithTheNetworks(Path models) throws IOException {
    Path annotators = Files.createDirectories(models.resolve("annotators"));
    for (String network : NETWORKS) {
      Files.copy(EdgeReference.DATA.resolve(network), annotators.resolve(network));
    }
    return models;
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"method\": \"softedge_hed\"} | softedge_hed | 1",
        "{\"method\": \"scribble_hedsafe\"} | scribble_hedsafe | 0",
        "{\"method\": \"scribble_pidinet\"} | scribble_pidinet | 0",
        "{\"method\": \"softedge_pidisafe\", \"args\": {\"apply_filter\": true}}"
            + " | softedge_pidisafe_filter | 0",
        "{\"method\": \"lineart_realistic\"} | lineart_realistic | 8",
        "{\"method\": \"lineart_coarse\"} | lineart_coarse | 3",
        "{\"method\": \"lineart_anime\"} | lineart_anime | 1"
      })
  void aTaskGetsTheAnnotatorsMap(
      String preprocess, String expected, int offByOne, @TempDir Path models) throws Exception {
    ControlImage map =
        ControlNetInput.fromTask(task(preprocess), new ModelLibrary(modelsWithTheNetworks(models)))
            .orElseThrow()
            .preprocess(EdgeReference.CPU)
            .image();

    EdgeReference.assertMatches(map, EdgeReference.png(expected), offByOne);
  }

  @Test
  void aMissingNetworkFailsThePreparationNamingIt(@TempDir Path models) throws Exception {
    modelsWithTheNetworks(models);
    Files.delete(models.resolve("annotators/table5_pidinet.onnx"));

    assertThatThrownBy(
            () ->
                ControlNetInput.fromTask(
                    task("{\"method\": \"scribble_pidisafe\"}"), new ModelLibrary(models)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("annotators/table5_pidinet.onnx");
  }
}
