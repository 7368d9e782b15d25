package network.hydrogen.engine.library;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one file resumably: into a {@code .part} file that a later try continues with a {@code
 * Range} request (whether the connection dropped or the process was killed), retried with a
 * doubling backoff, checked against the SHA-256 the server publishes, and renamed into place only
 * when complete. Redirects are followed here, so that a token goes only to the host it is for.
 */
final class FileDownloader {

  private static final Logger LOG = LoggerFactory.getLogger(FileDownloader.class);
  private static final int MAX_REDIRECTS = 10;
  private static final long PROGRESS_STEP = 256 * 1024;
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  /** Closes the body of a download that stalls: HttpClient has no read timeout of its own. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "download-watchdog");
            thread.setDaemon(true);
            return thread;
          });

  private final HttpClient http;
  private final DownloadSettings settings;
  private final DownloadListener listener;
  private final Duration stallTimeout;

  /**
   * @param stallTimeout how long a body may send nothing before the try is given up (and resumed)
   */
  FileDownloader(
      HttpClient http,
      DownloadSettings settings,
      DownloadListener listener,
      Duration stallTimeout) {
    this.http = http;
    this.settings = settings;
    this.listener = listener;
    this.stallTimeout = stallTimeout;
  }

  /**
   * A request: where from, with which headers for its own host, what to call it, and the SHA-256 of
   * the files it may give by their names, where the source publishes them apart (Civitai).
   */
  record Source(
      URI url, Map<String, String> authHeaders, String label, Map<String, String> sha256ByName) {

    Source(URI url, Map<String, String> authHeaders, String label) {
      this(url, authHeaders, label, Map.of());
    }
  }

  /** Makes room in the cache for bytes about to be written. */
  @FunctionalInterface
  interface Room {
    void reserve(long bytes) throws IOException;
  }

  /**
   * What the server said of the file before its body: the file name of its {@code
   * Content-Disposition}, and the SHA-256 the source publishes for it (a Hugging Face hub for an
   * LFS file, Civitai by file name).
   */
  record Head(Optional<String> fileName, Optional<String> sha256) {}

