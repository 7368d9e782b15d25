package network.hydrogen.node;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.stream.Collectors;
import network.hydrogen.chain.Deployment;
import network.hydrogen.engine.graph.ExecutionProvider;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.MemoryMode;
import network.hydrogen.engine.graph.Precision;
import network.hydrogen.engine.library.DownloadSettings;

/**
 * The node's settings. Read from a properties file whose keys (e.g. {@code relay-url}) each have an
 * environment variable that overrides them ({@code HYDROGEN_NODE_RELAY_URL}); every key is listed
 * in README.md, section "Running a node".
 *
 * @param rpcUrl the chain's JSON-RPC endpoint
 * @param webSocketUrl the chain's WebSocket endpoint, to hear of new blocks at once (else it polls)
 * @param contracts where the Token, Node and Task contracts live
 * @param relayUrl the relay that holds task args and result images
 * @param wallet where the node's key is kept and how it is made on first start
 * @param modelsDir the local models folder tasks' models are looked up in
 * @param downloads where and how models missing from the folder are downloaded (a size-bounded
 *     cache, the Hugging Face endpoint, tokens); empty: the folder only
 * @param dataDir the node's database (current task, nonces, results, history) and images
 * @param gpu the GPU to declare when joining; empty: detected (nvidia-smi, else the CPU and RAM)
 * @param inference how the engine runs (threads, execution provider, device, precision, memory
 *     mode)
 * @param webUiHost the address the WebUI binds (127.0.0.1 unless configured)
 * @param webUiPort the WebUI's port
 * @param headless no WebUI: join on start, quit on SIGTERM after the running task
 * @param pollInterval how often the chain is polled for events and task states
 */
