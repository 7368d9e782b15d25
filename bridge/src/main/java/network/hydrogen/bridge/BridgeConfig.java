package network.hydrogen.bridge;

import java.io.IOException;
import java.io.Reader;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.Wallets;
import network.hydrogen.task.Tasks;
import org.web3j.crypto.Credentials;

/**
 * The bridge's settings. Read from a properties file whose keys (e.g. {@code port}) each have an
 * environment variable that overrides them ({@code HYDROGEN_BRIDGE_PORT}); see docs/bridge.md. The
 * wallet is not part of it: {@link #wallet} loads it from the same file.
 *
 * @param host the address to bind (127.0.0.1 unless configured)
 * @param port the port (0 picks a free one)
 * @param dataDir where the images (and the SQLite database, by default) live
 * @param dbUrl the JDBC URL of the task database (SQLite or PostgreSQL)
 * @param rpcUrl the chain's JSON-RPC endpoint
 * @param wsUrl the chain's WebSocket endpoint, for new blocks at once (null: poll only)
 * @param token the Token contract's address
 * @param node the Node contract's address
 * @param task the Task contract's address
 * @param relay the relay's base URL
 * @param apiKeys the applications' keys, by name (a key's name is what its tasks are stored under)
 * @param webKey the key the image generator page uses (as public as the page itself)
 * @param ratePerMinute task creations each key may make per minute (token bucket refill)
 * @param rateBurst task creations a key may make at once (token bucket size)
 * @param maxBodyBytes the largest request body
 * @param maxRetries how many times an aborted or timed-out task is created again
 * @param pollInterval how often the chain is read when no event wakes the bridge
 * @param vramBytes the VRAM a task asks nodes for (SD 1.x / 2.x)
 * @param vramSdxlBytes the VRAM an SDXL task asks for
 * @param approveAmount the CNX allowance given to the Task contract in one approval, in wei
 * @param pageModel a model the image generator page offers first and selects (e.g. the devnet's
 *     demo model), null for the page's standard choices only
 */
