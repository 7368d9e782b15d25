package network.hydrogen.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.DevChain;
import network.hydrogen.chain.TokenContract;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen chain dev}: a local Hardhat chain with the contracts deployed and funded. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a local chain (Hardhat node) on 127.0.0.1, deploys Token, Node and Task, funds N"
          + " accounts with test ether and CNX, writes the deployment (addresses, accounts with"
          + " their dev keys, chain id) to a file, and runs until interrupted (Ctrl-C)."
    })
final class DevChainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "8545", description = "RPC port (default 8545).")
  int port;

  @Option(
      names = "--accounts",
      defaultValue = "10",
      description = "Accounts to fund besides the owner (default 10).")
  int accounts;

  @Option(
      names = "--cnx",
      defaultValue = "10000",
      description = "CNX given to each funded account (default 10000).")
  long cnx;

  @Option(
      names = "--out",
      defaultValue = ".hydrogen/chain.json",
      paramLabel = "FILE",
      description = "Where to write the deployment (default .hydrogen/chain.json).")
  Path out;

  @Mixin ContractsDirMixin contracts;

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) {
      throw new BadInputException("--port must be 1 to 65535, was " + port);
    }
    if (accounts < 0 || accounts > 1000) {
      throw new BadInputException("--accounts must be 0 to 1000, was " + accounts);
    }
    if (cnx < 0) {
      throw new BadInputException("--cnx must not be negative, was " + cnx);
    }
    Path dir = contracts.resolve();
    try (DevChain dev =
        DevChain.start(dir, port, accounts, TokenContract.cnx(cnx), out.toAbsolutePath())) {
      Deployment d = dev.deployment();
      PrintWriter w = spec.commandLine().getOut();
      w.printf("dev chain %s (chain id %d)%n", d.rpcUrl(), d.chainId());
      w.printf(
          "Token %s%nNode  %s%nTask  %s%nowner %s%n", d.token(), d.node(), d.task(), d.owner());
      w.printf(
          "%d accounts funded with %d CNX; deployment written to %s%n",
          d.accounts().size(), cnx, out.toAbsolutePath());
      w.println("Ctrl-C stops the chain.");
      w.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      while (dev.node().isAlive() && !stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
        // wait for Ctrl-C, or for the node to die
      }
      if (!dev.node().isAlive()) {
        spec.commandLine().getErr().println("hydrogen: the Hardhat node stopped");
        return 1;
      }
    }
    return 0;
  }
}
