package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;

class NormalBaeDetectorTest {

  @Test
  void normalsMatchControlnetAuxWithTheStandInNetwork() throws IOException {
    ControlImage normals =
        new NormalBaeDetector(DepthReference.DIR.resolve("normal_bae.onnx"))
            .apply(DepthReference.input(), new InferenceOptions(1));

    assertThat(normals.width()).isEqualTo(80);
    assertThat(normals.rgb()).isEqualTo(DepthReference.png("normal_bae.png").rgb());
  }
}
