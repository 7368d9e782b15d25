package network.hydrogen.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The task format as JSON Schema (draft 2020-12), generated from the same definitions. */
public final class TaskSchema {
  private TaskSchema() {}

  private static final String JSON = generate();

  /** The schema document, pretty-printed. */
  public static String json() {
    return JSON;
  }

  private static String generate() {
    try {
      return new ObjectMapper()
          .writerWithDefaultPrettyPrinter()
          .writeValueAsString(
              SchemaWriter.document(
                  TaskFormat.TASK,
                  "Hydrogen Stable Diffusion task",
                  "A Stable Diffusion inference task, compatible with sd-task inference args 1.0.0"
                      + " to 3.0.0. Validators should also check what a schema cannot say: image"
                      + " data URLs must decode to an image."));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the task schema", e);
    }
  }
}
