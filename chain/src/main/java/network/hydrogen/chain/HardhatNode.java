package network.hydrogen.chain;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.MnemonicUtils;

/**
 * A local Hardhat node (the EVM of the dev chain and the tests) on 127.0.0.1, started from the
 * contracts module's npm install and stopped, with every process it started, on {@link #close()} or
 * when the JVM exits.
 */
public final class HardhatNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HardhatNode.class);

  /** Hardhat's public test mnemonic: its accounts are funded with ether on every Hardhat node. */
  static final String TEST_MNEMONIC = "test test test test test test test test test test test junk";

  private static final String HARDHAT_CLI = "node_modules/hardhat/internal/cli/cli.js";

  private final Process process;
  private final Path log;
  private final int port;
  private final int accounts;
  private final Thread shutdownHook;

  private HardhatNode(Process process, Path log, int port, int accounts) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.accounts = accounts;
    this.shutdownHook = new Thread(this::stopProcesses, "hardhat-node-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a node on 127.0.0.1:{@code port} with {@code accounts} funded accounts and waits until
   * it answers JSON-RPC.
   *
   * @param contractsDir the contracts folder, with {@code node_modules} installed by the build
   */
  public static HardhatNode start(Path contractsDir, int port, int accounts, Duration startTimeout)
      throws IOException {
    if (accounts < 1 || accounts > 10_000) {
      throw new IllegalArgumentException("accounts must be 1 to 10000: " + accounts);
    }
    Path cli = contractsDir.resolve(HARDHAT_CLI);
    if (!Files.isRegularFile(cli)) {
      throw new IOException(
          "Hardhat is not installed at "
              + cli
              + " (build the contracts module, which runs npm install there)");
    }
    Path log = Files.createTempFile("hardhat-node-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                "node", cli.toString(), "node", "--hostname", "127.0.0.1", "--port", "" + port)
            .directory(contractsDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("HYDROGEN_DEV_ACCOUNTS", Integer.toString(accounts));
    builder.environment().put("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true");
    Process process = builder.start();
    HardhatNode node = new HardhatNode(process, log, port, accounts);
    try {
      node.awaitReady(startTimeout);
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    LOG.info("Hardhat node on {} (pid {})", node.rpcUrl(), process.pid());
    return node;
  }

  public String rpcUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** The funded accounts, derived from Hardhat's test mnemonic (m/44'/60'/0'/0/i). */
  public List<Credentials> accounts() {
    Bip32ECKeyPair master =
        Bip32ECKeyPair.generateKeyPair(MnemonicUtils.generateSeed(TEST_MNEMONIC, ""));
    List<Credentials> list = new ArrayList<>(accounts);
    for (int i = 0; i < accounts; i++) {
      int[] path = {
        44 | Bip32ECKeyPair.HARDENED_BIT,
        60 | Bip32ECKeyPair.HARDENED_BIT,
        Bip32ECKeyPair.HARDENED_BIT,
        0,
        i
      };
      list.add(Credentials.create(Bip32ECKeyPair.deriveKeyPair(master, path)));
    }
    return list;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The operating-system id of the node's process. */
  public long pid() {
    return process.pid();
  }

  /**
   * Finds the contracts folder: the {@code hydrogen.contracts.dir} system property, the {@code
   * HYDROGEN_CONTRACTS_DIR} environment variable, else a {@code contracts} folder with Hardhat
   * installed in the working directory or the folder of the running jar, or one of their parents.
   */
  public static Optional<Path> locateContractsDir() {
    String configured = System.getProperty("hydrogen.contracts.dir");
    if (configured == null) {
      configured = System.getenv("HYDROGEN_CONTRACTS_DIR");
    }
    if (configured != null) {
      return Optional.of(Path.of(configured).toAbsolutePath().normalize());
    }
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    try {
      var source = HardhatNode.class.getProtectionDomain().getCodeSource();
      if (source != null) {
        starts.add(Path.of(source.getLocation().toURI()).toAbsolutePath());
      }
    } catch (URISyntaxException | RuntimeException e) {
      LOG.debug("cannot locate the running jar", e);
    }
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve("contracts");
        if (Files.isRegularFile(candidate.resolve(HARDHAT_CLI))) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private void awaitReady(Duration timeout) throws IOException {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(rpcUrl()))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}"))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "the Hardhat node exited with code " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"result\"")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the Hardhat node", e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the Hardhat node", e);
      }
    }
    throw new IOException(
        "the Hardhat node did not answer on "
            + rpcUrl()
            + " within "
            + timeout
            + ":\n"
            + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops the node and every process it started, waiting for them to exit. */
  @Override
  public void close() {
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down and runs the hook
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      LOG.debug("cannot delete {}", log, e);
    }
  }

  private void stopProcesses() {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(process.toHandle());
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        p.destroyForcibly();
      } catch (java.util.concurrent.ExecutionException e) {
        LOG.debug("waiting for {} failed", p.pid(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
