package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.controlnet.AnnotatorTestData;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The depth and normal preprocessors from a task to its control image, with the stand-in networks
 * of {@code tools/annotators/depth.py reference} under their real names in a models folder.
 */
class DepthPreprocessTest {

  static final Path DATA = Path.of("src/test/resources/annotators/depth");

  private static TaskArgs task(String preprocess) throws Exception {
    return task(preprocess, "input.png");
  }

  private static TaskArgs task(String preprocess, String input) throws Exception {
    return AnnotatorTestData.task(DATA.resolve(input), preprocess);
  }

  private static Path models(Path dir) throws IOException {
    Path annotators = Files.createDirectories(dir.resolve("annotators"));
    Files.copy(DATA.resolve("midas.onnx"), annotators.resolve("dpt_hybrid-midas-501f0c75.onnx"));
    Files.copy(DATA.resolve("normal_bae.onnx"), annotators.resolve("scannet.onnx"));
    Files.copy(DATA.resolve("leres.onnx"), annotators.resolve("res101.onnx"));
    Files.copy(DATA.resolve("zoe.onnx"), annotators.resolve("ZoeD_M12_N.onnx"));
    Files.copy(DATA.resolve("leres_merge.onnx"), annotators.resolve("latest_net_G.onnx"));
    return dir;
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"method\": \"depth_midas\"} | input.png | depth_midas.png",
        "{\"method\": \"normal_bae\"} | input.png | normal_bae.png",
        "{\"method\": \"depth_zoe\", \"args\": {\"gamma_corrected\": true}} | input.png"
            + " | depth_zoe_true.png",
        "{\"method\": \"depth_leres\", \"args\": {\"thr_a\": 25, \"thr_b\": 60}} | input.png"
            + " | depth_leres_25_60.png",
        "{\"method\": \"depth_leres++\", \"args\": {\"thr_a\": 20, \"thr_b\": 50}}"
            + " | input_boost_calm.png | depth_leres++_calm_20_50.png"
      })
  void aTaskGivesTheReferenceMap(
      String preprocess, String input, String expected, @TempDir Path dir) throws Exception {
    ControlImage map =
        ControlNetInput.fromTask(task(preprocess, input), new ModelLibrary(models(dir)))
            .orElseThrow()
            .preprocess(new InferenceOptions(1))
            .image();

    byte[] reference = AnnotatorTestData.png(DATA.resolve(expected)).rgb();
    int differing = 0;
    for (int i = 0; i < reference.length; i++) {
      int difference = Math.abs((map.rgb()[i] & 0xff) - (reference[i] & 0xff));
      assertThat(difference).isLessThanOrEqualTo(1);
      differing += difference;
    }
    assertThat(differing)
        .as("bytes off by one (LeReS: one pixel; see LeresDetectorTest)")
        .isLessThanOrEqualTo(3);
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("annotators"));

    assertThatThrownBy(
            () ->
                ControlNetInput.fromTask(
                    task("{\"method\": \"normal_bae\"}"), new ModelLibrary(dir)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("scannet.onnx")
        .hasMessageContaining("tools/annotators/");
  }

  @Test
  void leresBoostNamesAMissingMergeNetworkWhenTheTaskIsPrepared(@TempDir Path dir)
      throws Exception {
    Files.delete(models(dir).resolve("annotators/latest_net_G.onnx"));

    assertThatThrownBy(
            () ->
                ControlNetInput.fromTask(
                    task("{\"method\": \"depth_leres++\"}"), new ModelLibrary(dir)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("latest_net_G.onnx")
        .hasMessageContaining("tools/annotators/");
  }

  @Test
  void leresBoostRefusesAnImageTooSmallForItsSearchWhenTheTaskIsPrepared(@TempDir Path dir)
      throws Exception {
    ModelLibrary library = new ModelLibrary(models(dir));
    // input.png is 80x72: padded to 128x128, below the 160 px the resolution search needs
    assertThatThrownBy(
            () -> ControlNetInput.fromTask(task("{\"method\": \"depth_leres++\"}"), library))
        .isInstanceOf(UnsupportedTaskException.class)
        .hasMessageContaining("controlnet.preprocess: depth_leres++ needs an image")
        .hasMessageContaining("128x128");
    assertThat(ControlNetInput.fromTask(task("{\"method\": \"depth_leres\"}"), library))
        .isPresent();
  }
}
