package network.hydrogen.engine.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * Reads the fields of a diffusers/transformers {@code config.json} with the library's defaults,
 * naming the file and the field in every error.
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

  static ConfigJson read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(file, "is not valid JSON: " + e.getMessage());
    }
    return new ConfigJson(root, file.toString());
  }

  static ConfigJson parse(String json, String source) {
    try {
      return new ConfigJson(JSON.readTree(json), source);
    } catch (IOException e) {
      throw new ModelFormatException(source + " is not valid JSON: " + e.getMessage());
    }
  }

  String source() {
    return source;
  }

  private JsonNode field(String name) {
    JsonNode node = root.get(name);
    return node == null || node.isNull() ? null : node;
  }

  boolean has(String name) {
    return field(name) != null;
  }

  ModelFormatException error(String field, String problem) {
    return new ModelFormatException(source + ": " + field + " " + problem);
  }

  int integer(String name, int fallback) {
    JsonNode node = field(name);
    if (node == null) {
      return fallback;
    }
    if (!node.canConvertToExactIntegral() || !node.canConvertToInt()) {
      throw error(name, "must be an integer, not " + node);
    }
    return node.intValue();
  }

  int requiredInteger(String name) {
    if (!has(name)) {
      throw error(name, "is missing");
    }
    return integer(name, 0);
  }

  /** A nullable integer field. */
  Integer optionalInteger(String name) {
    return has(name) ? integer(name, 0) : null;
  }

  double number(String name, double fallback) {
    JsonNode node = field(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isNumber()) {
      throw error(name, "must be a number, not " + node);
    }
    return node.doubleValue();
  }

  boolean bool(String name, boolean fallback) {
    JsonNode node = field(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw error(name, "must be true or false, not " + node);
    }
    return node.booleanValue();
  }

  /** A nullable string field. */
  String string(String name, String fallback) {
    JsonNode node = field(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isTextual()) {
      throw error(name, "must be a string, not " + node);
    }
    return node.textValue();
  }

  List<String> strings(String name) {
    JsonNode node = field(name);
    if (node == null || !node.isArray()) {
      throw error(name, "must be a list of strings");
    }
    List<String> values = new ArrayList<>();
    for (JsonNode element : node) {
      if (!element.isTextual()) {
        throw error(name, "must be a list of strings, not " + node);
      }
      values.add(element.textValue());
    }
    return List.copyOf(values);
  }

  /**
   * An integer-or-list field (diffusers accepts one value for all blocks or one per block) as one
   * value per block; {@code fallback} applies when the field is absent.
   */
  List<Integer> perBlock(String name, int blocks, Integer fallback) {
    JsonNode node = field(name);
    if (node == null) {
      if (fallback == null) {
        throw error(name, "is missing");
      }
      return Collections.nCopies(blocks, fallback);
    }
    if (node.isArray()) {
      if (node.size() != blocks) {
        throw error(name, "has " + node.size() + " values for " + blocks + " blocks");
      }
      List<Integer> values = new ArrayList<>();
      for (JsonNode element : node) {
        if (!element.canConvertToExactIntegral()) {
          throw error(name, "must hold integers, not " + node);
        }
        values.add(element.intValue());
      }
      return List.copyOf(values);
    }
    return Collections.nCopies(blocks, integer(name, 0));
  }

  List<Integer> integers(String name) {
    JsonNode node = field(name);
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw error(name, "must be a non-empty list of integers");
    }
    List<Integer> values = new ArrayList<>();
    for (JsonNode element : node) {
      if (!element.canConvertToExactIntegral()) {
        throw error(name, "must hold integers, not " + node);
      }
      values.add(element.intValue());
    }
    return List.copyOf(values);
  }

  /** Fails when a field that selects a variant this engine does not build is set. */
  void requireUnset(String name, String why) {
    JsonNode node = field(name);
    if (node != null && !isFalse(node)) {
      throw error(name, "= " + node + " is not supported: " + why);
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

  /** Fails when a field is set to something other than the one value this engine builds. */
  void requireValue(String name, String expected) {
    String value = string(name, expected);
    if (!value.equals(expected)) {
      throw error(name, "= \"" + value + "\" is not supported (only \"" + expected + "\")");
    }
  }
}
