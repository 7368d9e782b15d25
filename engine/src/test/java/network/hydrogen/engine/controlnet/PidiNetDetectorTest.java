package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceException;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PidiNetDetectorTest {

  /**
   * controlnet_aux's PidiNetDetector with the stand-in network (run there with its pixel-difference
   * convolutions, here converted), per processor.py's parameters and apply_filter.
   */
  @ParameterizedTest
  @CsvSource({
    "softedge_pidinet, false, false, false, 1",
    "scribble_pidinet, true, false, false, 0",
    "softedge_pidisafe, false, true, false, 0",
    "scribble_pidisafe, true, true, false, 0",
    "softedge_pidinet_filter, false, false, true, 0",
    "scribble_pidinet_filter, true, false, true, 0",
    "softedge_pidisafe_filter, false, true, true, 0",
    "scribble_pidisafe_filter, true, true, true, 0"
  })
  void mapsMatchControlnetAux(
      String method, boolean scribble, boolean safe, boolean applyFilter, int offByOne)
      throws IOException {
    EdgeReference.assertMapMatches(
        new PidiNetDetector(
            EdgeReference.DATA.resolve(PidiNetDetector.FILE), scribble, safe, applyFilter),
        method,
        offByOne);
  }

  @Test
  void theNetworkGivesWhatTorchGives() throws IOException {
    EdgeReference.assertNetworkGivesTorchOutputs(
        PidiNetDetector.FILE,
        AnnotatorTensors.planar(EdgeReference.tile(), true, 255f, 0f),
        "raw_pidinet.f32",
        "edge");
  }

  @Test
  void aNetworkWithoutTheEdgeOutputIsRefusedNamingTheFile() {
    Path lineart = EdgeReference.DATA.resolve(LineartDetector.REALISTIC);

    assertThatThrownBy(
            () ->
                new PidiNetDetector(lineart, false, false, false)
                    .apply(EdgeReference.input(), EdgeReference.CPU))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining(lineart.toString())
        .hasMessageContaining("no output edge")
        .hasMessageContaining("tools/annotators/edges.py");
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path models) {
    EdgeReference.assertMissingFileIsNamed(
        new TaskArgs.Preprocess.PidiNet(TaskArgs.PreprocessMethod.SOFTEDGE_PIDISAFE, true),
        PidiNetDetector.FILE,
        models);
  }
}
