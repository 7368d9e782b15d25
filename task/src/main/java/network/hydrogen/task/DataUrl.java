package network.hydrogen.task;

import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Base64 image data URLs ({@code data:image/png;base64,iVBORw0...}), as tasks carry images. */
final class DataUrl {
  private DataUrl() {}

  private static final String PREFIX = "^data:image/[A-Za-z0-9.+-]+;base64,";
  private static final Pattern PREFIX_PATTERN = Pattern.compile(PREFIX);

  /** The rule for a task's image fields: the schema pattern and the full check. */
  static final Spec.Check CHECK =
      new Spec.Check(PREFIX + "[A-Za-z0-9+/]+={0,2}$", DataUrl::problem);

  /** What is wrong with the data URL, or null when it holds base64 data of a known image type. */
  static String problem(String url) {
    String payload = payload(url);
    if (payload == null) {
      return "must be a base64 image data URL (data:image/<type>;base64,<data>), was "
          + FormatChecker.describe(url);
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(payload);
    } catch (IllegalArgumentException e) {
      return "has invalid base64 data (" + e.getMessage() + ")";
    }
    if (data.length == 0) {
      return "has no image data";
    }
    if (!isKnownImage(data)) {
      return "does not hold a PNG, JPEG, WebP, GIF, BMP or TIFF image";
    }
    return null;
  }

  /** The bytes a data URL holds; call only on a URL that passed {@link #problem}. */
  static byte[] decode(String url) {
    String payload = payload(url);
    if (payload == null) {
      throw new IllegalArgumentException("not a base64 image data URL");
    }
    return Base64.getDecoder().decode(payload);
  }

  /** The base64 text after the {@code data:image/...;base64,} prefix, or null without one. */
  private static String payload(String url) {
    Matcher prefix = PREFIX_PATTERN.matcher(url);
    return prefix.lookingAt() ? url.substring(prefix.end()) : null;
  }

  private static boolean isKnownImage(byte[] data) {
    return startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)
        || startsWith(data, 0, 0xFF, 0xD8, 0xFF)
        || (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P'))
        || startsWith(data, 0, 'G', 'I', 'F', '8')
        || startsWith(data, 0, 'B', 'M')
        || startsWith(data, 0, 'I', 'I', 42, 0)
        || startsWith(data, 0, 'M', 'M', 0, 42);
  }

  private static boolean startsWith(byte[] data, int offset, int... signature) {
    if (data.length < offset + signature.length) {
      return false;
    }
    for (int i = 0; i < signature.length; i++) {
      if ((data[offset + i] & 0xFF) != signature[i]) {
        return false;
      }
    }
    return true;
  }
}
