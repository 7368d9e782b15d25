package network.hydrogen.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalChainExtension.class)
class ChainClockTest {
  @Test
  void theLatestBlockTimeIsTheChainsClock(LocalChain c) {
    Instant before = c.chain.latestBlockTime();
    assertThat(before).isAfter(Instant.now().minus(Duration.ofHours(1)));
    c.chain.increaseTime(Duration.ofHours(2));
    assertThat(c.chain.latestBlockTime()).isAfterOrEqualTo(before.plus(Duration.ofHours(2)));
  }
}
