package network.hydrogen.bridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The keys applications send as {@code Authorization: Bearer KEY}, each with a name that its tasks
 * are stored under (an application sees only its own tasks). Keys are compared in constant time and
 * never logged.
 */
final class ApiKeys {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Map<String, byte[]> secretsByName = new LinkedHashMap<>();

  ApiKeys(Map<String, String> keys, String webKey) {
    keys.forEach((name, secret) -> secretsByName.put(name, bytes(secret)));
    if (webKey != null) {
      secretsByName.put(BridgeConfig.WEB_KEY_NAME, bytes(webKey));
    }
  }

  /** A new random key (32 hex digits). */
  static String randomKey() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Parses {@code name:key,name:key}; names are letters, digits, '-' and '_'.
   *
   * @throws IllegalArgumentException naming the bad entry (by position, never its key)
   */
  static Map<String, String> parse(String text) {
    Map<String, String> keys = new LinkedHashMap<>();
    if (text.isBlank()) {
      return keys;
    }
    String[] entries = text.split(",");
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      int colon = entry.indexOf(':');
      String name = colon < 0 ? "" : entry.substring(0, colon).strip();
      if (!name.matches("[A-Za-z0-9_-]{1,64}") || colon == entry.length() - 1) {
        throw new IllegalArgumentException(
            "api-keys entry " + (i + 1) + " is not name:key (name of letters, digits, - and _)");
      }
      if (keys.put(name, entry.substring(colon + 1).strip()) != null) {
        throw new IllegalArgumentException("api key name " + name + " appears twice");
      }
    }
    return keys;
  }

  /** The name of the key in an {@code Authorization} header, or empty when it is no known key. */
  Optional<String> authenticate(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    byte[] given = bytes(authorization.substring(7).strip());
    String found = null;
    for (var e : secretsByName.entrySet()) {
      if (MessageDigest.isEqual(digest(e.getValue()), digest(given))) {
        found = e.getKey();
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] digest(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 on this JVM", e);
    }
  }
}
