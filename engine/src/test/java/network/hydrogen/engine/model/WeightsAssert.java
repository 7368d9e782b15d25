package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

/** Compares two weight sources tensor by tensor: names, dtypes, shapes and bytes. */
final class WeightsAssert {

  private WeightsAssert() {}

  /** Asserts that {@code actual} has every tensor of {@code expected}, identical; returns count. */
  static int sameTensors(WeightSource expected, WeightSource actual) throws IOException {
    assertThat(actual.names()).containsExactlyInAnyOrderElementsOf(expected.names());
    for (String name : expected.names()) {
      Tensor want = expected.tensor(name);
      Tensor have = actual.tensor(name);
      assertThat(have.name()).isEqualTo(name);
      assertThat(have.dtype()).as(name).isEqualTo(want.dtype());
      assertThat(have.shape()).as(name).containsExactly(want.shape());
      assertThat(actual.shape(name)).as(name).containsExactly(want.shape());
      assertThat(have.data().remaining()).as(name).isEqualTo(want.data().remaining());
      assertThat(have.data().mismatch(want.data())).as(name + " bytes").isEqualTo(-1);
    }
    return expected.names().size();
  }
}
