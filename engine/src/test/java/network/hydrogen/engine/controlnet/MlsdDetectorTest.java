package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link MlsdDetector} against controlnet_aux's MLSDdetector run with the same stand-in network in
 * torch ({@code tools/annotators/mlsd_face.py reference}).
 */
class MlsdDetectorTest {

  static final Path DATA = Path.of("src/test/resources/annotators/mlsd-face");
  static final Path STAND_IN = DATA.resolve("mlsd_standin.onnx");
  static final InferenceOptions OPTIONS = new InferenceOptions(1);

  static ControlImage png(String name) throws IOException {
    return AnnotatorTestData.png(DATA.resolve(name + ".png"));
  }

  @ParameterizedTest
  @CsvSource({
    "mlsd_80x72, 10, 10",
    "mlsd_80x72, 50, 10",
    "mlsd_80x72, 90, 1",
    "mlsd_136x60, 10, 10",
    "mlsd_136x60, 10, 100",
    "mlsd_136x60, 30, 60"
  })
  void linesMatchTheReferenceDetectorPixelForPixel(String image, int thrV, int thrD)
      throws IOException {
    ControlImage expected = png(image + "_v" + thrV + "_d" + thrD);

    ControlImage lines = new MlsdDetector(thrV, thrD, STAND_IN).apply(png(image), OPTIONS);

    assertThat(lines.width()).isEqualTo(expected.width());
    assertThat(lines.height()).isEqualTo(expected.height());
    assertThat(CannyDetectorTest.differing(lines.rgb(), expected.rgb())).isZero();
  }

  @Test
  void higherThresholdsKeepFewerLines() throws IOException {
    ControlImage image = png("mlsd_136x60");

    int loose = white(new MlsdDetector(10, 10, STAND_IN).apply(image, OPTIONS));
    int strictValue = white(new MlsdDetector(50, 10, STAND_IN).apply(image, OPTIONS));
    int strictDistance = white(new MlsdDetector(10, 100, STAND_IN).apply(image, OPTIONS));

    assertThat(strictValue).isPositive().isLessThan(loose);
    assertThat(strictDistance).isPositive().isLessThan(loose);
  }

  @Test
  void networkInputAndOutputMatchTorch() throws IOException {
    ControlImage padded = AnnotatorImages.pad64(png("mlsd_80x72")).image();
    FloatTensor input = MlsdDetector.networkInput(padded);
    float[] expected = AnnotatorTestData.floats(DATA.resolve("mlsd_80x72_raw_every2.f32"));

    FloatTensor output;
    try (AnnotatorNetwork network = AnnotatorNetwork.open("stand-in", STAND_IN, OPTIONS)) {
      output = network.run(Map.of("image", input)).get("lines");
    }

    assertThat(output.shape()).containsExactly(1, 9, 64, 64);
    int at = 0;
    for (int c = 0; c < 9; c++) {
      for (int y = 0; y < 64; y += 2) {
        for (int x = 0; x < 64; x += 2) {
          float value = output.values()[(c * 64 + y) * 64 + x];
          assertThat(value)
              .as("channel %d at (%d, %d)", c, x, y)
              .isCloseTo(expected[at++], within(1e-4f));
        }
      }
    }
    assertThat(at).isEqualTo(expected.length);
  }

  @Test
  void aTaskRunsTheNetworkFromTheModelsFolder(@TempDir Path models) throws Exception {
    Files.createDirectories(models.resolve("annotators"));
    Files.copy(STAND_IN, models.resolve("annotators").resolve(MlsdDetector.FILE));
    TaskArgs task =
        AnnotatorTestData.task(
            DATA.resolve("mlsd_136x60.png"),
            "{\"method\": \"mlsd\", \"args\": {\"thr_v\": 30, \"thr_d\": 60}}");

    ControlNetInput input =
        ControlNetInput.fromTask(task, new ModelLibrary(models)).orElseThrow().preprocess(OPTIONS);

    assertThat(input.image().rgb()).isEqualTo(png("mlsd_136x60_v30_d60").rgb());
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path models) throws Exception {
    TaskArgs task =
        AnnotatorTestData.task(DATA.resolve("mlsd_80x72.png"), "{\"method\": \"mlsd\"}");

    assertThatThrownBy(() -> ControlNetInput.fromTask(task, new ModelLibrary(models)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("annotators/" + MlsdDetector.FILE)
        .hasMessageContaining("tools/annotators/");
  }

  private static int white(ControlImage image) {
    int count = 0;
    for (int i = 0; i < image.rgb().length; i += 3) {
      count += image.rgb()[i] != 0 ? 1 : 0;
    }
    return count;
  }
}
