package network.hydrogen.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine runner keeps a task's networks open for the next task and closes them at the end. */
class EngineRunnerTest {

  static final Path REFERENCE = Path.of("../engine/src/test/resources/engine-reference");

  @TempDir Path dir;

  @Test
  void aSecondTaskOnTheModelWithAnotherLoraReusesTheNetworksItDoesNotPatch() throws Exception {
    Path models = dir.resolve("models");
    Files.createDirectories(models.resolve("runwayml"));
    Files.createSymbolicLink(
        models.resolve("runwayml/stable-diffusion-v1-5"),
        REFERENCE.resolve("sd15/model").toAbsolutePath());
    Files.copy(
        REFERENCE.resolve("sd15-lora/lora/tiny_locon_kohya.safetensors"),
        models.resolve("34562.safetensors"));
    EngineRunner runner = new EngineRunner(new ModelLibrary(models), new InferenceOptions(1));
    try (runner) {
      List<Path> plain = run(runner, "", "plain");
      assertThat(runner.pipelines().opened()).isEqualTo(3);

      List<Path> withLora =
          run(
              runner,
              ", \"lora\": {\"model\": \"https://civitai.com/api/download/models/34562\"}",
              "lora");

      // the LoRA patches the text encoder and the UNet: the VAE decoder stays
      assertThat(runner.pipelines().opened()).isEqualTo(5);
      assertThat(runner.pipelines().reused()).isEqualTo(1);
      assertThat(withLora).hasSize(1);
      assertThat(Files.readAllBytes(withLora.getFirst()))
          .isNotEqualTo(Files.readAllBytes(plain.getFirst()));
    }
    assertThat(runner.pipelines().open()).isZero();
  }

  private List<Path> run(EngineRunner runner, String extra, String name) throws Exception {
    String json =
        "{\"base_model\": \"runwayml/stable-diffusion-v1-5\", \"prompt\": \"a red fox\","
            + " \"task_config\": {\"image_width\": 64, \"image_height\": 64, \"steps\": 2,"
            + " \"num_images\": 1}"
            + extra
            + "}";
    ValidTask task = Tasks.parse(json.getBytes(StandardCharsets.UTF_8));
    Path out = Files.createDirectories(dir.resolve(name));
    return runner.run(task, out, GenerationListener.none());
  }
}
