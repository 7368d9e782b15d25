package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlNetInputTest {

  static final Path REFERENCE = Path.of("src/test/resources/engine-reference/sd15-controlnet");

  private static TaskArgs task(String controlnet) throws Exception {
    String url =
        "data:image/png;base64,"
            + Base64.getEncoder()
                .encodeToString(Files.readAllBytes(REFERENCE.resolve("golden/input.png")));
    String json =
        "{\"base_model\": \"m\", \"prompt\": \"p\", \"task_config\": {\"seed\": 5},"
            + " \"controlnet\": {\"model\": \"c\", \"image_dataurl\": \""
            + url
            + "\""
            + controlnet
            + "}}";
    return Tasks.parse(json.getBytes(StandardCharsets.UTF_8)).args();
  }

  /** The task's control input, preprocessed, with annotators looked for in {@code models}. */
  private static ControlNetInput input(TaskArgs task, Path models) throws IOException {
    return ControlNetInput.fromTask(task, new ModelLibrary(models))
        .orElseThrow()
        .preprocess(new InferenceOptions(1));
  }

  private static ControlImage png(String file) throws IOException {
    return ControlImage.decode(Files.readAllBytes(REFERENCE.resolve(file)));
  }

  @Test
  void cannyTaskGivesTheReferenceEdgeMapAtItsWeight(@TempDir Path models) throws Exception {
    ControlNetInput input =
        input(task(", \"weight\": 70, \"preprocess\": {\"method\": \"canny\"}"), models);

    assertThat(input.scale()).isEqualTo(0.7);
    assertThat(input.image().rgb()).isEqualTo(png("golden/canny.png").rgb());
  }

  @Test
  void withoutPreprocessTheImageIsTheControlImageAndTheWeightDefaultsTo70(@TempDir Path models)
      throws Exception {
    ControlNetInput input = input(task(""), models);

    assertThat(input.scale()).isEqualTo(0.7);
    assertThat(input.image().rgb()).isEqualTo(png("golden/input.png").rgb());
    assertThat(GenerationRequest.fromTask(task("")).seed()).isEqualTo(5);
  }

  @Test
  void shuffleIsSeededWithTheTaskSeed(@TempDir Path models) throws Exception {
    String shuffle = ", \"preprocess\": {\"method\": \"shuffle\", \"args\": {\"f\": 16}}";
    ControlImage first = input(task(shuffle), models).image();
    ControlImage again = input(task(shuffle), models).image();

    assertThat(again.rgb()).isEqualTo(first.rgb());
    assertThat(first.rgb()).isNotEqualTo(png("golden/input.png").rgb());
  }

  @Test
  void aMissingAnnotatorModelIsNamedBeforeAnyInference(@TempDir Path models) {
    assertThatThrownBy(
            () ->
                ControlNetInput.fromTask(
                    task(", \"preprocess\": {\"method\": \"openpose_full\"}"),
                    new ModelLibrary(models)))
        .hasMessageContaining("openpose_full");
  }

  @Test
  void noControlNetNoInput() throws Exception {
    TaskArgs plain =
        Tasks.parse(
                "{\"base_model\": \"m\", \"prompt\": \"p\", \"task_config\": {}}"
                    .getBytes(StandardCharsets.UTF_8))
            .args();

    assertThat(ControlNetInput.fromTask(plain, new ModelLibrary(Path.of("models")))).isEmpty();
  }

  @Test
  void thePipelineRequiresAControlImageExactlyWhenItHasAControlNet() throws IOException {
    StableDiffusionModel model = ModelFiles.open(REFERENCE.resolveSibling("sd15").resolve("model"));
    ControlNetModel controlNet = ControlNetModel.open(REFERENCE.resolve("controlnet"));
    GenerationRequest request =
        new GenerationRequest("p", "", 64, 64, 1, 7, 0, 1, "DPMSolverMultistepScheduler", null);
    ControlNetInput control = new ControlNetInput(png("golden/canny.png"), 0.7);
    GenerationListener quiet = (completed, total) -> {};

    try (TextToImage with =
        TextToImage.load(model, new InferenceOptions(1), Adapters.NONE, controlNet)) {
      assertThat(with.controlNet()).isPresent();
      assertThatThrownBy(() -> with.generate(request, quiet))
          .hasMessageContaining("needs a control image");
      // a control image of another size is resized to the request's
      GeneratedImages resized =
          with.generate(request, new ControlNetInput(control.image().resize(96, 80), 0.7), quiet);
      assertThat(resized.count()).isEqualTo(1);
    }
    try (TextToImage without = TextToImage.load(model, new InferenceOptions(1))) {
      assertThatThrownBy(() -> without.generate(request, control, quiet))
          .hasMessageContaining("has no ControlNet");
    }
    StableDiffusionModel sdxl = ModelFiles.open(REFERENCE.resolveSibling("sdxl").resolve("model"));
    assertThatThrownBy(
            () -> TextToImage.load(sdxl, new InferenceOptions(1), Adapters.NONE, controlNet))
        .isInstanceOf(UnsupportedTaskException.class)
        .hasMessageContaining("does not fit the model")
        .hasMessageContaining("added conditioning");
  }
}
