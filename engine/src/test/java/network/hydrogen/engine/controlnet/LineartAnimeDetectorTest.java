package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.task.TaskArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineartAnimeDetectorTest {

  /**
   * controlnet_aux's LineartAnimeDetector with the stand-in U-Net (the real one at width 1): the
   * 192x128 padded image goes through the network at 256x256 and back.
   */
  @Test
  void mapMatchesControlnetAux() throws IOException {
    EdgeReference.assertMapMatches(
        new LineartAnimeDetector(EdgeReference.DATA.resolve(LineartAnimeDetector.FILE)),
        "lineart_anime",
        1);
  }

  @Test
  void aMissingNetworkIsNamedWhenTheTaskIsPrepared(@TempDir Path models) {
    EdgeReference.assertMissingFileIsNamed(
        new TaskArgs.Preprocess.Plain(TaskArgs.PreprocessMethod.LINEART_ANIME),
        LineartAnimeDetector.FILE,
        models);
  }
}
