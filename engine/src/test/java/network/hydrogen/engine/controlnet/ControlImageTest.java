package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import network.hydrogen.engine.graph.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ControlImageTest {

  static final Path DATA = Path.of("src/test/resources/controlnet");

  /** Pillow's outputs from tools/controlnet/make_resize_reference.py. */
  @ParameterizedTest
  @CsvSource({"96, 80", "40, 24", "64, 128"})
  void resizesAsPillowsLanczos(int width, int height) throws IOException {
    ControlImage input = AnnotatorTestData.png(CannyDetectorTest.GOLDEN.resolve("input.png"));
    ControlImage expected =
        AnnotatorTestData.png(DATA.resolve("input_lanczos_" + width + "x" + height + ".png"));

    ControlImage resized = input.resize(width, height);

    assertThat(resized.width()).isEqualTo(width);
    assertThat(resized.height()).isEqualTo(height);
    assertThat(CannyDetectorTest.differing(resized.rgb(), expected.rgb())).isZero();
  }

  @Test
  void tensorIsNchwInUnitRangeRepeatedPerBatchItem() {
    byte[] rgb = {(byte) 255, 0, 51, 0, (byte) 102, 0};
    ControlImage image = new ControlImage(2, 1, rgb);

    FloatTensor rgbTensor = image.toTensor(2, false);
    FloatTensor bgrTensor = image.toTensor(1, true);

    assertThat(rgbTensor.shape()).containsExactly(2, 3, 1, 2);
    assertThat(rgbTensor.values())
        .containsExactly(1f, 0f, 0f, 0.4f, 0.2f, 0f, 1f, 0f, 0f, 0.4f, 0.2f, 0f);
    assertThat(bgrTensor.values()).containsExactly(0.2f, 0f, 0f, 0.4f, 1f, 0f);
  }

  @Test
  void decodesGreyImagesWithoutGammaChange() throws IOException {
    BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(0, 0, 0, 100);
    grey.getRaster().setSample(1, 0, 0, 200);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(grey, "png", png);

    ControlImage image = ControlImage.decode(png.toByteArray());

    assertThat(image.rgb()).containsExactly(100, 100, 100, (byte) 200, (byte) 200, (byte) 200);
  }

  @Test
  void refusesWhatIsNoImage() {
    assertThatThrownBy(() -> ControlImage.decode("hello".getBytes()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("in no format this engine reads");
  }
}
