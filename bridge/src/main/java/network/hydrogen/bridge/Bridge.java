package network.hydrogen.bridge;

import java.io.IOException;
import java.nio.file.Files;
import network.hydrogen.chain.Chain;
import network.hydrogen.relay.RelayClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * The bridge: an application's way into the network. It holds the application's wallet, keeps a
 * persistent queue of tasks, creates them on chain, hands their args to the relay, brings their
 * images back, and serves the inference API and the image generator page over HTTP.
 *
 * <pre>{@code
 * try (Bridge bridge = Bridge.start(BridgeConfig.load(file, System.getenv()), wallet)) {
 *   // http://127.0.0.1:<bridge.port()>/
 * }
 * }</pre>
 */
public final class Bridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

  private final Chain chain;
  private final TaskStore store;
  private final TaskPipeline pipeline;
  private final BridgeServer server;

  private Bridge(Chain chain, TaskStore store, TaskPipeline pipeline, BridgeServer server) {
    this.chain = chain;
    this.store = store;
    this.pipeline = pipeline;
    this.server = server;
  }

  /**
   * Opens the task database, connects to the chain, resumes every unfinished task and starts
   * serving.
   */
  public static Bridge start(BridgeConfig config, Credentials wallet) throws IOException {
    Files.createDirectories(config.dataDir());
    TaskStore store = TaskStore.open(config.dbUrl());
    Chain chain = null;
    try {
      chain = Chain.connect(config.rpcUrl());
      TaskPipeline pipeline =
          new TaskPipeline(
              config, store, chain, chain.sender(wallet), new RelayClient(config.relay(), wallet));
      BridgeServer server = new BridgeServer(config, store, pipeline);
      pipeline.start();
      try {
        server.start();
      } catch (RuntimeException e) {
        pipeline.close();
        throw e;
      }
      LOG.info(
          "bridge on http://{}:{} for wallet {}",
          config.host(),
          server.port(),
          wallet.getAddress());
      return new Bridge(chain, store, pipeline, server);
    } catch (RuntimeException e) {
      if (chain != null) {
        chain.close();
      }
      store.close();
      throw e;
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
    pipeline.close();
    chain.close();
    store.close();
  }
}
