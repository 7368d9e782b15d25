package network.hydrogen.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.hydrogen.task.Spec.Bool;
import network.hydrogen.task.Spec.Field;
import network.hydrogen.task.Spec.Int;
import network.hydrogen.task.Spec.Method;
import network.hydrogen.task.Spec.Num;
import network.hydrogen.task.Spec.Obj;
import network.hydrogen.task.Spec.Str;

/**
 * Checks a JSON tree against a {@link Spec} and builds its canonical tree at the same time: every
 * default filled in, optional values left out when not given, integers as longs and other numbers
 * as doubles. Collects every error instead of stopping at the first.
 */
final class FormatChecker {
  /** More errors than this are not worth reading: the input is probably not a task at all. */
  static final int MAX_ERRORS = 50;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final List<TaskError> errors = new ArrayList<>();

  /** The canonical tree of {@code value}, or null when it has errors (added to {@code errors}). */
  static JsonNode check(Spec spec, JsonNode value, List<TaskError> errors) {
    FormatChecker checker = new FormatChecker();
    JsonNode canonical = checker.value(spec, value, "");
    List<TaskError> found = checker.errors;
    if (found.size() > MAX_ERRORS) {
      errors.addAll(found.subList(0, MAX_ERRORS));
      errors.add(
          new TaskError(
              "", "the task has too many errors; only the first " + MAX_ERRORS + " shown"));
    } else {
      errors.addAll(found);
    }
    return found.isEmpty() ? canonical : null;
  }

  private JsonNode value(Spec spec, JsonNode value, String path) {
    return switch (spec) {
      case Str str -> string(str, value, path);
      case Int range -> integer(range, value, path);
      case Num range -> number(range, value, path);
      case Bool ignored ->
          value.isBoolean() ? value : fail(path, "must be true or false, was " + describe(value));
      case Obj obj -> object(obj, value, path);
      case Method method -> method(method, value, path);
    };
  }

  private JsonNode string(Str str, JsonNode value, String path) {
    if (!value.isTextual()) {
      return fail(path, "must be a string, was " + describe(value));
    }
    String text = value.textValue();
    if (!str.values().isEmpty() && !str.values().contains(text)) {
      return fail(
          path, "must be one of " + String.join(", ", str.values()) + ", was " + describe(value));
    }
    if (text.length() < str.minLength()) {
      return fail(path, "must not be empty");
    }
    if (hasLoneSurrogate(text)) {
      return fail(path, "must be valid Unicode text (has an unpaired surrogate \\uD800-\\uDFFF)");
    }
    String problem = str.check() == null ? null : str.check().problem().apply(text);
    return problem == null ? value : fail(path, problem);
  }

  private JsonNode integer(Int range, JsonNode value, String path) {
    if (!value.isNumber() || !isIntegral(value)) {
      return fail(path, "must be an integer, was " + describe(value));
    }
    BigDecimal number = value.decimalValue();
    if (number.compareTo(BigDecimal.valueOf(range.min())) < 0
        || number.compareTo(BigDecimal.valueOf(range.max())) > 0) {
      return fail(path, "must be " + rangeText(range) + ", was " + describe(value));
    }
    long integer = number.longValueExact();
    if (integer % range.multipleOf() != 0) {
      return fail(path, "must be a multiple of " + range.multipleOf() + ", was " + integer);
    }
    return NODES.numberNode(integer);
  }

  private JsonNode number(Num range, JsonNode value, String path) {
    if (!value.isNumber()) {
      return fail(path, "must be a number, was " + describe(value));
    }
    double number = value.decimalValue().doubleValue();
    boolean aboveMin = range.minExclusive() ? number > range.min() : number >= range.min();
    if (!Double.isFinite(number) || !aboveMin || number > range.max()) {
      return fail(path, "must be " + rangeText(range) + ", was " + describe(value));
    }
    return NODES.numberNode(number == 0 ? 0.0 : number);
  }

