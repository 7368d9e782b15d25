package network.hydrogen.bridge;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import network.hydrogen.chain.DevChain;
import network.hydrogen.chain.HardhatNode;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.Wallets;
import network.hydrogen.relay.RelayConfig;
import network.hydrogen.relay.RelayServer;
import org.web3j.crypto.Credentials;

/**
 * What a bridge test runs against, all on 127.0.0.1: a Hardhat dev chain with the contracts, a
 * relay, and scripted nodes. Dev account 1 is the application's wallet, the next ones the nodes.
 */
final class TestNetwork implements AutoCloseable {
  static final String APP_KEY = "app-key-0123456789abcdef";
  static final String OTHER_KEY = "other-key-0123456789abcdef";
  static final String WEB_KEY = "web-key-0123456789abcdef";

  final DevChain dev;
  final RelayServer relay;
  final ScriptedNodes nodes;
  final Credentials app;
  private final Path dir;

  private TestNetwork(
      DevChain dev, RelayServer relay, ScriptedNodes nodes, Credentials app, Path dir) {
    this.dev = dev;
    this.relay = relay;
    this.nodes = nodes;
    this.app = app;
    this.dir = dir;
  }

  static TestNetwork start(Path dir, int nodeCount) throws IOException {
    Path contracts = HardhatNode.locateContractsDir().orElseThrow();
    DevChain dev =
        DevChain.start(contracts, freePort(), 1 + nodeCount, TokenContract.cnx(10_000), null);
    RelayServer relay = null;
    try {
      var d = dev.deployment();
      relay =
          RelayServer.start(
              RelayConfig.defaults(dir.resolve("relay"), d.rpcUrl(), d.task()).withPort(0),
              d.task(dev.chain()));
      List<Credentials> accounts =
          d.accounts().stream().map(a -> Wallets.fromPrivateKey(a.privateKey())).toList();
      ScriptedNodes nodes =
          ScriptedNodes.start(
              dev.chain(),
              d,
              dev.chain().sender(dev.node().accounts().getFirst()),
              URI.create("http://127.0.0.1:" + relay.port()),
              accounts.subList(1, accounts.size()),
              dir);
      return new TestNetwork(dev, relay, nodes, accounts.getFirst(), dir);
    } catch (IOException | RuntimeException e) {
      if (relay != null) {
        relay.close();
      }
      dev.close();
      throw e;
    }
  }

  /** A bridge config for this network: keys app, other and the web page's, a quick poll. */
  BridgeConfig bridgeConfig(String name) {
    return BridgeConfig.defaults(
            dir.resolve(name), dev.deployment(), URI.create("http://127.0.0.1:" + relay.port()))
        .withPort(0)
        .withApiKeys(Map.of("app", APP_KEY, "other", OTHER_KEY), WEB_KEY)
        .withPollInterval(Duration.ofMillis(200));
  }

  Bridge bridge(BridgeConfig config) throws IOException {
    return Bridge.start(config, app);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    nodes.close();
    relay.close();
    dev.close();
  }
}
