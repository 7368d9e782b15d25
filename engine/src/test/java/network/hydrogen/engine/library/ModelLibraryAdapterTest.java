package network.hydrogen.engine.library;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link ModelLibrary#adapterFile} picks the weights file of a LoRA or an embedding. */
class ModelLibraryAdapterTest {

  @TempDir Path root;

  @Test
  void aFileIsItselfAndAUrlIsFoundByItsLastSegment() throws IOException {
    Path file = touch("loras/tiny.safetensors");
    Path download = touch("34562.safetensors");
    ModelLibrary library = new ModelLibrary(root);

    assertThat(library.adapterFile(ModelKind.LORA, "loras/tiny", "")).isEqualTo(file);
    assertThat(
            library.adapterFile(
                ModelKind.LORA, "https://civitai.com/api/download/models/34562", ""))
        .isEqualTo(download);
  }

  @Test
  void aRepoFolderGivesTheNamedThenThePreferredThenItsOnlyFile() throws IOException {
    Path named = touch("org/repo/b.safetensors");
    touch("org/repo/a.safetensors");
    Path preferred = touch("org/repo/pytorch_lora_weights.safetensors");
    Path only = touch("org/single/only.safetensors");
    ModelLibrary library = new ModelLibrary(root);

    assertThat(library.adapterFile(ModelKind.LORA, "org/repo", "b.safetensors")).isEqualTo(named);
    assertThat(library.adapterFile(ModelKind.LORA, "org/repo", "")).isEqualTo(preferred);
    assertThat(library.adapterFile(ModelKind.LORA, "org/single", "")).isEqualTo(only);
  }

  @Test
  void missingAmbiguousOrEscapingFilesAreNamed() throws IOException {
    touch("org/repo/a.safetensors");
    touch("org/repo/b.safetensors");
    touch("secret.safetensors");
    ModelLibrary library = new ModelLibrary(root);

    assertThatThrownBy(() -> library.adapterFile(ModelKind.LORA, "org/none", ""))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("LoRA org/none is not in the models folder");
    assertThatThrownBy(() -> library.adapterFile(ModelKind.LORA, "org/repo", ""))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("has 2 .safetensors files");
    assertThatThrownBy(
            () -> library.adapterFile(ModelKind.LORA, "org/repo", "../../secret.safetensors"))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("has no file ../../secret.safetensors");
  }

  private Path touch(String name) throws IOException {
    Path file = root.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, "x");
  }
}
