package network.hydrogen.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import network.hydrogen.task.Spec.Bool;
import network.hydrogen.task.Spec.Field;
import network.hydrogen.task.Spec.Int;
import network.hydrogen.task.Spec.Method;
import network.hydrogen.task.Spec.Num;
import network.hydrogen.task.Spec.Obj;
import network.hydrogen.task.Spec.Str;

/** Writes a {@link Spec} as JSON Schema (draft 2020-12). */
final class SchemaWriter {
  private SchemaWriter() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  static ObjectNode document(Spec spec, String title, String description) {
    ObjectNode root = NODES.objectNode();
    root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    root.put("title", title);
    root.put("description", description);
    root.setAll(schema(spec));
    return root;
  }

  static ObjectNode schema(Spec spec) {
    ObjectNode schema = NODES.objectNode();
    switch (spec) {
      case Str str -> {
        schema.put("type", "string");
        if (str.minLength() > 0) {
          schema.put("minLength", str.minLength());
        }
        if (!str.values().isEmpty()) {
          ArrayNode values = schema.putArray("enum");
          str.values().forEach(values::add);
        }
        if (str.check() != null && str.check().schemaPattern() != null) {
          schema.put("pattern", str.check().schemaPattern());
        }
      }
      case Int range -> {
        schema.put("type", "integer");
        schema.put("minimum", range.min());
        schema.put("maximum", range.max());
        if (range.multipleOf() > 1) {
          schema.put("multipleOf", range.multipleOf());
        }
      }
      case Num range -> {
        schema.put("type", "number");
        if (range.min() > -Double.MAX_VALUE) {
          schema.put(range.minExclusive() ? "exclusiveMinimum" : "minimum", range.min());
        }
        if (range.max() < Double.MAX_VALUE) {
          schema.put("maximum", range.max());
        }
      }
      case Bool ignored -> schema.put("type", "boolean");
      case Obj obj -> {
        ObjectNode object = object(obj);
        if (obj.shorthand() == null) {
          return object;
        }
        schema.putArray("anyOf").add(schema(obj.field(obj.shorthand()).spec())).add(object);
      }
      case Method method -> {
        schema.put("type", "object");
        ArrayNode variants = schema.putArray("oneOf");
        for (Map.Entry<String, Obj> entry : method.argsByMethod().entrySet()) {
          ObjectNode variant = variants.addObject();
          ObjectNode properties = variant.putObject("properties");
          properties.putObject("method").put("const", entry.getKey());
          properties.set(
              "args", nullable(schema(entry.getValue())).set("default", NODES.objectNode()));
          variant.putArray("required").add("method");
          variant.put("additionalProperties", false);
        }
      }
    }
    return schema;
  }

  private static ObjectNode object(Obj obj) {
    ObjectNode schema = NODES.objectNode();
    schema.put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = NODES.arrayNode();
    for (Field field : obj.fields()) {
      ObjectNode property = schema(field.spec());
      if (field.nullable()) {
        property = nullable(property);
      }
      property.put("description", field.description());
      if (field.defaultValue() != null) {
        property.set("default", field.defaultValue());
      }
      properties.set(field.name(), property);
      if (field.required()) {
        required.add(field.name());
      }
    }
    if (!required.isEmpty()) {
      schema.set("required", required);
    }
    schema.put("additionalProperties", false);
    return schema;
  }

  private static ObjectNode nullable(JsonNode schema) {
    ObjectNode wrapper = NODES.objectNode();
    wrapper.putArray("anyOf").add(schema).addObject().put("type", "null");
    return wrapper;
  }
}
