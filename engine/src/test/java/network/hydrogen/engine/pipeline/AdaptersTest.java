package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's {@code lora} and {@code textual_inversion} as load-time {@link Adapters}. */
class AdaptersTest {

  static final Path REFERENCE = Path.of("src/test/resources/engine-reference");

  @TempDir Path models;

  @Test
  void theTaskLoraAndEmbeddingAreFoundAndScaled() throws Exception {
    Files.copy(
        REFERENCE.resolve("sd15-lora/lora/tiny_locon_kohya.safetensors"),
        models.resolve("34562.safetensors"));
    Files.createDirectories(models.resolve("sd-concepts-library/snowy"));
    Files.copy(
        REFERENCE.resolve("sd15-ti/embeddings/learned_embeds.safetensors"),
        models.resolve("sd-concepts-library/snowy/learned_embeds.safetensors"));
    TaskArgs task =
        task(
            ", \"lora\": {\"model\": \"https://civitai.com/api/download/models/34562\","
                + " \"weight\": 80}, \"textual_inversion\": \"sd-concepts-library/snowy\"");

    Adapters adapters = Adapters.fromTask(task, new ModelLibrary(models));

    assertThat(adapters.loras())
        .singleElement()
        .satisfies(
            lora -> {
              assertThat(lora.scale()).isEqualTo(0.8);
              assertThat(lora.file().path().getFileName().toString())
                  .isEqualTo("34562.safetensors");
            });
    assertThat(adapters.embeddings())
        .singleElement()
        .satisfies(
            embedding -> {
              assertThat(embedding.token()).isEqualTo("<snowy>");
              assertThat(embedding.count()).isEqualTo(1);
            });
    assertThat(GenerationRequest.fromTask(task).prompt()).isEqualTo("p");
  }

  @Test
  void aTaskWithoutAdaptersHasNoneAndAMissingLoraIsNamed() throws Exception {
    assertThat(Adapters.fromTask(task(""), new ModelLibrary(models))).isEqualTo(Adapters.NONE);
    TaskArgs task = task(", \"lora\": {\"model\": \"org/missing-lora\"}");

    assertThatThrownBy(() -> Adapters.fromTask(task, new ModelLibrary(models)))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("LoRA org/missing-lora is not in the models folder");
  }

  private static TaskArgs task(String extra) throws Exception {
    String json = "{\"base_model\": \"m\", \"prompt\": \"p\", \"task_config\": {}" + extra + "}";
    return Tasks.parse(json.getBytes(StandardCharsets.UTF_8)).args();
  }
}
