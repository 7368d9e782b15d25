package network.hydrogen.bridge;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per key: {@code burst} requests at once, refilled at {@code perMinute} a minute. A
 * refused request learns how long until the next token.
 */
final class RateLimiter {
  /** The outcome of one request: allowed, or refused with the wait until a token is there. */
  record Decision(boolean allowed, Duration retryAfter) {}

  private record Bucket(double tokens, long atNanos) {}

  private final double capacity;
  private final double perNano;
  private final LongSupplier clock;
  private final Map<String, Bucket> buckets = new HashMap<>();

  RateLimiter(int perMinute, int burst, LongSupplier nanoClock) {
    this.capacity = burst;
    this.perNano = perMinute / 60e9;
    this.clock = nanoClock;
  }

  synchronized Decision acquire(String key) {
    long now = clock.getAsLong();
    Bucket b = buckets.getOrDefault(key, new Bucket(capacity, now));
    double tokens = Math.min(capacity, b.tokens() + (now - b.atNanos()) * perNano);
    if (tokens >= 1) {
      buckets.put(key, new Bucket(tokens - 1, now));
      return new Decision(true, Duration.ZERO);
    }
    buckets.put(key, new Bucket(tokens, now));
    return new Decision(false, Duration.ofNanos((long) Math.ceil((1 - tokens) / perNano)));
  }
}
