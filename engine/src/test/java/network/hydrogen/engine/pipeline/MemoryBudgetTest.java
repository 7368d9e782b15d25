package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import network.hydrogen.engine.graph.MemoryMode;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.StableDiffusionModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryBudgetTest {

  private static final long GIB = 1L << 30;

  @Test
  void autoIsSequentialWhenTheWeightsWithRoomForActivationsExceedWhatIsAvailable() {
    // SDXL's 13 GiB of fp32 weights on a 24 GiB machine with 21 GiB available
    assertThat(MemoryBudget.choose(13 * GIB, OptionalLong.of(21 * GIB)))
        .isEqualTo(MemoryMode.SEQUENTIAL);
    // SD 1.5's 4 GiB there
    assertThat(MemoryBudget.choose(4 * GIB, OptionalLong.of(21 * GIB)))
        .isEqualTo(MemoryMode.RESIDENT);
    // unknown memory: resident, as before
    assertThat(MemoryBudget.choose(13 * GIB, OptionalLong.empty())).isEqualTo(MemoryMode.RESIDENT);
  }

  @Test
  void anExplicitModeIsKept() throws Exception {
    assertThat(MemoryBudget.choose(MemoryMode.RESIDENT, List.of())).isEqualTo(MemoryMode.RESIDENT);
    assertThat(MemoryBudget.choose(MemoryMode.SEQUENTIAL, List.of()))
        .isEqualTo(MemoryMode.SEQUENTIAL);
  }

  @Test
  void theWeightsAreCountedAsFp32FromTheirShapes() throws Exception {
    StableDiffusionModel model =
        ModelFiles.open(Path.of("src/test/resources/engine-reference/sd15/model"));
    long elements = 0;
    for (String name : model.unet().weights().names()) {
      long count = 1;
      for (long dimension : model.unet().weights().shape(name)) {
        count *= dimension;
      }
      elements += count;
    }

    assertThat(MemoryBudget.fp32Bytes(List.of(model.unet().weights()))).isEqualTo(4 * elements);
  }

  @Test
  void availableMemoryIsReadFromMeminfo(@TempDir Path dir) throws Exception {
    Path meminfo =
        Files.writeString(
            dir.resolve("meminfo"),
            "MemTotal:       24567890 kB\nMemFree:         1234567 kB\nMemAvailable:   20000000 kB\n");

    assertThat(MemoryBudget.availableBytes(meminfo)).hasValue(20000000L * 1024);
    assertThat(MemoryBudget.availableBytes(dir.resolve("missing"))).isEmpty();
  }
}
