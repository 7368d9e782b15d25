package network.hydrogen.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import network.hydrogen.node.NodeConfig;
import network.hydrogen.node.NodeDaemon;
import network.hydrogen.node.NodeListener;
import network.hydrogen.node.NodeLogEntry;
import network.hydrogen.node.NodeSnapshot;
import network.hydrogen.node.webui.NodeWebUi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hydrogen node}: runs a node daemon. Headless, it joins on start and, on SIGTERM, quits
 * after the running task, waits until the chain shows it quit and exits 0.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a node: stakes, takes the tasks the chain assigns it, runs them with the engine,"
          + " commits and discloses the results and uploads the images when chosen. Settings come"
          + " from the config file; each has an environment variable HYDROGEN_NODE_<KEY> that"
          + " overrides it (see README.md, Running a node).",
      "Headless, it joins on start and, on SIGTERM (Ctrl-C), quits after the running task and"
          + " exits once the chain shows it quit."
    })
final class NodeCommand implements Callable<Integer> {
  /** How long a headless node waits on SIGTERM for its task to end and its quit to be mined. */
  private static final Duration QUIT_LIMIT = Duration.ofMinutes(30);

  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The node's properties file (optional when the environment sets everything).")
  Path config;

  @Option(
      names = "--headless",
      description = "No WebUI: join on start, quit on SIGTERM after the running task.")
  boolean headless;

  @Override
  public Integer call() throws Exception {
    if (config != null && !Files.isRegularFile(config)) {
      throw new BadInputException("no node config file at " + config);
    }
    NodeConfig settings;
    try {
      settings = NodeConfig.load(config, System.getenv());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    } catch (NoSuchFileException e) {
      throw new BadInputException("no such file: " + e.getFile());
    }
    if (headless) {
      settings = settings.withHeadless(true);
    }
    PrintWriter out = spec.commandLine().getOut();
    NodeDaemon daemon;
    try {
      daemon = NodeDaemon.start(settings);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    out.printf(
        "node %s on %s (data in %s, models in %s)%n",
        daemon.address(), settings.rpcUrl(), settings.dataDir(), settings.modelsDir());
    out.flush();
    daemon.subscribe(
        new NodeListener() {
          @Override
          public void onSnapshot(NodeSnapshot snapshot) {}

          @Override
          public void onLog(NodeLogEntry entry) {
            synchronized (out) {
              out.println(entry.time() + " " + entry.level() + " " + entry.message());
              out.flush();
            }
          }
        });
    return settings.headless() ? runHeadless(daemon, out) : runWithWebUi(daemon, settings, out);
  }

  private int runHeadless(NodeDaemon daemon, PrintWriter out) throws InterruptedException {
    daemon.takeTasks();
    out.println("headless: SIGTERM or Ctrl-C quits after the running task.");
    out.flush();
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    int[] exitCode = {0};
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    done.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  // The JVM was asked to stop by a signal: leave with the node's own exit code.
                  Runtime.getRuntime().halt(exitCode[0]);
                }));
    stop.await();
    out.println("quitting: waiting for the running task to end and the quit to be mined...");
    out.flush();
    boolean quit = daemon.quitAndWait(QUIT_LIMIT);
    daemon.close();
    out.println(quit ? "the node quit; its stake was returned." : "gave up waiting to quit.");
    out.flush();
    exitCode[0] = quit ? 0 : Hydrogen.EXIT_FAILURE;
    done.countDown();
    return exitCode[0];
  }

  /** Runs the daemon with its WebUI until Ctrl-C; the node stays joined. */
  private int runWithWebUi(NodeDaemon daemon, NodeConfig settings, PrintWriter out)
      throws Exception {
    try (daemon;
        AutoCloseable webUi = startWebUi(daemon, settings, out)) {
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
    return 0;
  }

  /**
   * Starts the WebUI on {@code settings.webUiHost()}:{@code webUiPort()}, showing {@code daemon}'s
   * snapshots and metrics.
   */
  private static AutoCloseable startWebUi(NodeDaemon daemon, NodeConfig settings, PrintWriter out) {
    NodeWebUi webUi =
        NodeWebUi.start(
            daemon,
            settings.webUiHost(),
            settings.webUiPort(),
            Optional.of(daemon.meterRegistry()));
    out.printf(
        "node WebUI on http://%s:%d/ (join, pause, resume, quit there). Ctrl-C stops the node.%n",
        settings.webUiHost(), webUi.port());
    out.flush();
    return webUi;
  }
}
