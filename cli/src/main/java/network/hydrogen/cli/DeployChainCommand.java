package network.hydrogen.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.Deployer;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.Receipt;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.Wallets;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen chain deploy}: deploys the contracts to any EVM chain. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Deploys Token, Node and Task to the chain at --rpc, from the wallet given by --key-file or"
          + " --keystore, links them, and writes the deployment file. The wallet becomes the"
          + " owner and holds the whole CNX supply."
    })
final class DeployChainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--rpc", required = true, paramLabel = "URL", description = "JSON-RPC URL.")
  String rpc;

  static final class Key {
    @Option(
        names = "--key-file",
        paramLabel = "FILE",
        description = "A file holding the hex private key (kept off the command line and logs).")
    Path keyFile;

    @Option(
        names = "--keystore",
        paramLabel = "FILE",
        description =
            "An encrypted JSON keystore; its password comes from --password-file or"
                + " HYDROGEN_PASSWORD.")
    Path keystore;
  }

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "A file holding the keystore's password.")
  Path passwordFile;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Key key;

  @Option(
      names = "--supply",
      defaultValue = "100000000",
      description = "CNX minted to the owner (default 100000000).")
  long supply;

  @Option(
      names = "--out",
      defaultValue = ".hydrogen/chain.json",
      paramLabel = "FILE",
      description = "Where to write the deployment (default .hydrogen/chain.json).")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (supply <= 0) {
      throw new BadInputException("--supply must be positive, was " + supply);
    }
    Credentials owner = credentials();
    try (Chain chain = Chain.connect(rpc)) {
      Deployer.Result result =
          Deployer.deploy(chain, chain.sender(owner), rpc, TokenContract.cnx(supply));
      Deployment d = result.deployment();
      d.write(out);
      PrintWriter w = spec.commandLine().getOut();
      w.printf(
          "chain id %d%nToken %s%nNode  %s%nTask  %s%n",
          d.chainId(), d.token(), d.node(), d.task());
      List<String> names = List.of("Token", "Node", "Task", "link Node to Task");
      for (int i = 0; i < result.receipts().size(); i++) {
        Receipt r = result.receipts().get(i);
        w.printf("  %-18s gas %,d  tx %s%n", names.get(i), r.gasUsed(), r.transactionHash());
      }
      w.printf("deployment written to %s%n", out.toAbsolutePath());
    }
    return 0;
  }

  private Credentials credentials() throws IOException {
    if (key.keyFile != null) {
      if (!Files.isRegularFile(key.keyFile)) {
        throw new BadInputException("no key file at " + key.keyFile);
      }
      try {
        return Wallets.fromPrivateKey(Files.readString(key.keyFile));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(key.keyFile + ": " + e.getMessage());
      }
    }
    return Wallets.loadKeystore(key.keystore, WalletCommand.password(passwordFile));
  }
}
