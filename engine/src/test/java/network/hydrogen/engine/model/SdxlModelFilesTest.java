package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading the tiny SDXL base reference: its diffusers folder (two text encoders and tokenizers) and
 * its SGM single file (CLIP-L by Hugging Face names, OpenCLIP with fused q/k/v and a transposed
 * text projection) give the same tensors.
 */
class SdxlModelFilesTest {

  static final Path SDXL = Path.of("src/test/resources/engine-reference/sdxl");
  static final Path FOLDER = SDXL.resolve("model");
  static final Path SINGLE_FILE = SDXL.resolve("model.safetensors");

  @TempDir Path dir;

  @Test
  void folderHasBothTextEncodersAndTokenizers() throws IOException {
    StableDiffusionModel model = ModelFiles.open(FOLDER);

    assertThat(model.family()).isEqualTo(ModelFamily.SDXL);
    assertThat(model.isSdxl()).isTrue();
    assertThat(model.forceZerosForEmptyPrompt()).isTrue();
    assertThat(model.textEncoder().config().hiddenSize()).isEqualTo(16);
    assertThat(model.textEncoder2().config().hiddenSize()).isEqualTo(48);
    assertThat(model.textEncoder2().config().withProjection()).isTrue();
    assertThat(model.textEncoder2().weights().names()).contains("text_projection.weight");
    assertThat(model.tokenizer()).isEqualTo(FOLDER.resolve("tokenizer"));
    assertThat(model.tokenizer2()).isEqualTo(FOLDER.resolve("tokenizer_2"));
    assertThat(model.unet().config().additionEmbedType()).isEqualTo("text_time");
  }

  @Test
  void sdOneModelsHaveNoSecondEncoder() throws IOException {
    StableDiffusionModel model = ModelFiles.open(ModelFilesTest.FOLDER);

    assertThat(model.isSdxl()).isFalse();
    assertThat(model.textEncoder2()).isNull();
    assertThat(model.tokenizer2()).isNull();
  }

  @Test
  void singleFileHoldsTheFolderTensorsIncludingTheTransposedProjection() throws IOException {
    StableDiffusionModel folder = ModelFiles.open(FOLDER);
    StableDiffusionModel single = ModelFiles.open(SINGLE_FILE, FOLDER);

    assertThat(single.family()).isEqualTo(ModelFamily.SDXL);
    assertThat(single.tokenizer2()).isEqualTo(FOLDER.resolve("tokenizer_2"));
    int compared =
        WeightsAssert.sameTensors(folder.textEncoder().weights(), single.textEncoder().weights())
            + WeightsAssert.sameTensors(
                folder.textEncoder2().weights(), single.textEncoder2().weights())
            + WeightsAssert.sameTensors(folder.unet().weights(), single.unet().weights())
            + WeightsAssert.sameTensors(folder.vae().weights(), single.vae().weights());
    assertThat(compared)
        .isEqualTo(
            folder.textEncoder().weights().names().size()
                + folder.textEncoder2().weights().names().size()
                + folder.unet().weights().names().size()
                + folder.vae().weights().names().size());
    Tensor projection = single.textEncoder2().weights().tensor("text_projection.weight");
    assertThat(projection.shape()).containsExactly(48, 48);
  }

  @Test
  void singleFileAloneIsCheckedAgainstTheStandardSdxlConfigs() {
    assertThatThrownBy(() -> ModelFiles.open(SINGLE_FILE))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(SINGLE_FILE.toString())
        .hasMessageContaining(
            "conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight"
                + " has shape [49408, 16] but the config requires [49408, 768]");
  }

  @Test
  void singleFileAndConfigsOfAnotherFamilyAreRefused() {
    assertThatThrownBy(() -> ModelFiles.open(SINGLE_FILE, ModelFilesTest.FOLDER))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(SINGLE_FILE.toString())
        .hasMessageContaining("is an SDXL checkpoint, but its configs")
        .hasMessageContaining("describe no SDXL model");
    assertThatThrownBy(() -> ModelFiles.open(ModelFilesTest.SINGLE_FILE, FOLDER))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("is a SD1 checkpoint, but its configs")
        .hasMessageContaining("describe an SDXL model");
  }

  @Test
  void incompleteFoldersAreRefusedNamingWhatIsMissing() throws IOException {
    Path folder = copy(FOLDER);
    Files.delete(folder.resolve("tokenizer_2/merges.txt"));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(folder.resolve("tokenizer_2/merges.txt") + " is missing");

    deleteTree(folder.resolve("text_encoder_2"));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(folder.resolve("text_encoder_2/config.json") + " is missing");
  }

  private Path copy(Path from) throws IOException {
    Path target = dir.resolve("copy");
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
        Path copy = target.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(source, copy);
        }
      }
    }
    return target;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
