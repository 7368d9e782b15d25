package network.hydrogen.engine.controlnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.OptionalInt;
import network.hydrogen.engine.graph.InferenceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContentShuffleTest {

  private static final InferenceOptions OPTIONS = new InferenceOptions(1);

  private static ControlImage input() throws IOException {
    return AnnotatorTestData.png(CannyDetectorTest.GOLDEN.resolve("input.png"));
  }

  /**
   * Against controlnet_aux's steps after {@code np.random.seed(seed)} (tools/controlnet/
   * make_shuffle_reference.py): the same random fields; OpenCV's remap quantises positions to 1/32
   * pixel, so values differ by a few levels at most.
   */
  @ParameterizedTest
  @CsvSource({"42, 16", "7, 256"})
  void followsTheAnnotatorSeededAsNumpy(long seed, int cell) throws IOException {
    ControlImage expected =
        AnnotatorTestData.png(
            ControlImageTest.DATA.resolve("shuffle_seed" + seed + "_f" + cell + ".png"));

    ControlImage shuffled =
        Preprocessor.shuffle(OptionalInt.empty(), OptionalInt.empty(), OptionalInt.of(cell), seed)
            .apply(input(), OPTIONS);

    int worst = 0;
    double total = 0;
    for (int i = 0; i < expected.rgb().length; i++) {
      int difference = Math.abs((shuffled.rgb()[i] & 0xff) - (expected.rgb()[i] & 0xff));
      worst = Math.max(worst, difference);
      total += difference;
    }
    System.out.printf(
        "shuffle seed %d f %d: max %d mean %.3f%n",
        seed, cell, worst, total / expected.rgb().length);
    assertThat(worst).isLessThanOrEqualTo(1);
    assertThat(total / expected.rgb().length).isLessThan(0.05);
  }

  @Test
  void isDeterministicPerSeedAndTakesTheOutputSize() throws IOException {
    Preprocessor seeded =
        Preprocessor.shuffle(OptionalInt.of(48), OptionalInt.of(80), OptionalInt.of(32), 3);

    ControlImage first = seeded.apply(input(), OPTIONS);
    ControlImage again = seeded.apply(input(), OPTIONS);
    ControlImage other =
        Preprocessor.shuffle(OptionalInt.of(48), OptionalInt.of(80), OptionalInt.of(32), 4)
            .apply(input(), OPTIONS);

    assertThat(first.width()).isEqualTo(80);
    assertThat(first.height()).isEqualTo(48);
    assertThat(again.rgb()).isEqualTo(first.rgb());
    assertThat(CannyDetectorTest.differing(first.rgb(), other.rgb())).isGreaterThan(1000);
  }
}
