package network.hydrogen.engine.library;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** URLs as messages and the cache may show them: without tokens, and as safe folder names. */
final class Urls {

  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]+");

  private Urls() {}

  /**
   * {@code url} fit for a message or a log: no user info, and of the query only the parameters that
   * are no credentials ({@code token}, {@code key} and signed-URL parameters are dropped).
   */
  static String redact(URI url) {
    StringBuilder text = new StringBuilder();
    text.append(url.getScheme()).append("://").append(url.getHost());
    if (url.getPort() >= 0) {
      text.append(':').append(url.getPort());
    }
    text.append(url.getRawPath() == null ? "" : url.getRawPath());
    String query = keptQuery(url);
    if (!query.isEmpty()) {
      text.append('?').append(query);
    }
    return text.toString();
  }

  /** A model name fit for a message: a URL {@linkplain #redact redacted}, a repo id as it is. */
  static String shown(String name) {
    if (!name.startsWith("http://") && !name.startsWith("https://")) {
      return name;
    }
    try {
      return redact(URI.create(name));
    } catch (IllegalArgumentException e) {
      return name.replaceFirst("[?#].*", "");
    }
  }

  /** The URL's port, or its scheme's default. */
  static int port(URI url) {
    if (url.getPort() >= 0) {
      return url.getPort();
    }
    return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
  }

  /**
   * A folder name for the download {@code url} (without credentials): its host and path in safe
   * characters, short enough for any file system, with a hash of the whole URL to keep it unique.
   */
  static String folderName(URI url) {
    String redacted = redact(url);
    String readable = UNSAFE.matcher(url.getHost() + url.getPath()).replaceAll("-");
    if (readable.length() > 80) {
      readable = readable.substring(readable.length() - 80);
    }
    return readable + "-" + sha256(redacted).substring(0, 12);
  }

  /** A file name made safe: no separators or control characters, not hidden, at most 120 long. */
  static String safeFileName(String name) {
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    String safe = UNSAFE.matcher(base).replaceAll("_").replaceFirst("^[._]+", "");
    if (safe.length() > 120) {
      int dot = safe.lastIndexOf('.');
      String ext = dot > 0 && safe.length() - dot <= 20 ? safe.substring(dot) : "";
      safe = safe.substring(0, 120 - ext.length()) + ext;
    }
    return safe.isEmpty() ? "model" : safe;
  }

  private static String keptQuery(URI url) {
    String query = url.getRawQuery();
    if (query == null) {
      return "";
    }
    StringBuilder kept = new StringBuilder();
    for (String parameter : query.split("&")) {
      String key = parameter.split("=", 2)[0].toLowerCase(Locale.ROOT);
      boolean secret =
          key.equals("token")
              || key.contains("key")
              || key.contains("signature")
              || key.contains("credential")
              || key.startsWith("x-amz-")
              || key.equals("policy")
              || key.equals("expires");
      if (!secret && !parameter.isEmpty()) {
        kept.append(kept.isEmpty() ? "" : "&").append(parameter);
      }
    }
    return kept.toString();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
