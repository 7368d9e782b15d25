package network.hydrogen.engine.library;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A Hugging Face hub and a Civitai on 127.0.0.1 for tests: the repo API, {@code resolve} URLs that
 * answer LFS files ({@code .safetensors}) with a 302 to a CDN path and the SHA-256 in {@code
 * X-Linked-Etag}, Civitai download URLs that redirect to a file with a {@code Content-Disposition},
 * {@code Range} requests, and faults on demand: a connection dropped after some bytes, a corrupt
 * body, a range ignored, an error status.
 */
final class FakeHub implements AutoCloseable {

  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  /** A request the hub saw: its path and the headers that matter to the tests. */
  record Seen(String path, String range, String authorization) {}

  private final HttpServer server;
  private final HttpServer cdn;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, Map<String, byte[]>> repos = new ConcurrentHashMap<>();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Civitai> civitai = new ConcurrentHashMap<>();
  private final Map<String, String> dispositions = new ConcurrentHashMap<>();
  private final Map<String, byte[]> civitaiVersions = new ConcurrentHashMap<>();
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

  /** Requests of a path ending like this are cut after {@link #dropAfter} bytes, so many times. */
  volatile String dropSuffix = "";

  volatile long dropAfter;
  final AtomicInteger drops = new AtomicInteger();

  /** Whether a drop stalls (sends nothing for ten seconds) instead of closing the connection. */
  volatile boolean stall;

  /** Whether the CDN flips a byte of every file it serves. */
  volatile boolean corrupt;

  /** Whether the CDN ignores {@code Range} and sends the whole file (200). */
  volatile boolean ignoreRange;

  /** A status every request of a path ending like this gets, or 0. */
  volatile String failSuffix = "";

  volatile int failStatus;

  /** The bearer token the hub and Civitai demand, or null for none. */
  volatile String requiredToken;

  private record Civitai(byte[] content, String disposition) {}

  FakeHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
    cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cdn.createContext("/", this::handle);
    cdn.setExecutor(threads);
    cdn.start();
  }

  /** The CDN: another origin (port), so it must get no token. */
  private String cdnEndpoint() {
    return "http://127.0.0.1:" + cdn.getAddress().getPort();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Serves the files of {@code folder} as the repo {@code repo}. */
  void addRepo(String repo, Path folder) throws IOException {
    addRepo(repo, files(folder));
  }

  /** The files of {@code folder} by their paths in it, with {@code /} separators. */
  static Map<String, byte[]> files(Path folder) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.put(folder.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
      }
    }
    return files;
  }

  void addRepo(String repo, Map<String, byte[]> files) {
    repos.put(repo, new LinkedHashMap<>(files));
    files.values().forEach(content -> blobs.put(sha256(content), content));
  }

  /** Serves {@code content} at {@code /api/download/models/{id}} with this Content-Disposition. */
  void addCivitai(String id, byte[] content, String disposition) {
    civitai.put(id, new Civitai(content, disposition));
    blobs.put(sha256(content), content);
    dispositions.put(sha256(content), disposition);
  }

  /** Publishes the SHA-256 of the Civitai model version {@code id}'s file {@code name}. */
  void publishCivitaiHash(String id, String name, byte[] content) {
    civitaiVersions.put(
        id,
        utf8(
            "{\"id\": "
                + id
                + ", \"files\": [{\"name\": \""
                + name
                + "\", \"hashes\": {\"SHA256\": \""
                + sha256(content).toUpperCase(java.util.Locale.ROOT)
                + "\"}}]}"));
  }

  List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  List<Seen> seen(String pathPart) {
    return seen().stream().filter(s -> s.path().contains(pathPart)).toList();
  }

  void clearSeen() {
    seen.clear();
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      seen.add(new Seen(path, exchange.getRequestHeaders().getFirst("Range"), authorization));
      if (!failSuffix.isEmpty() && path.endsWith(failSuffix)) {
        exchange.getResponseHeaders().add("X-Error-Code", "Busy");
        exchange.sendResponseHeaders(failStatus, -1);
        return;
      }
      boolean cdn = path.startsWith("/cdn/");
      if (!cdn && requiredToken != null && !("Bearer " + requiredToken).equals(authorization)) {
        exchange.getResponseHeaders().add("X-Error-Code", "GatedRepo");
        exchange.sendResponseHeaders(authorization == null ? 401 : 403, -1);
        return;
      }
      if (path.startsWith("/api/v1/model-versions/")) {
        byte[] version = civitaiVersions.get(path.substring("/api/v1/model-versions/".length()));
        if (version == null) {
          exchange.sendResponseHeaders(404, -1);
        } else {
          send(exchange, path, version);
        }
      } else if (path.startsWith("/api/models/")) {
        listing(exchange, path.substring("/api/models/".length()));
      } else if (cdn) {
        String name = path.substring("/cdn/".length());
        byte[] content = blobs.get(name.replaceFirst("/.*", ""));
        if (content == null) {
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        if (name.contains("/")) {
          exchange
              .getResponseHeaders()
              .add(
                  "Content-Disposition",
                  dispositions.getOrDefault(name.replaceFirst("/.*", ""), "attachment"));
        }
        exchange.getResponseHeaders().add("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\"");
        send(exchange, path, corrupt ? flipped(content) : content);
      } else if (path.startsWith("/api/download/models/")) {
        Civitai file = civitai.get(path.substring("/api/download/models/".length()));
        if (file == null) {
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        exchange
            .getResponseHeaders()
            .add(
                "Location",
                cdnEndpoint() + "/cdn/" + sha256(file.content()) + "/file?X-Amz-Signature=abc");
        exchange.sendResponseHeaders(307, -1);
      } else {
        resolve(exchange, path);
      }
    } catch (IOException | RuntimeException e) {
      // a dropped connection or a client gone: nothing to answer
    }
  }

  private void listing(HttpExchange exchange, String rest) throws IOException {
    String repo = rest.replaceFirst("/revision/.*", "");
    Map<String, byte[]> files = repos.get(repo);
    if (files == null) {
      exchange.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
      exchange.getResponseHeaders().add("X-Error-Message", "Repository not found");
      exchange.sendResponseHeaders(404, -1);
      return;
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode body = json.createObjectNode();
    body.put("id", repo);
    body.put("sha", COMMIT);
    ArrayNode siblings = body.putArray("siblings");
    files.keySet().forEach(name -> siblings.addObject().put("rfilename", name));
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    send(exchange, rest, json.writeValueAsBytes(body));
  }

  private void resolve(HttpExchange exchange, String path) throws IOException {
    int at = path.indexOf("/resolve/");
    Map<String, byte[]> files = at < 0 ? null : repos.get(path.substring(1, at));
    String rest = at < 0 ? "" : path.substring(at + "/resolve/".length());
    String file = rest.substring(rest.indexOf('/') + 1);
    byte[] content = files == null ? null : files.get(file);
    if (content == null) {
      exchange.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
      exchange.sendResponseHeaders(404, -1);
      return;
    }
    exchange.getResponseHeaders().add("X-Repo-Commit", COMMIT);
    if (file.endsWith(".safetensors")) {
      exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(content) + "\"");
      exchange.getResponseHeaders().add("X-Linked-Size", Long.toString(content.length));
      exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef01234567\"");
      exchange.getResponseHeaders().add("Location", cdnEndpoint() + "/cdn/" + sha256(content));
      exchange.sendResponseHeaders(302, -1);
      return;
    }
    exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef01234567\"");
    send(exchange, path, content);
  }

  /** Sends {@code content} or the range asked for, cut short when a drop is due. */
  private void send(HttpExchange exchange, String path, byte[] content) throws IOException {
    long start = 0;
    String range = exchange.getRequestHeaders().getFirst("Range");
    if (range != null && !ignoreRange && range.startsWith("bytes=")) {
      start = Long.parseLong(range.substring(6, range.indexOf('-')));
      if (start >= content.length) {
        exchange.sendResponseHeaders(416, -1);
        return;
      }
      exchange
          .getResponseHeaders()
          .add(
              "Content-Range",
              "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
    }
    int length = content.length - (int) start;
    exchange.sendResponseHeaders(start > 0 ? 206 : 200, length);
    boolean drop = !dropSuffix.isEmpty() && path.endsWith(dropSuffix) && drops.get() > 0;
    OutputStream out = exchange.getResponseBody();
    if (drop) {
      drops.decrementAndGet();
      out.write(content, (int) start, (int) Math.min(dropAfter, length));
      out.flush();
      if (stall) {
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      throw new UncheckedIOException(new IOException("dropped on purpose"));
    }
    out.write(content, (int) start, length);
    out.close();
  }

  private static byte[] flipped(byte[] content) {
    byte[] copy = content.clone();
    copy[copy.length / 2] ^= 1;
    return copy;
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
    cdn.stop(0);
    threads.shutdownNow();
  }
}
