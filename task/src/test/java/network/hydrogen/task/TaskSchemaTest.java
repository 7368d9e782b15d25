package network.hydrogen.task;

import static network.hydrogen.task.TestTasks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks the generated JSON Schema with a real validator against the same task tables. */
class TaskSchemaTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private static final JsonSchema SCHEMA = FACTORY.getSchema(TaskSchema.json());

  private static Set<ValidationMessage> schemaErrors(String task) throws Exception {
    return SCHEMA.validate(MAPPER.readTree(task));
  }

  @Test
  void isAValidDraft202012Schema() throws Exception {
    JsonSchema metaSchema = FACTORY.getSchema(SchemaLocation.of(SchemaId.V202012));
    JsonNode schema = MAPPER.readTree(TaskSchema.json());
    assertThat(metaSchema.validate(schema)).isEmpty();
    assertThat(schema.get("$schema").textValue())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  @ParameterizedTest
  @MethodSource("network.hydrogen.task.TaskValidationTest#validTasks")
  void acceptsTheValidTasks(String task) throws Exception {
    assertThat(schemaErrors(task)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("network.hydrogen.task.TestTasks#exampleFiles")
  void acceptsTheExamples(Path file) throws Exception {
    assertThat(schemaErrors(Files.readString(file))).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("network.hydrogen.task.TestTasks#exampleFiles")
  void acceptsTheCanonicalFormOfTheExamples(Path file) throws Exception {
    assertThat(schemaErrors(Tasks.parse(Files.readAllBytes(file)).canonicalJson())).isEmpty();
  }

  /**
   * The invalid tasks whose fault a schema can state: not the JSON syntax, the image bytes or the
   * Compel prompt grammar.
   */
  static Stream<Arguments> invalidTasksASchemaCanTell() {
    return TaskValidationTest.invalidTasks()
        .filter(
            arguments -> {
              String message = (String) arguments.get()[2];
              return !message.startsWith("the task is")
                  && !message.startsWith("the task has")
                  && !message.startsWith("the task nests")
                  && !message.startsWith("appears twice")
                  && !message.startsWith("does not hold")
                  && !message.startsWith("must be valid Unicode")
                  && !message.startsWith("malformed Compel prompt");
            });
  }

  @ParameterizedTest
  @MethodSource("invalidTasksASchemaCanTell")
  void rejectsTheInvalidTasks(String task, String path, String message) throws Exception {
    assertThat(schemaErrors(json(task))).as("%s: %s", path, message).isNotEmpty();
  }

  @Test
  void statesDefaultsRangesAndAlternatives() throws Exception {
    JsonNode properties = MAPPER.readTree(TaskSchema.json()).get("properties");
    JsonNode steps = properties.at("/task_config/properties/steps");
    assertThat(steps.get("default").asInt()).isEqualTo(1);
    assertThat(steps.get("minimum").asInt()).isEqualTo(1);
    assertThat(steps.get("maximum").asInt()).isEqualTo(100);
    assertThat(properties.at("/task_config/properties/image_width/multipleOf").asInt())
        .isEqualTo(8);
    assertThat(properties.at("/base_model/anyOf")).hasSize(2);
    assertThat(properties.at("/controlnet/anyOf/0/properties/preprocess/anyOf/0/oneOf"))
        .hasSize(TaskArgs.PreprocessMethod.values().length);
    assertThat(MAPPER.readTree(TaskSchema.json()).get("required"))
        .extracting(JsonNode::textValue)
        .containsExactly("base_model", "prompt", "task_config");
  }
}