  private JsonNode object(Obj obj, JsonNode value, String path) {
    if (obj.shorthand() != null && value.isTextual()) {
      if (value(obj.field(obj.shorthand()).spec(), value, path) == null) {
        return null;
      }
      value = NODES.objectNode().set(obj.shorthand(), value);
    }
    if (!value.isObject()) {
      String expected = obj.shorthand() == null ? "an object" : "a string or an object";
      return fail(path, "must be " + expected + ", was " + describe(value));
    }
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      if (obj.field(entry.getKey()) == null) {
        fail(
            join(path, entry.getKey()),
            "unknown field; expected "
                + (obj.fields().isEmpty()
                    ? "no fields here"
                    : "one of "
                        + String.join(", ", obj.fields().stream().map(Field::name).toList())));
      }
    }
    ObjectNode canonical = NODES.objectNode();
    for (Field field : obj.fields()) {
      JsonNode fieldValue = field(field, value.get(field.name()), join(path, field.name()));
      if (fieldValue != null) {
        canonical.set(field.name(), fieldValue);
      }
    }
    return canonical;
  }

  /** The canonical value of one field, or null when it is to be left out. */
  private JsonNode field(Field field, JsonNode value, String path) {
    if (value == null || (value.isNull() && field.nullable())) {
      if (field.defaultValue() != null) {
        return value(field.spec(), field.defaultValue(), path);
      }
      if (field.required()) {
        fail(path, "is required");
      }
      return null;
    }
    return value(field.spec(), value, path);
  }

  private JsonNode method(Method method, JsonNode value, String path) {
    if (!value.isObject()) {
      return fail(
          path, "must be an object {\"method\": ..., \"args\": {...}}, was " + describe(value));
    }
    for (Map.Entry<String, JsonNode> entry : value.properties()) {
      if (!entry.getKey().equals("method") && !entry.getKey().equals("args")) {
        fail(join(path, entry.getKey()), "unknown field; expected one of method, args");
      }
    }
    Str names = new Str(1, List.copyOf(method.argsByMethod().keySet()), null);
    JsonNode name = value.get("method");
    if (name == null || name.isNull()) {
      return fail(join(path, "method"), "is required");
    }
    if (string(names, name, join(path, "method")) == null) {
      return null;
    }
    Field args =
        new Field(
            "args",
            method.argsByMethod().get(name.textValue()),
            false,
            true,
            NODES.objectNode(),
            "");
    ObjectNode canonical = NODES.objectNode();
    canonical.set("method", name);
    canonical.set("args", field(args, value.get("args"), join(path, "args")));
    return canonical;
  }

  private JsonNode fail(String path, String message) {
    errors.add(new TaskError(path, path.isEmpty() ? "the task " + message : message));
    return null;
  }

  private static boolean isIntegral(JsonNode value) {
    if (value.isIntegralNumber()) {
      return true;
    }
    BigDecimal decimal = value.decimalValue();
    return decimal.signum() == 0 || decimal.stripTrailingZeros().scale() <= 0;
  }

  private static boolean hasLoneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** The range in words: {@code 1..100}, {@code > 0}, {@code a finite number}. */
  static String rangeText(Int range) {
    return range.min() + ".." + range.max();
  }

  static String rangeText(Num range) {
    boolean noMin = range.min() <= -Double.MAX_VALUE;
    boolean noMax = range.max() >= Double.MAX_VALUE;
    String min = CanonicalJson.number(range.min());
    if (noMin && noMax) {
      return "a finite number";
    }
    if (noMax) {
      return "a number " + (range.minExclusive() ? "> " : ">= ") + min;
    }
    return (range.minExclusive() ? "> " + min + " and <= " : min + "..")
        + CanonicalJson.number(range.max());
  }

  /** The found value for an error message: JSON text, strings quoted and cut short. */
  static String describe(JsonNode value) {
    if (value.isObject()) {
      return "an object";
    }
    if (value.isArray()) {
      return "an array";
    }
    if (value.isTextual()) {
      return describe(value.textValue());
    }
    if (value.isNumber()) {
      return value.asText();
    }
    return value.toString();
  }

  static String describe(String text) {
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return CanonicalJson.string(shown);
  }

  /** {@code parent.name}; a name that is not a plain identifier is quoted: {@code a["b c"]}. */
  static String join(String parent, String name) {
    if (!name.matches("[A-Za-z0-9_+-]{1,64}")) {
      return parent + "[" + describe(name) + "]";
    }
    return parent.isEmpty() ? name : parent + "." + name;
  }
}
