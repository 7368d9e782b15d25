package network.hydrogen.cli;

import java.util.concurrent.Callable;
import network.hydrogen.relay.RelayBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen bench relay}: upload and download throughput and latency of the relay. */
@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a local Hardhat chain and a relay, brings one task per client to SUCCESS, then"
          + " times --clients concurrent result uploads of a ~1 MiB PNG and --clients concurrent"
          + " clients downloading --rounds times each; prints requests per second, p50/p99"
          + " latency and the peak heap."
    })
final class RelayBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--clients", defaultValue = "100", description = "Concurrent clients (100).")
  int clients;

  @Option(names = "--rounds", defaultValue = "10", description = "Downloads per client (10).")
  int rounds;

  @Option(names = "--port", defaultValue = "18546", description = "RPC port (default 18546).")
  int port;

  @Mixin ContractsDirMixin contracts;

  @Override
  public Integer call() throws Exception {
    if (clients < 1 || rounds < 1) {
      throw new BadInputException("--clients and --rounds must be at least 1");
    }
    RelayBenchmark.Result result = RelayBenchmark.run(contracts.resolve(), port, clients, rounds);
    spec.commandLine().getOut().print(result.report());
    return 0;
  }
}
