package network.hydrogen.relay;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Request counters by route and status, in the Prometheus text exposition format. */
final class RelayMetrics {
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

  void count(String route, int status) {
    String key =
        "route=\""
            + (route == null || route.isEmpty() ? "unmatched" : route)
            + "\",status=\""
            + status
            + "\"";
    requests.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  String text() {
    StringBuilder b = new StringBuilder();
    b.append("# HELP hydrogen_relay_requests_total HTTP requests by route and status.\n");
    b.append("# TYPE hydrogen_relay_requests_total counter\n");
    requests.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                b.append("hydrogen_relay_requests_total{")
                    .append(e.getKey())
                    .append("} ")
                    .append(e.getValue().sum())
                    .append('\n'));
    return b.toString();
  }
}
