package network.hydrogen.relay;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The relay's settings. Read from a properties file whose keys (e.g. {@code port}) each have an
 * environment variable that overrides them ({@code HYDROGEN_RELAY_PORT}); see docs/relay.md.
 *
 * @param host the address to bind (127.0.0.1 unless configured)
 * @param port the port (0 picks a free one)
 * @param dataDir where the files and the SQLite database live
 * @param rpcUrl the chain's JSON-RPC endpoint
 * @param taskContract the Task contract's address
 * @param maxArgsBytes the largest task args body
 * @param maxImageBytes the largest result image
 * @param maxImages the most images in one result upload
 * @param maxImageSide the widest or tallest image, in pixels
 * @param clockSkew how far a request's timestamp may be from the relay's clock
 * @param retention how long stored args and results are kept
 */
public record RelayConfig(
    String host,
    int port,
    Path dataDir,
    String rpcUrl,
    String taskContract,
    long maxArgsBytes,
    long maxImageBytes,
    int maxImages,
    int maxImageSide,
    Duration clockSkew,
    Duration retention) {
  public RelayConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535: " + port);
    }
    if (maxArgsBytes <= 0 || maxImageBytes <= 0 || maxImages <= 0 || maxImageSide <= 0) {
      throw new IllegalArgumentException("size limits must be positive");
    }
    if (clockSkew.isNegative() || retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("clock skew and retention must be positive");
    }
  }

  /** Defaults for a relay on this machine, storing under {@code dataDir}. */
  public static RelayConfig defaults(Path dataDir, String rpcUrl, String taskContract) {
    return new RelayConfig(
        "127.0.0.1",
        8090,
        dataDir,
        rpcUrl,
        taskContract,
        1 << 20,
        16L << 20,
        16,
        4096,
        Duration.ofSeconds(60),
        Duration.ofDays(7));
  }

  public RelayConfig withPort(int p) {
    return new RelayConfig(
        host,
        p,
        dataDir,
        rpcUrl,
        taskContract,
        maxArgsBytes,
        maxImageBytes,
        maxImages,
        maxImageSide,
        clockSkew,
        retention);
  }

  public RelayConfig withLimits(long argsBytes, long imageBytes, int images, int side) {
    return new RelayConfig(
        host,
        port,
        dataDir,
        rpcUrl,
        taskContract,
        argsBytes,
        imageBytes,
        images,
        side,
        clockSkew,
        retention);
  }

  /** Reads a properties file, each key overridden by its environment variable when set. */
  public static RelayConfig load(Path file, Map<String, String> env) throws IOException {
    Properties p = new Properties();
    if (file != null) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
    }
    Settings s = new Settings(p, env);
    return new RelayConfig(
        s.get("host", "127.0.0.1"),
        Integer.parseInt(s.get("port", "8090")),
        Path.of(s.required("data-dir")),
        s.required("rpc-url"),
        s.required("task-contract"),
        Long.parseLong(s.get("max-args-bytes", "1048576")),
        Long.parseLong(s.get("max-image-bytes", "16777216")),
        Integer.parseInt(s.get("max-images", "16")),
        Integer.parseInt(s.get("max-image-side", "4096")),
        Duration.ofSeconds(Long.parseLong(s.get("clock-skew-seconds", "60"))),
        Duration.ofHours(Long.parseLong(s.get("retention-hours", "168"))));
  }

  private record Settings(Properties file, Map<String, String> env) {
    String get(String key, String fallback) {
      String var = "HYDROGEN_RELAY_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
      String fromEnv = env.get(var);
      if (fromEnv != null && !fromEnv.isBlank()) {
        return fromEnv.strip();
      }
      return file.getProperty(key, fallback);
    }

    String required(String key) {
      String v = get(key, null);
      if (v == null || v.isBlank()) {
        throw new IllegalArgumentException(
            "relay setting "
                + key
                + " is missing (config file or HYDROGEN_RELAY_"
                + key.toUpperCase(Locale.ROOT).replace('-', '_')
                + ")");
      }
      return v.strip();
    }
  }
}
