package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.StableDiffusionModel;
import org.junit.jupiter.api.Test;

class OnnxNetworkOnDemandTest {

  private static final StableDiffusionModel MODEL =
      open(Path.of("src/test/resources/engine-reference/sd15/model"));

  private static StableDiffusionModel open(Path path) {
    try {
      return ModelFiles.open(path);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static OnnxNetwork textEncoder(MemoryMode memory) throws Exception {
    return OnnxNetwork.open(
        "text encoder",
        ClipTextGraph.build(MODEL.textEncoder().config()),
        MODEL.textEncoder().weights(),
        new InferenceOptions(1).withMemory(memory));
  }

  @Test
  void aSequentialNetworkOpensAtItsFirstUseAndUnloadClosesItUntilTheNext() throws Exception {
    try (OnnxNetwork network = textEncoder(MemoryMode.SEQUENTIAL)) {
      assertThat(network.isOpen()).isFalse();

      assertThat(network.inputNames()).isNotEmpty();
      assertThat(network.isOpen()).isTrue();

      network.unload();
      assertThat(network.isOpen()).isFalse();
      assertThat(network.outputNames()).isNotEmpty();
      assertThat(network.isOpen()).isTrue();
    }
  }

  @Test
  void aResidentNetworkIsOpenFromTheStartAndStaysOpen() throws Exception {
    for (MemoryMode memory : new MemoryMode[] {MemoryMode.RESIDENT, MemoryMode.AUTO}) {
      try (OnnxNetwork network = textEncoder(memory)) {
        assertThat(network.isOpen()).isTrue();
        network.unload();
        assertThat(network.isOpen()).isTrue();
        network.close();
        assertThat(network.isOpen()).isFalse();
      }
    }
  }
}
