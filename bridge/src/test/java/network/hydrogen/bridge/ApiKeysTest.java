package network.hydrogen.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  @Test
  void parsesNamedKeys() {
    assertThat(ApiKeys.parse(" shop:0123456789abcdef , bot:fedcba9876543210 "))
        .containsExactly(
            Map.entry("shop", "0123456789abcdef"), Map.entry("bot", "fedcba9876543210"));
    assertThat(ApiKeys.parse("  ")).isEmpty();
  }

  @Test
  void badEntriesAreNamedByPositionNotByKey() {
    assertThatThrownBy(() -> ApiKeys.parse("shop:0123456789abcdef,secretwithoutname"))
        .hasMessage("api-keys entry 2 is not name:key (name of letters, digits, - and _)");
    assertThatThrownBy(() -> ApiKeys.parse("a:0123456789abcdef,a:0123456789abcdeg"))
        .hasMessage("api key name a appears twice");
  }

  @Test
  void authenticatesBearerKeysToTheirNames() {
    ApiKeys keys = new ApiKeys(Map.of("shop", "0123456789abcdef"), "web-key-0123456789");
    assertThat(keys.authenticate("Bearer 0123456789abcdef")).hasValue("shop");
    assertThat(keys.authenticate("bearer web-key-0123456789")).hasValue("web");
    assertThat(keys.authenticate("Bearer 0123456789abcdeX")).isEmpty();
    assertThat(keys.authenticate("Basic 0123456789abcdef")).isEmpty();
    assertThat(keys.authenticate(null)).isEmpty();
  }
}
