package network.hydrogen.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The declarative description of one JSON value of the task format. {@link TaskFormat} describes
 * the whole format with these; {@link FormatChecker} (validation and default filling) and {@link
 * SchemaWriter} (JSON Schema) both read it, so a rule is written in one place only.
 */
sealed interface Spec {

  /** A string, optionally non-empty, one of fixed values, or checked further. */
  record Str(int minLength, List<String> values, Check check) implements Spec {}

  /** An integer within [min, max] and a multiple of {@code multipleOf}. */
  record Int(long min, long max, long multipleOf) implements Spec {}

  /** A finite number within [min, max] (or (min, max] when {@code minExclusive}). */
  record Num(double min, boolean minExclusive, double max) implements Spec {}

  /** {@code true} or {@code false}. */
  record Bool() implements Spec {}

  /**
   * A closed object: only the listed fields may appear. When {@code shorthand} names a field, a
   * plain string may stand for the object with just that field set.
   */
  record Obj(List<Field> fields, String shorthand) implements Spec {
    Field field(String name) {
      return fields.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
    }
  }

  /**
   * An object {@code {"method": M, "args": {...}}} whose allowed args depend on the method: each
   * method's args object is an {@link Obj}, optional and filled with its defaults when absent.
   */
  record Method(Map<String, Obj> argsByMethod, String description) implements Spec {}

  /**
   * A rule beyond the JSON type: {@code problem} returns what is wrong with a value, or null when
   * it is fine; {@code schemaPattern} is the regular expression the JSON Schema states for it (may
   * be null when no pattern can express it).
   */
  record Check(String schemaPattern, Function<String, String> problem) {}

  /**
   * One field of an object. A field is required (no default), has a default that canonical form
   * writes out, or is optional without a default (absent from canonical form). {@code nullable}
   * says whether an explicit JSON {@code null} is accepted, meaning the same as leaving it out.
   */
  record Field(
      String name,
      Spec spec,
      boolean required,
      boolean nullable,
      JsonNode defaultValue,
      String description) {}
}
