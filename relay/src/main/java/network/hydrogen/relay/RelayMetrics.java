package network.hydrogen.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * The relay's Micrometer meters, scraped in the Prometheus text format: requests by route and
 * status (a counter and a timer), the JVM's memory, and what the relay stored.
 */
final class RelayMetrics {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter argsStored =
      Counter.builder("hydrogen.relay.args.stored")
          .description("Task args stored.")
          .register(registry);
  private final Counter resultsStored =
      Counter.builder("hydrogen.relay.results.stored")
          .description("Result images stored.")
          .register(registry);
  private final Counter bytesWritten =
      Counter.builder("hydrogen.relay.written")
          .baseUnit("bytes")
          .description("Bytes of args and images stored.")
          .register(registry);

  RelayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
  }

  void request(String route, int status, long nanos) {
    String r = route == null || route.isEmpty() ? "unmatched" : route;
    String s = Integer.toString(status);
    Counter.builder("hydrogen.relay.requests")
        .description("HTTP requests by route and status.")
        .tags("route", r, "status", s)
        .register(registry)
        .increment();
    Timer.builder("hydrogen.relay.request.duration")
        .description("HTTP request handling time by route and status.")
        .tags("route", r, "status", s)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  void argsStored(long bytes) {
    argsStored.increment();
    bytesWritten.increment(bytes);
  }

  void resultsStored(int images, long bytes) {
    resultsStored.increment(images);
    bytesWritten.increment(bytes);
  }

  String scrape() {
    return registry.scrape();
  }
}
