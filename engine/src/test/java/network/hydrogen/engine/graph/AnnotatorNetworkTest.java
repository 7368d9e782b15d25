package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnnotatorNetworkTest {

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                AnnotatorNetwork.open(
                    "the HED annotator",
                    dir.resolve("ControlNetHED.onnx"),
                    new InferenceOptions(1)))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("ControlNetHED.onnx");
  }

  @Test
  void aFileThatIsNoOnnxModelIsRefusedNamingIt(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("ControlNetHED.onnx"), "a PyTorch pickle, not ONNX");

    assertThatThrownBy(
            () -> AnnotatorNetwork.open("the HED annotator", file, new InferenceOptions(1)))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("the HED annotator")
        .hasMessageContaining(file.toString());
  }
}
