package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LeresPatchesTest {

  private static final int N = 1024 * 1024;

  /** x near its mean: numpy drops the smaller singular value (values from numpy 2.4.6). */
  @Test
  void aNarrowMapGetsNumpysMinimumNormFit() {
    float[] x = new float[N];
    float[] y = new float[N];
    for (int i = 0; i < N; i++) {
      x[i] = (float) (0.6 + 0.01 * Math.sin(i * 0.001));
      y[i] = (float) (0.3 + 0.5 * Math.cos(i * 0.0007));
    }

    double[] line = LeresPatches.linearFit(x, y);

    assertThat(line[0]).isCloseTo(0.24947024, within(1e-6));
    assertThat(line[1]).isCloseTo(0.14969313, within(1e-6));
  }

  /** x spread over 0..1: the ordinary least-squares line (numpy: 1.99992625, 1.0000403). */
  @Test
  void aSpreadMapGetsTheLeastSquaresLine() {
    float[] x = new float[N];
    float[] y = new float[N];
    for (int i = 0; i < N; i++) {
      x[i] = (float) (i % 1000 / 1000.0);
      y[i] = (float) (2 * x[i] + 1 + 0.1 * Math.sin(i * 0.01));
    }

    double[] line = LeresPatches.linearFit(x, y);

    assertThat(line[0]).isCloseTo(1.99992625, within(1e-5));
    assertThat(line[1]).isCloseTo(1.0000403, within(1e-5));
  }
}
