package network.hydrogen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen bench devnet}: throughput and per-task overhead of the whole network. */
@Command(
    name = "devnet",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a devnet (see hydrogen devnet) and times tasks through the bridge API: first"
          + " --sequential tasks one at a time, printing each stage's mean time and the overhead"
          + " per task (end-to-end time minus the nodes' inference), then --tasks tasks submitted"
          + " at once, printing the tasks per minute the network completed."
    })
final class DevnetBenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes (default 3).")
  int nodes;

  @Option(
      names = "--sequential",
      defaultValue = "5",
      description = "Tasks run one at a time for the stage times (default 5).")
  int sequential;

  @Option(
      names = "--tasks",
      defaultValue = "20",
      description = "Tasks submitted at once for the throughput (default 20).")
  int tasks;

  @Option(
      names = "--models",
      defaultValue = "models",
      paramLabel = "DIR",
      description = "The local models folder (default ./models; else the demo model).")
  Path models;

  @Option(
      names = "--port-base",
      defaultValue = "18645",
      description = "The devnet's first port (default 18645).")
  int portBase;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Engine threads per node (default 0).")
  int threads;

  @Mixin ContractsDirMixin contracts;

  @Override
  public Integer call() throws Exception {
    if (sequential < 1 || tasks < 1) {
      throw new BadInputException("--sequential and --tasks must be at least 1");
    }
    Path data = Files.createTempDirectory("hydrogen-bench-devnet");
    PrintWriter out = spec.commandLine().getOut();
    try (Devnet devnet =
        Devnet.start(
            new Devnet.Options(
                nodes, models.toAbsolutePath(), data, portBase, contracts.resolve(), threads))) {
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      out.printf("devnet benchmark: %d nodes, model %s%n", nodes, devnet.model());
      Map<String, Long> stageMillis = new TreeMap<>();
      double endToEnd = 0;
      for (int i = 0; i < sequential; i++) {
        long start = System.nanoTime();
        JsonNode done = succeeded(api, api.submit(devnet.smokeTask()));
        endToEnd += (System.nanoTime() - start) / 1e9;
        done.path("timings_ms")
            .fields()
            .forEachRemaining(e -> stageMillis.merge(e.getKey(), e.getValue().asLong(), Long::sum));
      }
      Map<String, Double> steps = devnet.meanStepSeconds();
      double inference = steps.getOrDefault("inference", 0.0);
      out.printf(Locale.ROOT, "%d tasks one at a time:%n", sequential);
      out.printf(Locale.ROOT, "  end to end (mean)            %8.3f s%n", endToEnd / sequential);
      out.printf(Locale.ROOT, "  inference (mean per node)    %8.3f s%n", inference);
      out.printf(
          Locale.ROOT,
          "  overhead per task            %8.3f s  (end to end minus inference)%n",
          endToEnd / sequential - inference);
      out.println("  bridge stages (mean ms):");
      stageMillis.forEach(
          (stage, total) ->
              out.printf(Locale.ROOT, "    %-12s %8.1f%n", stage, (double) total / sequential));
      out.println("  node steps (mean s):");
      steps.forEach((step, took) -> out.printf(Locale.ROOT, "    %-12s %8.3f%n", step, took));
      out.flush();

      long start = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        ids.add(api.submit(devnet.smokeTask()));
      }
      for (String id : ids) {
        succeeded(api, id);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      out.printf(
          Locale.ROOT,
          "%d tasks at once: all done in %.1f s: %.1f tasks per minute%n",
          tasks,
          seconds,
          tasks * 60 / seconds);
    } finally {
      FileTrees.delete(data);
    }
    return 0;
  }

  private JsonNode succeeded(BridgeApi api, String id) throws Exception {
    JsonNode status = api.await(id, Duration.ofMinutes(10));
    if (!status.path("status").asText().equals("succeeded")) {
      throw new IllegalStateException(
          "task " + id + " ended " + status.path("status").asText() + ": " + status.get("reason"));
    }
    return status;
  }
}