public record BridgeConfig(
    String host,
    int port,
    Path dataDir,
    String dbUrl,
    String rpcUrl,
    String wsUrl,
    String token,
    String node,
    String task,
    URI relay,
    Map<String, String> apiKeys,
    String webKey,
    int ratePerMinute,
    int rateBurst,
    long maxBodyBytes,
    int maxRetries,
    Duration pollInterval,
    long vramBytes,
    long vramSdxlBytes,
    BigInteger approveAmount,
    String pageModel) {
  /** The name the web page's tasks are stored under. */
  public static final String WEB_KEY_NAME = "web";

  private static final long GIB = 1L << 30;

  public BridgeConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535: " + port);
    }
    apiKeys = Map.copyOf(apiKeys);
    for (var e : apiKeys.entrySet()) {
      if (e.getKey().equals(WEB_KEY_NAME)) {
        throw new IllegalArgumentException("the api key name 'web' is the web page's");
      }
      if (e.getValue().length() < 16) {
        throw new IllegalArgumentException(
            "api key " + e.getKey() + " is shorter than 16 characters");
      }
    }
    if (webKey != null && webKey.length() < 16) {
      throw new IllegalArgumentException("web-key is shorter than 16 characters");
    }
    if (ratePerMinute <= 0 || rateBurst <= 0) {
      throw new IllegalArgumentException("rate limits must be positive");
    }
    if (maxBodyBytes <= 0 || maxRetries < 0 || vramBytes <= 0 || vramSdxlBytes <= 0) {
      throw new IllegalArgumentException(
          "max-body-bytes, vram-gib and vram-sdxl-gib must be positive, max-retries >= 0");
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("poll interval must be positive: " + pollInterval);
    }
    if (approveAmount.signum() <= 0) {
      throw new IllegalArgumentException("approve-cnx must be positive");
    }
  }

  /**
   * Defaults for a bridge on this machine against a deployment: 127.0.0.1:8080, SQLite in {@code
   * dataDir}, no application keys, a random web page key.
   */
  public static BridgeConfig defaults(Path dataDir, Deployment deployment, URI relay) {
    return new BridgeConfig(
        "127.0.0.1",
        8080,
        dataDir,
        sqliteUrl(dataDir),
        deployment.rpcUrl(),
        null,
        deployment.token(),
        deployment.node(),
        deployment.task(),
        relay,
        Map.of(),
        ApiKeys.randomKey(),
        60,
        10,
        Tasks.MAX_BYTES,
        2,
        Duration.ofSeconds(2),
        8 * GIB,
        12 * GIB,
        TokenContract.cnx(10_000),
        null);
  }

  static String sqliteUrl(Path dataDir) {
    return "jdbc:sqlite:" + dataDir.resolve("bridge.db").toAbsolutePath();
  }

  public BridgeConfig withPort(int p) {
    return new Builder(this).port(p).build();
  }

  public BridgeConfig withApiKeys(Map<String, String> keys, String web) {
    Builder b = new Builder(this);
    b.apiKeys = keys;
    b.webKey = web;
    return b.build();
  }

  public BridgeConfig withRateLimit(int perMinute, int burst) {
    Builder b = new Builder(this);
    b.ratePerMinute = perMinute;
    b.rateBurst = burst;
    return b.build();
  }

  public BridgeConfig withMaxBodyBytes(long bytes) {
    Builder b = new Builder(this);
    b.maxBodyBytes = bytes;
    return b.build();
  }

  /** The same settings with a model the page offers first and selects. */
  public BridgeConfig withPageModel(String model) {
    Builder b = new Builder(this);
    b.pageModel = model;
    return b.build();
  }

  public BridgeConfig withPollInterval(Duration interval) {
    Builder b = new Builder(this);
    b.pollInterval = interval;
    return b.build();
  }

  /**
   * Reads a properties file, each key overridden by its environment variable when set. The chain
   * comes from {@code deployment} (the file {@code hydrogen chain dev} writes) or from {@code
   * rpc-url}, {@code token}, {@code node} and {@code task}.
   */
  public static BridgeConfig load(Path file, Map<String, String> env) throws IOException {
    Settings s = Settings.read(file, env);
    String rpcUrl;
    String token;
    String node;
    String task;
    String deploymentFile = s.get("deployment", null);
    if (deploymentFile != null) {
      Deployment d = Deployment.read(Path.of(deploymentFile));
      rpcUrl = s.get("rpc-url", d.rpcUrl());
      token = d.token();
      node = d.node();
      task = d.task();
    } else {
      rpcUrl = s.required("rpc-url");
      token = s.required("token");
      node = s.required("node");
      task = s.required("task");
    }
    Path dataDir = Path.of(s.get("data-dir", ".hydrogen/bridge"));
    return new BridgeConfig(
        s.get("host", "127.0.0.1"),
        s.integer("port", 8080),
        dataDir,
        s.get("db-url", sqliteUrl(dataDir)),
        rpcUrl,
        s.get("ws-url", null),
        token,
        node,
        task,
        URI.create(s.required("relay-url")),
        ApiKeys.parse(s.get("api-keys", "")),
        s.get("web-key", ApiKeys.randomKey()),
        s.integer("rate-per-minute", 60),
        s.integer("rate-burst", 10),
        s.integer("max-body-bytes", Tasks.MAX_BYTES),
        s.integer("max-retries", 2),
        Duration.ofMillis(s.integer("poll-interval-ms", 2000)),
        s.integer("vram-gib", 8) * GIB,
        s.integer("vram-sdxl-gib", 12) * GIB,
        TokenContract.cnx(s.integer("approve-cnx", 10_000)),
        s.get("page-model", null));
  }

  /**
   * The application's wallet named by the same settings: {@code key-file} (a file holding the hex
   * private key) or {@code keystore} (an encrypted JSON keystore whose password is in {@code
   * password-file} or the HYDROGEN_PASSWORD variable).
   */
  public static Credentials wallet(Path file, Map<String, String> env) throws IOException {
    Settings s = Settings.read(file, env);
    String keyFile = s.get("key-file", null);
    if (keyFile != null) {
      Path key = Path.of(keyFile);
      if (!Files.isRegularFile(key)) {
        throw new IllegalArgumentException("no key file at " + key);
      }
      return Wallets.fromPrivateKey(Files.readString(key));
    }
    String keystore = s.get("keystore", null);
    if (keystore == null) {
      throw new IllegalArgumentException(
          "the bridge needs a wallet: set key-file or keystore (config file or "
              + Settings.variable("key-file")
              + ")");
    }
    String passwordFile = s.get("password-file", null);
    String password =
        passwordFile != null
            ? Files.readString(Path.of(passwordFile)).strip()
            : env.get("HYDROGEN_PASSWORD");
    if (password == null) {
      throw new IllegalArgumentException(
          "the keystore's password is missing: set password-file or HYDROGEN_PASSWORD");
    }
    return Wallets.loadKeystore(Path.of(keystore), password);
  }

  /** The settings' source: a properties file, each key overridden by HYDROGEN_BRIDGE_KEY. */
  record Settings(Properties file, Map<String, String> env) {
    static Settings read(Path file, Map<String, String> env) throws IOException {
      Properties p = new Properties();
      if (file != null) {
        try (Reader r = Files.newBufferedReader(file)) {
          p.load(r);
        }
      }
      return new Settings(p, env);
    }

    static String variable(String key) {
      return "HYDROGEN_BRIDGE_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    String get(String key, String fallback) {
      String fromEnv = env.get(variable(key));
      if (fromEnv != null && !fromEnv.isBlank()) {
        return fromEnv.strip();
      }
      String v = file.getProperty(key);
      return v == null || v.isBlank() ? fallback : v.strip();
    }

    String required(String key) {
      String v = get(key, null);
      if (v == null) {
        throw new IllegalArgumentException(
            "bridge setting " + key + " is missing (config file or " + variable(key) + ")");
      }
      return v;
    }

    int integer(String key, int fallback) {
      String v = get(key, null);
      if (v == null) {
        return fallback;
      }
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bridge setting " + key + " is not a number: " + v);
      }
    }
  }

  /** Copies a config to change a few fields (the record has many). */
  private static final class Builder {
    private final BridgeConfig c;
    private int port;
    private Map<String, String> apiKeys;
    private String webKey;
    private int ratePerMinute;
    private int rateBurst;
    private long maxBodyBytes;
    private Duration pollInterval;
    private String pageModel;

    Builder(BridgeConfig c) {
      this.c = c;
      this.port = c.port;
      this.apiKeys = new LinkedHashMap<>(c.apiKeys);
      this.webKey = c.webKey;
      this.ratePerMinute = c.ratePerMinute;
      this.rateBurst = c.rateBurst;
      this.maxBodyBytes = c.maxBodyBytes;
      this.pollInterval = c.pollInterval;
      this.pageModel = c.pageModel;
    }

    Builder port(int p) {
      this.port = p;
      return this;
    }

    BridgeConfig build() {
      return new BridgeConfig(
          c.host,
          port,
          c.dataDir,
          c.dbUrl,
          c.rpcUrl,
          c.wsUrl,
          c.token,
          c.node,
          c.task,
          c.relay,
          apiKeys,
          webKey,
          ratePerMinute,
          rateBurst,
          maxBodyBytes,
          c.maxRetries,
          pollInterval,
          c.vramBytes,
          c.vramSdxlBytes,
          c.approveAmount,
          pageModel);
    }
  }

  @Override
  public String toString() {
    return "BridgeConfig["
        + host
        + ":"
        + port
        + ", data "
        + dataDir
        + ", keys "
        + apiKeys.keySet()
        + "]";
  }
}
