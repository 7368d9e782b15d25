package network.hydrogen.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen devnet}: the whole network on this machine, in one command. */
@Command(
    name = "devnet",
    mixinStandardHelpOptions = true,
    description = {
      "Starts the whole network on this machine: a local chain with the contracts deployed and"
          + " accounts funded, a relay, N nodes (each with its own wallet, stake and WebUI) and the"
          + " bridge with the image generator page; prints their URLs and runs until Ctrl-C.",
      "The nodes run runwayml/stable-diffusion-v1-5 from the models folder when it is there;"
          + " otherwise a generated tiny demo model (hydrogen/tiny-demo: its images are noise, but"
          + " every part of the network runs for real).",
      "--smoke runs one task through the whole network instead, prints the time of every stage"
          + " and exits 0 when its images came back."
    })
final class DevnetCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--nodes",
      defaultValue = "3",
      description = "How many nodes (3 to 20, default 3).")
  int nodes;

  @Option(
      names = "--models",
      defaultValue = "models",
      paramLabel = "DIR",
      description = "The local models folder (default ./models).")
  Path models;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Where the parts keep their state, kept across restarts (default: a temporary folder"
              + " removed on exit).")
  Path data;

  @Option(
      names = "--port-base",
      defaultValue = "8545",
      description =
          "The chain's port; the relay, bridge and nodes take the next ones (default 8545: relay"
              + " 8546, bridge 8547, node i 8555+i).")
  int portBase;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Engine threads per node (default 0: ONNX Runtime's choice).")
  int threads;

  @Option(
      names = "--smoke",
      description = "Run one task through the network, print its stage times, exit.")
  boolean smoke;

  @Mixin ContractsDirMixin contracts;

  @Override
  public Integer call() throws Exception {
    Path dataDir = data != null ? data : Files.createTempDirectory("hydrogen-devnet");
    PrintWriter out = spec.commandLine().getOut();
    try {
      Devnet.Options options =
          new Devnet.Options(
              nodes,
              models.toAbsolutePath(),
              dataDir.toAbsolutePath(),
              portBase,
              contracts.resolve(),
              threads);
      out.println("starting the devnet (data in " + dataDir.toAbsolutePath() + ") ...");
      out.flush();
      try (Devnet devnet = Devnet.start(options)) {
        printUrls(devnet, out);
        return smoke ? runSmoke(devnet, out) : waitForCtrlC(devnet);
      }
    } finally {
      if (data == null) {
        FileTrees.delete(dataDir);
      }
    }
  }

  private static void printUrls(Devnet devnet, PrintWriter out) {
    if (devnet.demo()) {
      out.println(
          "no "
              + Devnet.REAL_MODEL
              + " in the models folder: the nodes run the tiny demo model "
              + Devnet.DEMO_MODEL
              + " (its images are noise). Put a diffusers folder of Stable Diffusion 1.5 at"
              + " models/"
              + Devnet.REAL_MODEL
              + " for real pictures.");
    }
    out.println("image generator  " + devnet.bridgeUrl());
    for (int i = 0; i < devnet.nodes().size(); i++) {
      out.printf(
          "node %d WebUI     http://127.0.0.1:%d/%n", i + 1, devnet.nodes().get(i).webUi().port());
    }
    out.println("relay            " + devnet.relayUrl());
    out.println("chain RPC        " + devnet.deployment().rpcUrl());
    out.flush();
  }

  private int waitForCtrlC(Devnet devnet) throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Ctrl-C stops everything.");
    out.flush();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    while (devnet.alive() && !stop.await(1, TimeUnit.SECONDS)) {
      // until Ctrl-C, or until the chain dies
    }
    if (!devnet.alive()) {
      spec.commandLine().getErr().println("hydrogen: the chain stopped; stopping the devnet");
      return Hydrogen.EXIT_FAILURE;
    }
    return 0;
  }

  /** One task through the bridge API: create, wait, download; prints every stage's time. */
  private int runSmoke(Devnet devnet, PrintWriter out) throws IOException, InterruptedException {
    BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
    long start = System.nanoTime();
    String id = api.submit(devnet.smokeTask());
    out.println("smoke task " + id + " submitted");
    out.flush();
    JsonNode status = api.await(id, Duration.ofMinutes(10));
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!status.path("status").asText().equals("succeeded")) {
      spec.commandLine()
          .getErr()
          .println(
              "hydrogen: the smoke task ended "
                  + status.path("status").asText()
                  + ": "
                  + status.path("reason").asText("no reason given"));
      return Hydrogen.EXIT_FAILURE;
    }
    byte[] image = api.image(id, 0);
    out.println("stage times (ms), as the bridge saw them:");
    status
        .path("timings_ms")
        .fields()
        .forEachRemaining(e -> out.printf("  %-12s %8d%n", e.getKey(), e.getValue().asLong()));
    out.println("node steps (s), mean over the nodes:");
    devnet
        .meanStepSeconds()
        .forEach((step, took) -> out.printf(Locale.ROOT, "  %-12s %8.3f%n", step, took));
    out.printf(
        Locale.ROOT, "smoke task succeeded in %.2f s; image 0: %d bytes%n", seconds, image.length);
    out.flush();
    return 0;
  }
}