public record NodeConfig(
    String rpcUrl,
    Optional<String> webSocketUrl,
    Contracts contracts,
    URI relayUrl,
    WalletSource wallet,
    Path modelsDir,
    Optional<DownloadSettings> downloads,
    Path dataDir,
    Optional<NodeSnapshot.Gpu> gpu,
    InferenceOptions inference,
    String webUiHost,
    int webUiPort,
    boolean headless,
    Duration pollInterval) {

  /** The prefix of the environment variables that override the file's keys. */
  public static final String ENV_PREFIX = "HYDROGEN_NODE_";

  /**
   * The contracts' addresses and the block to start reading events from on the very first start
   * (later starts resume where the node stopped); empty: the chain's latest block.
   */
  public record Contracts(String token, String node, String task, OptionalLong startBlock) {}

  /**
   * The node's wallet: an encrypted keystore file and its password. When the file does not exist
   * yet, it is written on first start from {@code importKey} (a hex private key) if given, else
   * from a new random key.
   */
  public record WalletSource(Path keystore, Optional<String> password, Optional<String> importKey) {
    @Override
    public String toString() {
      return "WalletSource[keystore=" + keystore + "]";
    }
  }

  public NodeConfig {
    if (webUiPort < 0 || webUiPort > 65535) {
      throw new IllegalArgumentException("webui-port must be 0 to 65535: " + webUiPort);
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("poll-interval-ms must be positive: " + pollInterval);
    }
    gpu.ifPresent(
        g -> {
          if (g.name().isBlank() || g.name().getBytes(StandardCharsets.UTF_8).length > 64) {
            throw new IllegalArgumentException("gpu-name must be 1 to 64 bytes: " + g.name());
          }
          if (g.vramBytes() <= 0) {
            throw new IllegalArgumentException("gpu-vram-gib must be positive");
          }
        });
  }

  /** The same settings, headless or not. */
  public NodeConfig withHeadless(boolean on) {
    return new NodeConfig(
        rpcUrl,
        webSocketUrl,
        contracts,
        relayUrl,
        wallet,
        modelsDir,
        downloads,
        dataDir,
        gpu,
        inference,
        webUiHost,
        webUiPort,
        on,
        pollInterval);
  }

  /**
   * Reads a properties file (null: only the environment), each key overridden by its environment
   * variable when set. Relative paths in the file are resolved against the file's folder.
   *
   * @throws IllegalArgumentException naming the setting that is missing or wrong
   */
  public static NodeConfig load(Path file, Map<String, String> env) throws IOException {
    Properties p = new Properties();
    Path base = Path.of("");
    if (file != null) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
      base = file.toAbsolutePath().getParent();
    }
    Settings s = new Settings(p, env, base);

    Optional<Path> deploymentFile = s.path("deployment-file");
    Optional<Deployment> deployment =
        deploymentFile.isPresent()
            ? Optional.of(Deployment.read(deploymentFile.get()))
            : Optional.empty();
    String rpcUrl = s.get("rpc-url").or(() -> deployment.map(Deployment::rpcUrl)).orElse(null);
    if (rpcUrl == null) {
      throw s.missing("rpc-url", " (or a deployment-file)");
    }
    OptionalLong startBlock =
        s.get("start-block")
            .map(v -> OptionalLong.of(s.number("start-block", v).longValueExact()))
            .orElse(
                deployment
                    .map(d -> OptionalLong.of(d.deployedAtBlock()))
                    .orElse(OptionalLong.empty()));
    Contracts contracts =
        new Contracts(
            s.get("token-contract")
                .or(() -> deployment.map(Deployment::token))
                .orElseThrow(() -> s.missing("token-contract", " (or a deployment-file)")),
            s.get("node-contract")
                .or(() -> deployment.map(Deployment::node))
                .orElseThrow(() -> s.missing("node-contract", " (or a deployment-file)")),
            s.get("task-contract")
                .or(() -> deployment.map(Deployment::task))
                .orElseThrow(() -> s.missing("task-contract", " (or a deployment-file)")),
            startBlock);

    Path dataDir = s.path("data-dir").orElseThrow(() -> s.missing("data-dir", ""));
    Optional<String> password =
        s.get("password")
            .or(
                () ->
                    s.path("password-file")
                        .map(f -> readSecret(f, "password-file"))
                        .filter(v -> !v.isEmpty()));
    Optional<String> importKey =
        s.get("private-key")
            .or(() -> s.path("private-key-file").map(f -> readSecret(f, "private-key-file")));
    WalletSource wallet =
        new WalletSource(
            s.path("keystore").orElse(dataDir.resolve("wallet.json")), password, importKey);

    Optional<String> gpuName = s.get("gpu-name");
    Optional<String> gpuVram = s.get("gpu-vram-gib");
    if (gpuName.isPresent() != gpuVram.isPresent()) {
      throw new IllegalArgumentException(
          "gpu-name and gpu-vram-gib go together: set both, or neither to detect the GPU");
    }
    Optional<NodeSnapshot.Gpu> gpu =
        gpuName.map(
            name ->
                new NodeSnapshot.Gpu(
                    name,
                    s.number("gpu-vram-gib", gpuVram.get())
                        .multiply(BigDecimal.valueOf(1L << 30))
                        .longValue()));

    InferenceOptions inference =
        new InferenceOptions(
            s.integer("threads", 0),
            s.choice("provider", ExecutionProvider.class, ExecutionProvider.AUTO),
            s.integer("device", 0),
            s.choice("precision", Precision.class, Precision.AUTO),
            s.choice("memory", MemoryMode.class, MemoryMode.AUTO));

    URI relay;
    String relayText = s.get("relay-url").orElseThrow(() -> s.missing("relay-url", ""));
    try {
      relay = URI.create(relayText.endsWith("/") ? relayText : relayText + "/");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("relay-url is not a URL: " + relayText, e);
    }
    return new NodeConfig(
        rpcUrl,
        s.get("ws-url"),
        contracts,
        relay,
        wallet,
        s.path("models-dir").orElse(dataDir.resolve("models")),
        downloads(s, env),
        dataDir,
        gpu,
        inference,
        s.get("webui-host").orElse("127.0.0.1"),
        s.integer("webui-port", 8070),
        Boolean.parseBoolean(s.get("headless").orElse("false")),
        Duration.ofMillis(s.integer("poll-interval-ms", 2000)));
  }

  /** Downloads when {@code cache-dir} is set, with the tokens of the environment. */
  private static Optional<DownloadSettings> downloads(Settings s, Map<String, String> env) {
    Optional<Path> cache = s.path("cache-dir");
    if (cache.isEmpty()) {
      return Optional.empty();
    }
    DownloadSettings settings =
        DownloadSettings.fromEnvironment(
            cache.get(),
            s.number("cache-size-gib", s.get("cache-size-gib").orElse("100"))
                .multiply(BigDecimal.valueOf(1L << 30))
                .longValue(),
            Boolean.parseBoolean(s.get("offline").orElse("false")),
            env);
    return Optional.of(
        s.get("hf-endpoint").map(URI::create).map(settings::withHfEndpoint).orElse(settings));
  }

  private static String readSecret(Path file, String key) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException(key + " " + file + " cannot be read: " + e.getMessage());
    }
  }

  /** The file's keys with their environment overrides; values are stripped, blank means unset. */
  private record Settings(Properties file, Map<String, String> env, Path base) {
    static String variable(String key) {
      return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    Optional<String> get(String key) {
      String fromEnv = env.get(variable(key));
      String v = fromEnv != null && !fromEnv.isBlank() ? fromEnv : file.getProperty(key);
      return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    Optional<Path> path(String key) {
      return get(key).map(v -> base.resolve(v).normalize());
    }

    int integer(String key, int fallback) {
      return get(key).map(v -> number(key, v).intValueExact()).orElse(fallback);
    }

    BigDecimal number(String key, String v) {
      try {
        return new BigDecimal(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a number, was '" + v + "'");
      }
    }

    <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) {
      Optional<String> v = get(key);
      if (v.isEmpty()) {
        return fallback;
      }
      for (E constant : type.getEnumConstants()) {
        if (constant.name().equalsIgnoreCase(v.get())) {
          return constant;
        }
      }
      throw new IllegalArgumentException(
          key
              + " must be one of "
              + Arrays.stream(type.getEnumConstants())
                  .map(c -> c.name().toLowerCase(Locale.ROOT))
                  .collect(Collectors.joining(", "))
              + ", was '"
              + v.get()
              + "'");
    }

    IllegalArgumentException missing(String key, String alternative) {
      return new IllegalArgumentException(
          "node setting "
              + key
              + alternative
              + " is missing (config file or "
              + variable(key)
              + ")");
    }
  }
}
