package network.hydrogen.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong();
  private final RateLimiter limiter = new RateLimiter(6, 2, now::get);

  @Test
  void aBurstThenOneEveryTenSeconds() {
    assertThat(limiter.acquire("a").allowed()).isTrue();
    assertThat(limiter.acquire("a").allowed()).isTrue();
    RateLimiter.Decision refused = limiter.acquire("a");
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(10));

    now.addAndGet(Duration.ofSeconds(4).toNanos());
    assertThat(limiter.acquire("a").retryAfter()).isEqualTo(Duration.ofSeconds(6));
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    assertThat(limiter.acquire("a").allowed()).isTrue();
    assertThat(limiter.acquire("a").allowed()).isFalse();
  }

  @Test
  void eachKeyHasItsOwnBucketAndItNeverHoldsMoreThanTheBurst() {
    limiter.acquire("a");
    limiter.acquire("a");
    assertThat(limiter.acquire("b").allowed()).isTrue();
    now.addAndGet(Duration.ofHours(1).toNanos());
    assertThat(limiter.acquire("a").allowed()).isTrue();
    assertThat(limiter.acquire("a").allowed()).isTrue();
    assertThat(limiter.acquire("a").allowed()).isFalse();
  }
}
