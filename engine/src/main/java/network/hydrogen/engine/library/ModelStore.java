package network.hydrogen.engine.library;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a task names, from the local models folder first, then from the download cache, then
 * downloaded into the cache (unless offline): Hugging Face repos from the configured hub (only the
 * files a diffusers pipeline, component or adapter needs, of the task's weights variant), and file
 * download URLs such as Civitai's. Downloads resume, retry, are checked and show progress (see
 * {@link FileDownloader}); the cache keeps to its size bound (see {@link ModelCache}).
 *
 * <p>Models are used through a {@link Lease}: what a lease located stays in the cache until it is
 * closed. HTTP goes through {@link ProxySelector#getDefault()}, so the JVM's proxy properties
 * ({@code -Dhttps.proxyHost}, {@code -Dhttps.proxyPort}) apply. One process at a time should use a
 * cache folder.
 */
public final class ModelStore {

  private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CIVITAI_DOWNLOAD = Pattern.compile("/api/download/models/(\\d+)");
  private static final Pattern REPO_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

  private final Optional<ModelLibrary> library;
  private final DownloadSettings settings;
  private final ModelCache cache;
  private final FileDownloader downloader;

  /**
   * @param library the local models folder, looked in first, if there is one
   * @param listener told of each file's download progress
   */
  public ModelStore(
      Optional<ModelLibrary> library, DownloadSettings settings, DownloadListener listener) {
    this(library, settings, listener, Duration.ofSeconds(60));
  }

  /** A store whose downloads give a try up after {@code stallTimeout} without data. */
  ModelStore(
      Optional<ModelLibrary> library,
      DownloadSettings settings,
      DownloadListener listener,
      Duration stallTimeout) {
    this.library = library;
    this.settings = settings;
    this.cache = new ModelCache(settings.cache(), settings.cacheBytes());
    HttpClient http =
        HttpClient.newBuilder()
            .proxy(ProxySelector.getDefault())
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    this.downloader = new FileDownloader(http, settings, listener, stallTimeout);
  }

  /** A lease on the models it locates: they stay in the cache until it is closed. */
  public Lease lease() {
    return new Lease();
  }

  /**
   * The models of one use (a task): a {@link ModelSource} whose models are kept from cache eviction
   * until it is closed.
   */
  public final class Lease implements ModelSource, AutoCloseable {

    private final Set<Path> pinned = new HashSet<>();

    private Lease() {}

    @Override
    public Path locate(ModelKind kind, String name, Optional<String> variant, String fileName)
        throws IOException {
      return ModelStore.this.locate(kind, name, variant, fileName, this);
    }

    @Override
    public Path annotator(String fileName) {
      return library
          .orElseThrow(
              () ->
                  new ModelNotFoundException(
                      "the annotator model "
                          + ANNOTATORS
                          + "/"
                          + fileName
                          + " needs a models folder, and this node has none (annotators are not"
                          + " downloaded; tools/annotators/ exports them from lllyasviel/Annotators'"
                          + " checkpoints)"))
          .annotator(fileName);
    }

    private void pin(Path entry) {
      synchronized (pinned) {
        if (pinned.add(entry)) {
          cache.pin(entry);
        }
      }
    }

    @Override
    public void close() {
      synchronized (pinned) {
        pinned.forEach(cache::unpin);
        pinned.clear();
      }
    }
  }

  private synchronized Path locate(
      ModelKind kind, String name, Optional<String> variant, String fileName, Lease lease)
      throws IOException {
    if (library.isPresent()) {
      Optional<Path> local = library.get().find(name);
      if (local.isPresent()) {
        return local.get();
      }
    }
    if (name.startsWith("http://") || name.startsWith("https://")) {
      return fromUrl(kind, name, lease);
    }
    if (!REPO_ID.matcher(name).matches() || name.contains("..")) {
      throw new ModelNotFoundException(
          notHere(kind, name) + "; it is neither a Hugging Face repo id (org/name) nor a URL");
    }
    return fromHub(kind, name, variant, fileName, lease);
  }

  private String notHere(ModelKind kind, String name) {
    String local =
        library
            .map(l -> l.notHere(kind, name))
            .orElse(kind.label() + " " + Urls.shown(name) + " is not in a models folder");
    return local + " nor in the download cache " + cache.root();
  }

  private ModelNotFoundException offline(ModelKind kind, String name, String missing) {
    return new ModelNotFoundException(
        notHere(kind, name)
            + missing
            + ", and downloads are off (offline): run once online or put the model in the models"
            + " folder");
  }

  // ---- Hugging Face ----

  private Path fromHub(
      ModelKind kind, String repo, Optional<String> variant, String fileName, Lease lease)
      throws IOException {
    Path entry = cache.hubEntry(repo);
    lease.pin(entry);
    Path listingFile = ModelCache.records(entry).resolve("listing.json");
    if (!Files.isRegularFile(listingFile)) {
      if (settings.offline()) {
        throw offline(kind, repo, "");
      }
      URI api = endpoint("api/models/" + repo + "/revision/main");
      try {
        downloader.download(
            hubSource(api, kind.label() + " " + repo + " (file list)"),
            listingFile.resolveSibling("listing.json.part"),
            head -> listingFile,
            bytes -> {});
      } catch (ModelNotFoundException e) {
        ModelCache.delete(entry);
        throw new ModelNotFoundException(notHere(kind, repo) + ", and " + e.getMessage());
      }
    }
    JsonNode listing = JSON.readTree(listingFile.toFile());
    String revision = listing.path("sha").asText("main");
    List<String> files = new ArrayList<>();
    listing.path("siblings").forEach(s -> files.add(s.path("rfilename").asText()));
    HubFiles.Layout layout = HubFiles.layout(kind, repo, files, variant, fileName);
    List<String> wanted =
        switch (layout) {
          case HubFiles.Pipeline p -> {
            Path index = hubFile(kind, repo, revision, entry, HubFiles.MODEL_INDEX);
            yield HubFiles.pipelineFiles(repo, JSON.readTree(index.toFile()), files, variant);
          }
          case HubFiles.Component c -> c.files();
          case HubFiles.SingleFile s -> List.of(s.file());
        };
    for (String file : wanted) {
      Path local = hubFile(kind, repo, revision, entry, file);
      if (HubFiles.isWeightIndex(file)) {
        for (String shard : HubFiles.shards(file, JSON.readTree(local.toFile()))) {
          hubFile(kind, repo, revision, entry, shard);
        }
      }
    }
    cache.touch(entry);
    return layout instanceof HubFiles.SingleFile s ? entry.resolve(s.file()) : entry;
  }

  /** The local copy of {@code file} of a repo, downloaded when it is not there yet. */
  private Path hubFile(ModelKind kind, String repo, String revision, Path entry, String file)
      throws IOException {
    Path local = entry.resolve(file).normalize();
    if (!local.startsWith(entry) || local.startsWith(ModelCache.records(entry))) {
      throw new ModelNotFoundException(
          kind.label() + " " + repo + " lists a file outside its folder: " + file);
    }
    if (Files.isRegularFile(local)) {
      return local;
    }
    if (settings.offline()) {
      throw offline(kind, repo, " (the cache lacks its file " + file + ")");
    }
    StringBuilder path = new StringBuilder(repo + "/resolve/" + encode(revision));
    for (String segment : file.split("/")) {
      path.append('/').append(encode(segment));
    }
    return downloader.download(
        hubSource(endpoint(path.toString()), kind.label() + " " + repo + " " + file),
        local.resolveSibling(local.getFileName() + ".part"),
        head -> local,
        cache::makeRoom);
  }

  private URI endpoint(String path) {
    String base = settings.hfEndpoint().toString();
    return URI.create(base.endsWith("/") ? base + path : base + "/" + path);
  }

  private FileDownloader.Source hubSource(URI url, String label) {
    return new FileDownloader.Source(
        url,
        settings.hfToken().map(t -> Map.of("Authorization", "Bearer " + t)).orElse(Map.of()),
        label);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ---- download URLs ----

  private Path fromUrl(ModelKind kind, String name, Lease lease) throws IOException {
    URI url;
    try {
      url = URI.create(name);
    } catch (IllegalArgumentException e) {
      throw new ModelNotFoundException(kind.label() + " " + name + " is no valid URL");
    }
    if (url.getHost() == null) {
      throw new ModelNotFoundException(kind.label() + " " + Urls.redact(url) + " has no host");
    }
    String label = kind.label() + " " + Urls.redact(url);
    Path entry = cache.urlEntry(url);
    lease.pin(entry);
    Path sourceFile = ModelCache.records(entry).resolve("source.json");
    if (Files.isRegularFile(sourceFile)) {
      Path file = entry.resolve(JSON.readTree(sourceFile.toFile()).path("file").asText());
      if (Files.isRegularFile(file) && file.getParent().equals(entry)) {
        cache.touch(entry);
        return file;
      }
    }
    if (settings.offline()) {
      throw offline(kind, name, "");
    }
    String lastSegment = url.getPath() == null ? "" : url.getPath().replaceFirst(".*/", "");
    Path file;
    try {
      file =
          downloader.download(
              new FileDownloader.Source(url, authHeaders(url), label, civitaiHashes(url, entry)),
              ModelCache.records(entry).resolve("download.part"),
              head -> entry.resolve(Urls.safeFileName(head.fileName().orElse(lastSegment))),
              cache::makeRoom);
    } catch (ModelNotFoundException e) {
      ModelCache.delete(entry);
      throw new ModelNotFoundException(notHere(kind, name) + ", and " + e.getMessage());
    }
    ObjectNode source = JSON.createObjectNode();
    source.put("url", Urls.redact(url));
    source.put("file", file.getFileName().toString());
    Files.writeString(sourceFile, JSON.writeValueAsString(source));
    cache.touch(entry);
    return file;
  }

  /**
   * The SHA-256 of the files of a Civitai download URL's model version, by file name, from
   * Civitai's API ({@code /api/v1/model-versions/ID}); none for other URLs or when the API does not
   * answer (the check is optional, the download goes on).
   */
  private Map<String, String> civitaiHashes(URI url, Path entry) throws IOException {
    Matcher version = CIVITAI_DOWNLOAD.matcher(url.getPath() == null ? "" : url.getPath());
    if (!version.matches() || !isCivitai(url)) {
      return Map.of();
    }
    Path file = ModelCache.records(entry).resolve("civitai-version.json");
    try {
      if (!Files.isRegularFile(file)) {
        URI api = settings.civitaiEndpoint().resolve("/api/v1/model-versions/" + version.group(1));
        downloader.download(
            new FileDownloader.Source(
                api, authHeaders(api), "Civitai model version " + version.group(1)),
            file.resolveSibling("civitai-version.json.part"),
            head -> file,
            bytes -> {});
      }
    } catch (ModelNotFoundException | ModelDownloadException e) {
      LOG.info("{}: no SHA-256 to check it by: {}", Urls.redact(url), e.getMessage());
      return Map.of();
    }
    Map<String, String> hashes = new HashMap<>();
    for (JsonNode published : JSON.readTree(file.toFile()).path("files")) {
      String sha256 = published.path("hashes").path("SHA256").asText("");
      if (!sha256.isEmpty()) {
        hashes.put(published.path("name").asText(), sha256.toLowerCase(Locale.ROOT));
      }
    }
    return hashes;
  }

  private boolean isCivitai(URI url) {
    String host = url.getHost().toLowerCase(Locale.ROOT);
    String civitai = settings.civitaiEndpoint().getHost().toLowerCase(Locale.ROOT);
    return (host.equals(civitai) || host.endsWith("." + civitai))
        && Urls.port(url) == Urls.port(settings.civitaiEndpoint());
  }

  /** The token for a download URL's host: Civitai's, or the hub's for the hub's own host. */
  private Map<String, String> authHeaders(URI url) {
    String host = url.getHost().toLowerCase(Locale.ROOT);
    Optional<String> token = Optional.empty();
    if (isCivitai(url)) {
      token = settings.civitaiToken();
    } else if (host.equalsIgnoreCase(settings.hfEndpoint().getHost())
        && Urls.port(url) == Urls.port(settings.hfEndpoint())) {
      token = settings.hfToken();
    }
    return token.map(t -> Map.of("Authorization", "Bearer " + t)).orElse(Map.of());
  }
}
