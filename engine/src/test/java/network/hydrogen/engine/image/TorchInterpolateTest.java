package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.controlnet.AnnotatorTestData;
import org.junit.jupiter.api.Test;

/** Against torch's F.interpolate, from tools/annotators/depth.py reference (2 planes of 13x17). */
class TorchInterpolateTest {

  private static final Path DATA = Path.of("src/test/resources/annotators/depth");

  @Test
  void bilinearWithAlignedCornersFollowsTorch() throws IOException {
    float[] out =
        TorchInterpolate.bilinearAlignCorners(
            AnnotatorTestData.floats(DATA.resolve("interpolate_input.bin")), 2, 13, 17, 40, 29);

    assertThat(out)
        .containsExactly(
            AnnotatorTestData.floats(DATA.resolve("interpolate_bilinear_40x29.bin")),
            within(1e-5f));
  }

  @Test
  void bicubicFollowsTorchUpAndDown() throws IOException {
    float[] input = AnnotatorTestData.floats(DATA.resolve("interpolate_input.bin"));

    assertThat(TorchInterpolate.bicubic(input, 2, 13, 17, 40, 29))
        .containsExactly(
            AnnotatorTestData.floats(DATA.resolve("interpolate_bicubic_40x29.bin")), within(2e-5f));
    assertThat(TorchInterpolate.bicubic(input, 2, 13, 17, 7, 5))
        .containsExactly(
            AnnotatorTestData.floats(DATA.resolve("interpolate_bicubic_7x5.bin")), within(2e-5f));
  }
}
