package network.hydrogen.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The node's metrics (Micrometer, Prometheus format): tasks run and how they ended for this node,
 * the time of each step, and the network overhead of a task: from its TaskCreated event to the
 * mined commitment, less the inference.
 */
final class NodeMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter run = counter("hydrogen.node.tasks.run", "tasks this node finished");
  private final Counter succeeded =
      counter("hydrogen.node.tasks.succeeded", "tasks this node was paid for");
  private final Counter slashed =
      counter("hydrogen.node.tasks.slashed", "tasks this node was slashed or penalised in");
  private final Counter aborted = counter("hydrogen.node.tasks.aborted", "tasks that aborted");
  private final Timer overhead =
      Timer.builder("hydrogen.node.network.overhead")
          .description("time from TaskCreated to the mined commitment, less the inference")
          .publishPercentiles(0.5, 0.99)
          .register(registry);

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  PrometheusMeterRegistry registry() {
    return registry;
  }

  void taskRun() {
    run.increment();
  }

  void succeeded() {
    succeeded.increment();
  }

  void slashed() {
    slashed.increment();
  }

  void aborted() {
    aborted.increment();
  }

  void step(String step, Duration took) {
    Timer.builder("hydrogen.node.step")
        .description("time of one step of a task")
        .tag("step", step)
        .register(registry)
        .record(took);
  }

  void overhead(Duration took) {
    overhead.record(took);
  }

  /** The network overheads recorded: count and mean. */
  Timer overheadTimer() {
    return overhead;
  }
}
