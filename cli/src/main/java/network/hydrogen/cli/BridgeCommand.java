package network.hydrogen.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import network.hydrogen.bridge.Bridge;
import network.hydrogen.bridge.BridgeConfig;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen bridge}: runs the inference API and the image generator page. */
@Command(
    name = "bridge",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the bridge (the inference API for applications and the image generator page) until"
          + " interrupted. It pays for tasks from its wallet, queues them until nodes are free,"
          + " creates them on chain, hands their args to the relay and brings the images back."
          + " Settings come from the config file; each has an environment variable"
          + " HYDROGEN_BRIDGE_<KEY> that overrides it (see docs/bridge.md)."
    })
final class BridgeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The bridge's properties file (optional when the environment sets everything).")
  Path config;

  @Override
  public Integer call() throws Exception {
    if (config != null && !Files.isRegularFile(config)) {
      throw new BadInputException("no bridge config file at " + config);
    }
    BridgeConfig settings;
    Credentials wallet;
    try {
      settings = BridgeConfig.load(config, System.getenv());
      wallet = BridgeConfig.wallet(config, System.getenv());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    } catch (NoSuchFileException e) {
      throw new BadInputException("no such file: " + e.getFile());
    } catch (IOException e) {
      throw new BadInputException(e.getMessage());
    }
    try (Bridge bridge = Bridge.start(settings, wallet)) {
      PrintWriter w = spec.commandLine().getOut();
      w.printf(
          "bridge on http://%s:%d (wallet %s, chain %s, relay %s)%n",
          settings.host(), bridge.port(), wallet.getAddress(), settings.rpcUrl(), settings.relay());
      w.printf(
          "image generator page: http://%s:%d/  API: /v1/tasks  OpenAPI: /openapi.json%n",
          settings.host(), bridge.port());
      w.println("Ctrl-C stops the bridge.");
      w.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
    return 0;
  }
}
