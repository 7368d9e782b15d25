package network.hydrogen.engine.library;

import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file name of a {@code Content-Disposition} header, as Civitai and signed CDN URLs send it:
 * RFC 6266's {@code filename*=UTF-8''...} (RFC 5987, percent-encoded) preferred over {@code
 * filename="..."} or a bare {@code filename=...}.
 */
final class ContentDisposition {

  private static final Pattern EXTENDED =
      Pattern.compile("(?i)filename\\*\\s*=\\s*([^';]+)'[^']*'([^;\\s]+)");
  private static final Pattern QUOTED =
      Pattern.compile("(?i)filename\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern BARE = Pattern.compile("(?i)filename\\s*=\\s*([^;\"\\s]+)");

  private ContentDisposition() {}

  /** The file name {@code header} gives, if it gives one. */
  static Optional<String> fileName(String header) {
    Matcher extended = EXTENDED.matcher(header);
    if (extended.find()) {
      try {
        Charset charset = Charset.forName(extended.group(1).strip());
        return nonEmpty(URLDecoder.decode(extended.group(2).replace("+", "%2B"), charset));
      } catch (IllegalArgumentException e) {
        // an unknown charset or bad escape: fall back to the plain file name
      }
    }
    Matcher quoted = QUOTED.matcher(header);
    if (quoted.find()) {
      return nonEmpty(quoted.group(1).replaceAll("\\\\(.)", "$1"));
    }
    Matcher bare = BARE.matcher(header);
    if (bare.find()) {
      return nonEmpty(bare.group(1));
    }
    return Optional.empty();
  }

  private static Optional<String> nonEmpty(String name) {
    return name.isBlank() ? Optional.empty() : Optional.of(name);
  }
}
