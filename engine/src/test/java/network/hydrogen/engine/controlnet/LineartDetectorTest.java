package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineartDetectorTest {

  /**
   * controlnet_aux's LineartDetector with the stand-in generators; the map is {@code line * 255}
   * truncated: ONNX Runtime moves 8 and 3 of the 9792 pixels by one level (as in Python).
   */
  @ParameterizedTest
  @CsvSource({"lineart_realistic, sk_model.onnx, 8", "lineart_coarse, sk_model2.onnx, 3"})
  void mapsMatchControlnetAux(String method, String file, int offByOne) throws IOException {
    EdgeReference.assertMapMatches(
        new LineartDetector(EdgeReference.DATA.resolve(file)), method, offByOne);
  }

  @Test
  void theNetworkGivesWhatTorchGives() throws IOException {
    EdgeReference.assertNetworkGivesTorchOutputs(
        LineartDetector.REALISTIC,
        AnnotatorTensors.planar(EdgeReference.tile(), false, 255f, 0f),
        "raw_sk_model.f32",
        "line");
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path models) {
    EdgeReference.assertMissingFileIsNamed(
        new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.LINEART_COARSE),
        LineartDetector.COARSE,
        models);
  }
}
