package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A method's configuration resolved as diffusers' {@code from_config(model_config, **args)} does:
 * the method's defaults, overridden by the fields of the model's {@code scheduler_config.json} that
 * the method knows (others are ignored, as the file may be another method's), overridden by the
 * task's args (which must all be known). Typed getters fail with the field and method named.
 */
final class SchedulerConfig {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String method;
  private final ObjectNode values;

  private SchedulerConfig(String method, ObjectNode values) {
    this.method = method;
    this.values = values;
  }

  static SchedulerConfig resolve(
      String method, String defaultsJson, JsonNode modelConfig, JsonNode args) {
    ObjectNode values;
    try {
      values = (ObjectNode) JSON.readTree(defaultsJson);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("defaults of " + method + " are not JSON", e);
    }
    if (modelConfig != null && !modelConfig.isNull()) {
      if (!modelConfig.isObject()) {
        throw new IllegalArgumentException(
            "scheduler config must be a JSON object: " + modelConfig);
      }
      Set<String> useDefaults = new HashSet<>();
      modelConfig.path("_use_default_values").forEach(name -> useDefaults.add(name.asText()));
      for (Iterator<Map.Entry<String, JsonNode>> it = modelConfig.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (values.has(field.getKey()) && !useDefaults.contains(field.getKey())) {
          values.set(field.getKey(), field.getValue());
        }
      }
    }
    if (args != null && !args.isNull()) {
      if (!args.isObject()) {
        throw new IllegalArgumentException(
            "scheduler args of " + method + " must be a JSON object: " + args);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = args.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (!values.has(field.getKey())) {
          throw new IllegalArgumentException(
              "scheduler arg '"
                  + field.getKey()
                  + "' is not a setting of "
                  + method
                  + "; known settings: "
                  + String.join(", ", (Iterable<String>) values::fieldNames));
        }
        values.set(field.getKey(), field.getValue());
      }
    }
    return new SchedulerConfig(method, values);
  }

  int integer(String name, int min, int max) {
    JsonNode value = values.get(name);
    if (!value.isIntegralNumber() && !(value.isNumber() && value.asDouble() == value.asLong())) {
      throw invalid(name, "an integer");
    }
    if (value.asLong() < min || value.asLong() > max) {
      throw invalid(name, "an integer from " + min + " to " + max);
    }
    return value.asInt();
  }

  double number(String name) {
    JsonNode value = values.get(name);
    if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
      throw invalid(name, "a number");
    }
    return value.asDouble();
  }

  /** A number, or NaN when the field is null (diffusers' None). */
  double optionalNumber(String name) {
    return values.get(name).isNull() ? Double.NaN : number(name);
  }

  boolean bool(String name) {
    JsonNode value = values.get(name);
    if (!value.isBoolean()) {
      throw invalid(name, "true or false");
    }
    return value.asBoolean();
  }

  String choice(String name, List<String> allowed) {
    JsonNode value = values.get(name);
    if (!value.isTextual() || !allowed.contains(value.asText())) {
      throw invalid(name, "one of " + String.join(", ", allowed));
    }
    return value.asText();
  }

  /** A list of numbers, or null when the field is null. */
  float[] optionalFloats(String name) {
    JsonNode value = values.get(name);
    if (value.isNull()) {
      return null;
    }
    if (!value.isArray() || value.isEmpty()) {
      throw invalid(name, "a non-empty list of numbers");
    }
    float[] out = new float[value.size()];
    for (int i = 0; i < out.length; i++) {
      if (!value.get(i).isNumber()) {
        throw invalid(name, "a non-empty list of numbers");
      }
      out[i] = (float) value.get(i).asDouble();
    }
    return out;
  }

  /** Fails unless the field keeps its default: a diffusers option this engine does not offer. */
  void requireDefault(String name, Object defaultValue) {
    JsonNode value = values.get(name);
    JsonNode expected = JSON.valueToTree(defaultValue);
    boolean same =
        value.isNumber() && expected.isNumber()
            ? value.asDouble() == expected.asDouble()
            : value.equals(expected);
    if (!same) {
      throw new IllegalArgumentException(
          method + " setting " + name + "=" + value + " is not supported (only " + expected + ")");
    }
  }

  IllegalArgumentException problem(String message) {
    return new IllegalArgumentException(method + ": " + message);
  }

  private IllegalArgumentException invalid(String name, String expected) {
    return new IllegalArgumentException(
        method + " setting " + name + " must be " + expected + ", got " + values.get(name));
  }
}
