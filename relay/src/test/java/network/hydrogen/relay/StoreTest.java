package network.hydrogen.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @TempDir Path dir;

  @Test
  void argsAreWrittenOnceAndSurviveReopening() throws Exception {
    try (Store store = Store.open(dir)) {
      Path temp = store.newTemp();
      Files.writeString(temp, "{\"a\":1}");
      store.putArgs("7", "0xabc", temp);
      assertThat(Files.exists(temp)).isFalse();
      Path again = store.newTemp();
      Files.writeString(again, "{\"a\":2}");
      assertThatThrownBy(() -> store.putArgs("7", "0xabc", again))
          .isInstanceOf(RelayException.class)
          .hasMessageContaining("uploaded already");
      assertThat(Files.exists(again)).isFalse();
    }
    try (Store store = Store.open(dir)) {
      assertThat(store.hasArgs("7")).isTrue();
      assertThat(Files.readString(store.argsFile("7"))).isEqualTo("{\"a\":1}");
    }
  }

  @Test
  void retentionDeletesOldFilesAndForgetsOldSignatures() throws Exception {
    try (Store store = Store.open(dir)) {
      Path temp = store.newTemp();
      Files.writeString(temp, "{}");
      store.putArgs("1", "0xabc", temp);
      Path images = store.newTemp();
      Files.createDirectories(images);
      Files.write(images.resolve("0.png"), new byte[] {1, 2, 3});
      store.putResults("1", "0xdef", images, 1);
      Instant now = Instant.now();
      assertThat(store.useSignature("0xsig", now.minusSeconds(300))).isTrue();
      assertThat(store.useSignature("0xSIG", now)).isFalse();

      assertThat(store.expire(now.minusSeconds(60), now.minusSeconds(120))).isZero();
      assertThat(store.hasArgs("1")).isTrue();
      assertThat(store.useSignature("0xsig", now)).isTrue();

      assertThat(store.expire(now.plusSeconds(2), now)).isEqualTo(2);
      assertThat(store.hasArgs("1")).isFalse();
      assertThat(Files.exists(store.argsFile("1"))).isFalse();
      assertThat(store.resultCount("1")).isEmpty();
      assertThat(Files.exists(store.resultFile("1", 0))).isFalse();
    }
  }
}
