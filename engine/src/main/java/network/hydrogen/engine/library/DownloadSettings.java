package network.hydrogen.engine.library;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How a {@link ModelStore} downloads: its cache folder and size bound, offline mode, the Hugging
 * Face endpoint, the API tokens, and how often and how patiently a failed download is retried.
 *
 * @param cache the cache folder, created when needed
 * @param cacheBytes the most bytes the cache keeps; least recently used models are removed beyond
 *     it (a model in use stays, even when it alone is larger)
 * @param offline whether to use only the models folder and the cache, never the network
 * @param hfEndpoint the Hugging Face hub, {@code https://huggingface.co} or a mirror
 * @param hfToken a Hugging Face access token, sent only to the hub's own host
 * @param civitaiToken a Civitai API token, sent only to the Civitai host and its subdomains
 * @param civitaiEndpoint Civitai, {@code https://civitai.com}: its host gets the Civitai token
 * @param attempts how many times a file download is tried before it fails (at least 1)
 * @param backoff the wait before the second try; it doubles for each further one, up to a minute
 */
public record DownloadSettings(
    Path cache,
    long cacheBytes,
    boolean offline,
    URI hfEndpoint,
    Optional<String> hfToken,
    Optional<String> civitaiToken,
    URI civitaiEndpoint,
    int attempts,
    Duration backoff) {

  /** The public Hugging Face hub. */
  public static final URI HUGGING_FACE = URI.create("https://huggingface.co");

  /** Civitai. */
  public static final URI CIVITAI = URI.create("https://civitai.com");

  /** The default cache bound: 100 GiB. */
  public static final long DEFAULT_CACHE_BYTES = 100L << 30;

  public DownloadSettings {
    if (cacheBytes <= 0) {
      throw new IllegalArgumentException("the cache size must be positive, not " + cacheBytes);
    }
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
    }
    requireHttp("the Hugging Face endpoint", hfEndpoint);
    requireHttp("the Civitai endpoint", civitaiEndpoint);
    hfToken = hfToken.filter(t -> !t.isBlank());
    civitaiToken = civitaiToken.filter(t -> !t.isBlank());
  }

  /**
   * Settings for the cache folder {@code cache} with the endpoint and tokens of the environment:
   * {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code CIVITAI_TOKEN}; 5 tries, 1 s backoff.
   */
  public static DownloadSettings fromEnvironment(
      Path cache, long cacheBytes, boolean offline, Map<String, String> env) {
    String endpoint = env.get("HF_ENDPOINT");
    return new DownloadSettings(
        cache,
        cacheBytes,
        offline,
        endpoint == null || endpoint.isBlank() ? HUGGING_FACE : URI.create(endpoint.strip()),
        Optional.ofNullable(env.get("HF_TOKEN")),
        Optional.ofNullable(env.get("CIVITAI_TOKEN")),
        CIVITAI,
        5,
        Duration.ofSeconds(1));
  }

  /** These settings with another Hugging Face endpoint. */
  public DownloadSettings withHfEndpoint(URI endpoint) {
    return new DownloadSettings(
        cache,
        cacheBytes,
        offline,
        endpoint,
        hfToken,
        civitaiToken,
        civitaiEndpoint,
        attempts,
        backoff);
  }

  /** These settings with another Civitai endpoint (whose host gets the Civitai token). */
  public DownloadSettings withCivitaiEndpoint(URI endpoint) {
    return new DownloadSettings(
        cache, cacheBytes, offline, hfEndpoint, hfToken, civitaiToken, endpoint, attempts, backoff);
  }

  /** These settings with other retry attempts and backoff. */
  public DownloadSettings withRetries(int attempts, Duration backoff) {
    return new DownloadSettings(
        cache,
        cacheBytes,
        offline,
        hfEndpoint,
        hfToken,
        civitaiToken,
        civitaiEndpoint,
        attempts,
        backoff);
  }

  private static void requireHttp(String what, URI url) {
    String scheme = url.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || url.getHost() == null) {
      throw new IllegalArgumentException(what + " must be an http(s) URL, not " + url);
    }
  }

  @Override
  public String toString() {
    return "DownloadSettings[cache="
        + cache
        + ", cacheBytes="
        + cacheBytes
        + ", offline="
        + offline
        + ", hfEndpoint="
        + hfEndpoint
        + ", hfToken="
        + (hfToken.isPresent() ? "(set)" : "(none)")
        + ", civitaiToken="
        + (civitaiToken.isPresent() ? "(set)" : "(none)")
        + ", civitaiEndpoint="
        + civitaiEndpoint
        + ", attempts="
        + attempts
        + ", backoff="
        + backoff
        + "]";
  }
}
