package network.hydrogen.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a JSON tree in the JSON Canonicalization Scheme (RFC 8785): object keys sorted by UTF-16
 * code units, no whitespace, strings with the minimal escapes of ECMAScript's JSON.stringify, and
 * numbers as ECMAScript writes a double (shortest round-trip digits; {@code 7.0} is {@code 7}).
 */
final class CanonicalJson {
  private CanonicalJson() {}

  static String write(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        Map<String, JsonNode> sorted = new TreeMap<>();
        node.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> entry : sorted.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          out.append(string(entry.getKey())).append(':');
          write(entry.getValue(), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> out.append(string(node.textValue()));
      case NUMBER -> out.append(number(node.doubleValue()));
      case BOOLEAN, NULL -> out.append(node.toString());
      default -> throw new IllegalArgumentException("not JSON data: " + node.getNodeType());
    }
  }

  /** A string literal with JSON.stringify's escapes: quote, backslash and control characters. */
  static String string(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /**
   * A finite double as ECMAScript's Number.prototype.toString writes it (RFC 8785, section
   * 3.2.2.3). Java's Double.toString gives the same shortest digits since JDK 19, but for the case
   * below; the layout differs.
   */
  static String number(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("not a finite number: " + value);
    }
    if (value == 0) {
      return "0";
    }
    BigDecimal decimal = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
    // Java writes two digits where one would do but is farther (4.9e-324 for 5e-324).
    BigDecimal oneDigit = decimal.round(new MathContext(1, RoundingMode.HALF_EVEN));
    if (decimal.precision() == 2 && oneDigit.doubleValue() == Math.abs(value)) {
      decimal = oneDigit.stripTrailingZeros();
    }
    String digits = decimal.unscaledValue().toString();
    int k = digits.length();
    int n = k - decimal.scale(); // value = 0.digits * 10^n
    StringBuilder out = new StringBuilder(value < 0 ? "-" : "");
    if (k <= n && n <= 21) {
      out.append(digits).append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      out.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.").append("0".repeat(-n)).append(digits);
    } else {
      int exponent = n - 1;
      out.append(digits.charAt(0));
      if (k > 1) {
        out.append('.').append(digits, 1, k);
      }
      out.append('e').append(exponent > 0 ? "+" : "-").append(Math.abs(exponent));
    }
    return out.toString();
  }
}
