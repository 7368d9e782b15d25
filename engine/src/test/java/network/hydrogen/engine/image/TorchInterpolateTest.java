package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Against torch's F.interpolate, from tools/annotators/depth.py reference (2 planes of 13x17). */
class TorchInterpolateTest {

  private static final Path DATA = Path.of("src/test/resources/annotators/depth");

  @Test
  void bilinearWithAlignedCornersFollowsTorch() throws IOException {
    float[] out =
        TorchInterpolate.bilinearAlignCorners(floats("interpolate_input.bin"), 2, 13, 17, 40, 29);

    assertThat(out).containsExactly(floats("interpolate_bilinear_40x29.bin"), within(1e-5f));
  }

  @Test
  void bicubicFollowsTorchUpAndDown() throws IOException {
    float[] input = floats("interpolate_input.bin");

    assertThat(TorchInterpolate.bicubic(input, 2, 13, 17, 40, 29))
        .containsExactly(floats("interpolate_bicubic_40x29.bin"), within(2e-5f));
    assertThat(TorchInterpolate.bicubic(input, 2, 13, 17, 7, 5))
        .containsExactly(floats("interpolate_bicubic_7x5.bin"), within(2e-5f));
  }

  private static float[] floats(String name) throws IOException {
    ByteBuffer bytes =
        ByteBuffer.wrap(Files.readAllBytes(DATA.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(values);
    return values;
  }
}
