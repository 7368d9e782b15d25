package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PngImagesTest {

  @Test
  void convertsPlanarFloatsToRoundedClampedPixels() {
    // one 1x2 image: pixel 0 = (0, 0.5, 1), pixel 1 = (-0.2, 1.3, 0.25)
    float[] nchw = {0f, -0.2f, 0.5f, 1.3f, 1f, 0.25f};

    BufferedImage image = PngImages.toImage(nchw, 0, 1, 2);

    assertThat(image.getRGB(0, 0) & 0xffffff).isEqualTo(0x0080ff);
    assertThat(image.getRGB(1, 0) & 0xffffff).isEqualTo(0x00ff40);
  }

  @Test
  void picksTheRequestedImageOfABatch() {
    float[] nchw = {0f, 0f, 0f, 1f, 1f, 1f};

    assertThat(PngImages.toImage(nchw, 1, 1, 1).getRGB(0, 0) & 0xffffff).isEqualTo(0xffffff);
    assertThatThrownBy(() -> PngImages.toImage(nchw, 2, 1, 1))
        .hasMessageContaining("too few for image 2");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a red fox\nNegative prompt: blurry\nSteps: 25, Seed: 42, Size: 512x512",
        "\u72d0\u72f8 in the snow \ud83e\udd8a, caf\u00e9"
      })
  void writesParametersChunkThatReadsBack(String parameters) throws IOException {
    BufferedImage image = PngImages.toImage(new float[] {0.1f, 0.2f, 0.3f}, 0, 1, 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    PngImages.write(image, parameters, out);

    byte[] png = out.toByteArray();
    assertThat(PngImages.readParameters(new ByteArrayInputStream(png))).contains(parameters);
    assertThat(ImageIO.read(new ByteArrayInputStream(png)).getRGB(0, 0))
        .isEqualTo(image.getRGB(0, 0));
  }
}
