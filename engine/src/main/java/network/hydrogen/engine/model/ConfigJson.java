package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads the fields of one diffusers/transformers {@code config.json}, with the diffusers default
 * where a field is absent or null, and an error naming the file and the field where a value has the
 * wrong type.
 */
final class ConfigJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode root;
  private final String source;

  ConfigJson(JsonNode root, String source) {
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(source + " is not a JSON object");
    }
    this.root = root;
    this.source = source;
  }

  /** Parses a JSON file, naming it in the error when it is missing or malformed. */
  static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(file, "is missing");
    } catch (IOException e) {
      throw new ModelFormatException(file, "is not valid JSON: " + e.getMessage());
    }
  }

  /** Parses a JSON class-path resource of this module. */
  static JsonNode resource(String name) {
    try (InputStream in = ConfigJson.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("unreadable resource " + name, e);
    }
  }

  JsonNode root() {
    return root;
  }

  private JsonNode value(String field) {
    JsonNode node = root.get(field);
    return node == null || node.isNull() ? null : node;
  }

  private ModelFormatException wrong(String field, String expected) {
    return new ModelFormatException(
        source + ": field \"" + field + "\" must be " + expected + ", not " + root.get(field));
  }

  int integer(String field, int fallback) {
    Integer value = optionalInteger(field);
    return value == null ? fallback : value;
  }

  Integer optionalInteger(String field) {
    JsonNode node = value(field);
    if (node == null) {
      return null;
    }
    if (!node.canConvertToExactIntegral() || !node.canConvertToInt()) {
      throw wrong(field, "an integer");
    }
    return node.intValue();
  }

  double number(String field, double fallback) {
    Double value = optionalNumber(field);
    return value == null ? fallback : value;
  }

  Double optionalNumber(String field) {
    JsonNode node = value(field);
    if (node == null) {
      return null;
    }
    if (!node.isNumber()) {
      throw wrong(field, "a number");
    }
    return node.doubleValue();
  }

  boolean bool(String field, boolean fallback) {
    JsonNode node = value(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw wrong(field, "true or false");
    }
    return node.booleanValue();
  }

  String string(String field, String fallback) {
    JsonNode node = value(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isTextual()) {
      throw wrong(field, "a string");
    }
    return node.textValue();
  }

  List<String> strings(String field, List<String> fallback) {
    JsonNode node = value(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isArray()) {
      throw wrong(field, "a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.isTextual()) {
        throw wrong(field, "a list of strings");
      }
      out.add(item.textValue());
    }
    return Collections.unmodifiableList(out);
  }

  List<Integer> integers(String field, List<Integer> fallback) {
    JsonNode node = value(field);
    if (node == null) {
      return fallback;
    }
    if (!node.isArray()) {
      throw wrong(field, "a list of integers");
    }
    return integerList(field, node);
  }

  /**
   * A field that is either one integer for every level or a list with one per level, as diffusers
   * allows for {@code attention_head_dim} and the like; null when absent.
   */
  List<Integer> perLevel(String field, int levels) {
    JsonNode node = value(field);
    if (node == null) {
      return null;
    }
    if (node.isArray()) {
      List<Integer> values = integerList(field, node);
      if (values.size() != levels) {
        throw new ModelFormatException(
            source
                + ": field \""
                + field
                + "\" has "
                + values.size()
                + " values for "
                + levels
                + " levels");
      }
      return values;
    }
    return Collections.nCopies(levels, integer(field, 0));
  }

  private List<Integer> integerList(String field, JsonNode node) {
    List<Integer> out = new ArrayList<>();
    for (JsonNode item : node) {
      if (!item.canConvertToExactIntegral() || !item.canConvertToInt()) {
        throw wrong(field, "an integer or a list of integers");
      }
      out.add(item.intValue());
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Fails when a field that selects a variant the engine does not run is set (to anything but null,
   * false or a list of false).
   */
  void requireUnset(String field, String why) {
    JsonNode node = value(field);
    if (node != null && !isFalse(node)) {
      throw unsupported(field, why);
    }
  }

  private static boolean isFalse(JsonNode node) {
    if (node.isArray()) {
      for (JsonNode element : node) {
        if (!isFalse(element)) {
          return false;
        }
      }
      return true;
    }
    return node.isBoolean() && !node.booleanValue();
  }

  /** Fails when a string field is set to another value than the only one the engine runs. */
  void requireValue(String field, String only) {
    if (!string(field, only).equals(only)) {
      throw unsupported(field, "only \"" + only + "\" is supported");
    }
  }

  ModelFormatException unsupported(String field, String why) {
    return new ModelFormatException(
        source + ": field \"" + field + "\" = " + root.get(field) + " is not supported: " + why);
  }
}
