package network.hydrogen.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.web3j.crypto.Credentials;

/**
 * One Hardhat node for the whole test run (started on first use, stopped when JUnit finishes), and
 * a fresh deployment of the contracts on it for each test.
 */
final class LocalChain implements AutoCloseable {
  static final int ACCOUNTS = 40;

  final HardhatNode hardhat;
  final Chain chain;
  final List<Credentials> accounts;
  final TransactionSender owner;
  final Deployment deployment;
  final TokenContract token;
  final NodeContract nodes;
  final TaskContract tasks;

  private LocalChain(HardhatNode hardhat) {
    this.hardhat = hardhat;
    this.chain =
        Chain.connect(
            hardhat.rpcUrl(), new Chain.Options(Duration.ofSeconds(30), Duration.ofMillis(20), 2));
    this.accounts = hardhat.accounts();
    this.owner = chain.sender(accounts.get(0));
    this.deployment =
        Deployer.deploy(chain, owner, hardhat.rpcUrl(), TokenContract.cnx(1_000_000)).deployment();
    this.token = deployment.token(chain);
    this.nodes = deployment.node(chain);
    this.tasks = deployment.task(chain);
  }

  /** Deploys fresh contracts on the run's Hardhat node. */
  static LocalChain deploy(ExtensionContext context) {
    // JUnit closes AutoCloseable store values when their context ends: the root's, at the end.
    HardhatNode node =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent("hardhat-node", k -> startNode(), HardhatNode.class);
    return new LocalChain(node);
  }

  private static HardhatNode startNode() {
    Path dir =
        HardhatNode.locateContractsDir()
            .orElseThrow(() -> new IllegalStateException("no contracts folder with Hardhat"));
    try (ServerSocket socket = new ServerSocket(0)) {
      int port = socket.getLocalPort();
      socket.close();
      return HardhatNode.start(dir, port, ACCOUNTS, Duration.ofSeconds(60));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  TransactionSender sender(int account) {
    return chain.sender(accounts.get(account));
  }

  String address(int account) {
    return accounts.get(account).getAddress();
  }

  /** Gives an account CNX from the owner. */
  void fund(int account, BigInteger amount) {
    token.transfer(owner, address(account), amount);
  }

  /** Funds, approves the stake and joins the account as a node. */
  TransactionSender join(int account, long vram) {
    TransactionSender node = sender(account);
    BigInteger stake = nodes.stakeAmount();
    fund(account, stake);
    token.approve(node, nodes.address(), stake);
    nodes.join(node, "Test GPU " + account, vram);
    return node;
  }

  @Override
  public void close() {
    chain.close();
  }
}
