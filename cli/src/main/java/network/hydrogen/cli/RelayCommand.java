package network.hydrogen.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.relay.RelayConfig;
import network.hydrogen.relay.RelayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen relay}: runs the relay that stores task args and result images. */
@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the relay (task args and result images, signed requests checked against the chain)"
          + " until interrupted. Settings come from the config file; each has an environment"
          + " variable HYDROGEN_RELAY_<KEY> that overrides it (see docs/relay.md)."
    })
final class RelayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The relay's properties file (optional when the environment sets everything).")
  Path config;

  @Override
  public Integer call() throws Exception {
    if (config != null && !Files.isRegularFile(config)) {
      throw new BadInputException("no relay config file at " + config);
    }
    RelayConfig settings;
    try {
      settings = RelayConfig.load(config, System.getenv());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    } catch (NoSuchFileException e) {
      throw new BadInputException("no relay config file at " + e.getFile());
    }
    try (Chain chain = Chain.connect(settings.rpcUrl());
        RelayServer relay =
            RelayServer.start(settings, new TaskContract(chain, settings.taskContract()))) {
      PrintWriter w = spec.commandLine().getOut();
      w.printf(
          "relay on http://%s:%d (data in %s, chain %s, Task %s)%n",
          settings.host(),
          relay.port(),
          settings.dataDir(),
          settings.rpcUrl(),
          settings.taskContract());
      w.println("Ctrl-C stops the relay.");
      w.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
    return 0;
  }
}
