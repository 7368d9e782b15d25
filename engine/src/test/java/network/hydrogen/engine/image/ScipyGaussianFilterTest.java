package network.hydrogen.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScipyGaussianFilterTest {

  /** scipy.ndimage.gaussian_filter(sigma=3) of a 9x14 image, from tools/annotators/pose.py. */
  @Test
  void filtersAsScipyDoes() throws IOException {
    JsonNode reference =
        new ObjectMapper()
            .readTree(Path.of("src/test/resources/annotators/pose/gaussian_filter.json").toFile());
    JsonNode input = reference.get("input");
    int height = input.size();
    int width = input.get(0).size();
    double[] image = new double[height * width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image[y * width + x] = input.get(y).get(x).asDouble();
      }
    }

    double[] filtered =
        ScipyGaussianFilter.filter(image, height, width, reference.get("sigma").asDouble());

    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        assertThat(filtered[y * width + x])
            .as("(%d, %d)", x, y)
            .isCloseTo(reference.get("output").get(y).get(x).asDouble(), within(1e-13));
      }
    }
  }

  @Test
  void keepsAConstantImageAndRejectsBadSizes() {
    double[] constant = new double[5 * 4];
    java.util.Arrays.fill(constant, 0.25);

    double[] filtered = ScipyGaussianFilter.filter(constant, 5, 4, 3);

    for (double value : filtered) {
      assertThat(value).isCloseTo(0.25, within(1e-15));
    }
    assertThatThrownBy(() -> ScipyGaussianFilter.filter(constant, 5, 5, 3))
        .hasMessageContaining("5x5");
    assertThatThrownBy(() -> ScipyGaussianFilter.filter(constant, 5, 4, 0))
        .hasMessageContaining("sigma");
  }
}
