package network.hydrogen.engine.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Against what PyTorch drew (tools/make_torch_randn_reference.py wrote torch-randn.json). */
class TorchRandomTest {

  static Stream<JsonNode> torchCases() throws IOException {
    try (InputStream in = TorchRandomTest.class.getResourceAsStream("/torch-randn.json")) {
      JsonNode cases = new ObjectMapper().readTree(in).get("cases");
      return Stream.iterate(0, i -> i < cases.size(), i -> i + 1).map(cases::get);
    }
  }

  @ParameterizedTest
  @MethodSource("torchCases")
  void drawsWhatTorchDrawsForTheSameSeed(JsonNode expected) {
    TorchRandom random = new TorchRandom(expected.get("seed").asLong());
    int count = expected.get("count").asInt();

    assertClose(random.randn(count), expected.get("first"));
    assertClose(random.randn(count), expected.get("second"));
  }

  private static void assertClose(float[] actual, JsonNode expected) {
    assertThat(actual).hasSize(expected.size());
    for (int i = 0; i < actual.length; i++) {
      float reference = (float) expected.get(i).asDouble();
      assertThat(actual[i])
          .as("value %d", i)
          .isCloseTo(reference, within(2e-6f * Math.max(1, Math.abs(reference))));
    }
  }

  @Test
  void mersenneTwisterMatchesTheReferenceSequence() {
    // std::mt19937 default-seeded (5489): its first outputs are the standard test vector.
    TorchRandom random = new TorchRandom(5489);

    assertThat(Integer.toUnsignedLong(random.nextInt())).isEqualTo(3499211612L);
    assertThat(Integer.toUnsignedLong(random.nextInt())).isEqualTo(581869302L);
    assertThat(Integer.toUnsignedLong(random.nextInt())).isEqualTo(3890346734L);
  }

  @Test
  void sameSeedSameNumbersOtherSeedOtherNumbers() {
    assertThat(new TorchRandom(42).randn(64)).containsExactly(new TorchRandom(42).randn(64));
    assertThat(new TorchRandom(43).randn(64)).isNotEqualTo(new TorchRandom(42).randn(64));
  }
}
