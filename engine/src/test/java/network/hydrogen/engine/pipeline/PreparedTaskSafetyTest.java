package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelSource;
import network.hydrogen.engine.model.DType;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.SafeTensorsWriter;
import network.hydrogen.engine.model.Tensor;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task's {@code safety_checker} through {@link PreparedTask}: the standalone checker in the
 * library is used, its flags black images out, and without a checker or with the flag off the
 * images are left as generated.
 */
class PreparedTaskSafetyTest {

  static final Path REFERENCE = Path.of("src/test/resources/engine-reference");

  @TempDir Path models;

  @Test
  void aCheckerThatFlagsEverythingBlacksEveryImageOut() throws Exception {
    Files.createDirectories(models.resolve("runwayml"));
    Files.createSymbolicLink(
        models.resolve("runwayml/stable-diffusion-v1-5"),
        REFERENCE.resolve("sd15/model").toAbsolutePath());
    ModelLibrary library = new ModelLibrary(models);

    PreparedTask unchecked = PreparedTask.prepare(task(true), library);
    assertThat(unchecked.safetyChecked()).isFalse();
    GeneratedImages plain = unchecked.run(InferenceOptions.defaults(), GenerationListener.none());
    assertThat(plain.images()).isNotEqualTo(new float[plain.images().length]);

    writeCheckerFlaggingEverything(models.resolve(ModelSource.SAFETY_CHECKER));
    PreparedTask off = PreparedTask.prepare(task(false), library);
    assertThat(off.safetyChecked()).isFalse();

    PreparedTask checked = PreparedTask.prepare(task(true), library);
    assertThat(checked.safetyChecked()).isTrue();
    GeneratedImages black = checked.run(InferenceOptions.defaults(), GenerationListener.none());
    assertThat(black.images()).containsOnly(0f);
    assertThat(black.latents()).isEqualTo(plain.latents());
  }

  /** The reference checker with every concept threshold far below any cosine. */
  private static void writeCheckerFlaggingEverything(Path folder) throws Exception {
    Path source = REFERENCE.resolve("safety-checker/checker");
    Files.createDirectories(folder);
    Files.copy(source.resolve("config.json"), folder.resolve("config.json"));
    Files.copy(
        source.resolve("preprocessor_config.json"), folder.resolve("preprocessor_config.json"));
    SafeTensorsFile weights = SafeTensorsFile.open(source.resolve("model.safetensors"));
    SafeTensorsWriter writer = new SafeTensorsWriter();
    for (String name : weights.names()) {
      Tensor tensor = weights.tensor(name);
      if (name.equals("concept_embeds_weights")) {
        int count = (int) tensor.elementCount();
        ByteBuffer low = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
          low.putFloat(-2f);
        }
        tensor = new Tensor(name, DType.F32, tensor.shape(), low.flip());
      }
      writer.add(tensor);
    }
    writer.write(folder.resolve("model.safetensors"));
  }

  private static TaskArgs task(boolean safetyChecker) throws Exception {
    String json =
        "{\"base_model\": \"runwayml/stable-diffusion-v1-5\", \"prompt\": \"a red fox\","
            + " \"task_config\": {\"num_images\": 2, \"steps\": 2, \"image_width\": 64,"
            + " \"image_height\": 64, \"safety_checker\": "
            + safetyChecker
            + "}}";
    return Tasks.parse(json.getBytes(StandardCharsets.UTF_8)).args();
  }
}
