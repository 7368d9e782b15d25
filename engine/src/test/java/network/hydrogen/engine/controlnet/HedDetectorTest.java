package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HedDetectorTest {

  /** controlnet_aux's HEDdetector with the stand-in network, per processor.py's parameters. */
  @ParameterizedTest
  @CsvSource({
    "softedge_hed, false, false, 1",
    "scribble_hed, true, false, 0",
    "softedge_hedsafe, false, true, 0",
    "scribble_hedsafe, true, true, 0"
  })
  void mapsMatchControlnetAux(String method, boolean scribble, boolean safe, int offByOne)
      throws IOException {
    EdgeReference.assertMapMatches(
        new HedDetector(EdgeReference.DATA.resolve(HedDetector.FILE), scribble, safe),
        method,
        offByOne);
  }

  @Test
  void theNetworkGivesWhatTorchGives() throws IOException {
    EdgeReference.assertNetworkGivesTorchOutputs(
        HedDetector.FILE,
        AnnotatorTensors.planar(EdgeReference.tile(), false, 1f, 0f),
        "raw_hed.f32",
        "p1",
        "p2",
        "p3",
        "p4",
        "p5");
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path models) {
    EdgeReference.assertMissingFileIsNamed(
        new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.SCRIBBLE_HEDSAFE),
        HedDetector.FILE,
        models);
  }
}