  /**
   * Downloads {@code source} through {@code part} to the file {@code target} names once the
   * response headers are in; {@code room} is told how many more bytes are coming, before they come.
   *
   * @throws ModelNotFoundException when the server says the file does not exist (404)
   * @throws ModelDownloadException when it refuses, keeps failing, or the file is corrupt
   */
  Path download(Source source, Path part, Function<Head, Path> target, Room room)
      throws IOException {
    Files.createDirectories(part.getParent());
    IOException last = null;
    for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
      if (attempt > 1) {
        long wait = Math.min(60_000, settings.backoff().toMillis() << Math.min(attempt - 2, 16));
        LOG.info(
            "{}: try {} of {} in {} ms after: {}",
            source.label(),
            attempt,
            settings.attempts(),
            wait,
            describe(last));
        sleep(wait);
      }
      try {
        return attempt(source, part, target, room);
      } catch (ModelDownloadException | InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new ModelDownloadException(
        source.label()
            + ": the download from "
            + Urls.redact(source.url())
            + " failed "
            + settings.attempts()
            + " times, last: "
            + describe(last)
            + ". What was downloaded is kept in "
            + part
            + " and the next try continues it; check the network or the proxy"
            + " (-Dhttps.proxyHost, -Dhttps.proxyPort)",
        last);
  }

  private Path attempt(Source source, Path part, Function<Head, Path> target, Room room)
      throws IOException {
    long have = Files.exists(part) ? Files.size(part) : 0;
    Hops hops = open(source, have);
    HttpResponse<InputStream> response = hops.response();
    int status = response.statusCode();
    try (InputStream body = response.body()) {
      long start;
      long total;
      if (status == 206) {
        Matcher range =
            CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
        if (!range.matches() || Long.parseLong(range.group(1)) != have) {
          Files.deleteIfExists(part);
          throw new Retryable(
              "the server resumed at another place than byte "
                  + have
                  + " (Content-Range: "
                  + response.headers().firstValue("Content-Range").orElse("none")
                  + "); starting over");
        }
        start = have;
        total = range.group(3).equals("*") ? -1 : Long.parseLong(range.group(3));
      } else if (status == 200) {
        start = 0;
        total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      } else if (status == 416 && have > 0) {
        Files.deleteIfExists(part);
        throw new Retryable("the server refused to resume at byte " + have + "; starting over");
      } else {
        throw failure(source, hops.url(), status, response.headers());
      }
      Head head =
          new Head(
              hops.fileName(),
              hops.sha256().or(() -> hops.fileName().map(source.sha256ByName()::get)));
      if (total >= 0) {
        room.reserve(total - start);
      }
      long done = copy(body, part, start, total, source.label());
      if (total >= 0 && done != total) {
        throw new Retryable("the connection closed at byte " + done + " of " + total);
      }
      if (head.sha256().isPresent()) {
        verify(source, part, head.sha256().get());
      }
      Path file = target.apply(head);
      Files.createDirectories(file.getParent());
      Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      listener.progress(source.label(), done, done);
      LOG.info("{}: downloaded {} bytes to {}", source.label(), done, file);
      return file;
    }
  }

  /** An exception in words: its message, else its kind. */
  private static String describe(IOException e) {
    return e.getMessage() == null || e.getMessage().isBlank()
        ? e.getClass().getSimpleName()
        : e.getMessage();
  }

  /** The response at the end of the redirects, and what the hops on the way said. */
  private record Hops(
      HttpResponse<InputStream> response,
      URI url,
      Optional<String> fileName,
      Optional<String> sha256) {}

  private Hops open(Source source, long have) throws IOException {
    URI url = source.url();
    Optional<String> fileName = Optional.empty();
    Optional<String> sha256 = Optional.empty();
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(url)
              .timeout(Duration.ofMinutes(2))
              .header("User-Agent", "hydrogen")
              .header("Accept-Encoding", "identity");
      if (sameOrigin(url, source.url())) {
        source.authHeaders().forEach(request::header);
      }
      if (have > 0) {
        request.header("Range", "bytes=" + have + "-");
      }
      HttpResponse<InputStream> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while downloading");
      }
      HttpHeaders headers = response.headers();
      Optional<String> disposition =
          headers.firstValue("Content-Disposition").flatMap(ContentDisposition::fileName);
      if (disposition.isPresent()) {
        fileName = disposition;
      }
      if (sha256.isEmpty()) {
        sha256 = linkedSha256(headers, hop == 0);
      }
      int status = response.statusCode();
      if (status < 300 || status > 399 || status == 304) {
        return new Hops(response, url, fileName, sha256);
      }
      response.body().close();
      Optional<String> location = headers.firstValue("Location");
      if (location.isEmpty() || hop >= MAX_REDIRECTS) {
        throw new ModelDownloadException(
            source.label()
                + ": "
                + Urls.redact(url)
                + " answered HTTP "
                + status
                + (location.isEmpty() ? " without a Location" : " after " + hop + " redirects"));
      }
      url = url.resolve(location.get());
    }
  }

  /**
   * The SHA-256 of an LFS file on a Hugging Face hub: its {@code X-Linked-Etag}, or the {@code
   * ETag} of the hub's own (first) answer when it is 64 hex digits; a CDN's ETag is no SHA-256.
   */
  private static Optional<String> linkedSha256(HttpHeaders headers, boolean firstHop) {
    Optional<String> etag = headers.firstValue("X-Linked-Etag");
    if (etag.isEmpty() && firstHop) {
      etag = headers.firstValue("ETag");
    }
    return etag.map(e -> e.replaceFirst("^W/", "").replace("\"", "").toLowerCase(Locale.ROOT))
        .filter(e -> SHA256.matcher(e).matches());
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && Urls.port(a) == Urls.port(b);
  }

  private long copy(InputStream body, Path part, long start, long total, String label)
      throws IOException {
    long done = start;
    long reported = start;
    listener.progress(label, done, total);
    AtomicLong lastRead = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    long period = Math.max(1, stallTimeout.toMillis() / 4);
    ScheduledFuture<?> watch =
        WATCHDOG.scheduleAtFixedRate(
            () -> {
              if (System.nanoTime() - lastRead.get() > stallTimeout.toNanos()
                  && !stalled.getAndSet(true)) {
                try {
                  body.close();
                } catch (IOException e) {
                  // closing is all it can do
                }
              }
            },
            period,
            period,
            TimeUnit.MILLISECONDS);
    try (OutputStream out =
        Files.newOutputStream(
            part,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            start == 0 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = body.read(buffer)) >= 0; ) {
        lastRead.set(System.nanoTime());
        out.write(buffer, 0, n);
        done += n;
        if (done - reported >= PROGRESS_STEP) {
          listener.progress(label, done, total);
          reported = done;
        }
      }
    } catch (IOException e) {
      if (stalled.get()) {
        throw new Retryable("no data came for " + stallTimeout.toSeconds() + " s at byte " + done);
      }
      throw e;
    } finally {
      watch.cancel(false);
    }
    if (stalled.get()) {
      throw new Retryable("no data came for " + stallTimeout.toSeconds() + " s at byte " + done);
    }
    return done;
  }

  private static void verify(Source source, Path part, String expected) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = Files.newInputStream(part)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(expected)) {
      Files.delete(part);
      throw new ModelDownloadException(
          source.label()
              + " is corrupt: its SHA-256 is "
              + actual
              + " but "
              + Urls.redact(source.url())
              + " publishes "
              + expected
              + "; the file was deleted. Try again; if it fails again the source is broken");
    }
  }

  private static IOException failure(Source source, URI url, int status, HttpHeaders headers) {
    if (status == 404 || status == 410) {
      throw new ModelNotFoundException(
          source.label()
              + ": "
              + Urls.redact(url)
              + " answered HTTP "
              + status
              + errorReason(headers)
              + ": there is no such model or file");
    }
    String where = source.label() + ": " + Urls.redact(url) + " answered HTTP " + status;
    String reason = errorReason(headers);
    return switch (status) {
      case 401, 403 ->
          new ModelDownloadException(
              where
                  + reason
                  + ": it needs an access token with the right to read it (HF_TOKEN for Hugging"
                  + " Face, CIVITAI_TOKEN for Civitai), or its terms accepted on the site");
      case 408, 425, 429, 500, 502, 503, 504 -> new Retryable("HTTP " + status + reason);
      default -> new ModelDownloadException(where + reason);
    };
  }

  /** The hub's own words for an error ({@code X-Error-Message}, {@code X-Error-Code}), if any. */
  private static String errorReason(HttpHeaders headers) {
    return headers
        .firstValue("X-Error-Message")
        .or(() -> headers.firstValue("X-Error-Code"))
        .map(m -> " (" + m + ")")
        .orElse("");
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry a download");
    }
  }

  /** A failure worth another try: a dropped connection, a busy server. */
  private static final class Retryable extends IOException {
    private static final long serialVersionUID = 1L;

    Retryable(String message) {
      super(message);
    }
  }
}
