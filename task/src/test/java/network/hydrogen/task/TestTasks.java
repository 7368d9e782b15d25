package network.hydrogen.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Task JSON for tests: single quotes stand for double quotes, to keep the tables readable. */
final class TestTasks {
  private TestTasks() {}

  /** A 64x64 grayscale PNG of a white disc, as a data URL. */
  static final String PNG_DATA_URL =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAAAAACPAi4CAAAAXklEQVR42u3WMQoAIAzFUO9"
          + "/6bg6KChRKPiz923atpZSeh1jcvycYJad3xdYZ+e3BJCCBcAJIAULgBQsAFIIECBAledc4Evzv3KBxeJ3o9/O"
          + "/j64cKH4G+nClZbSZ3WVP9hgjq/7bQAAAABJRU5ErkJggg==";

  /** The smallest valid task. */
  static final String MINIMAL = json("{'base_model': 'm', 'prompt': 'p', 'task_config': {}}");

  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"').replace("IMAGE", PNG_DATA_URL);
  }

  /** The minimal task with extra top-level fields, given as single-quoted JSON members. */
  static String minimalWith(String members) {
    return json("{'base_model': 'm', 'prompt': 'p', 'task_config': {}, " + members + "}");
  }

  static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static ValidTask parse(String json) throws InvalidTaskException {
    return Tasks.parse(bytes(json));
  }

  /** The example tasks of the repository and the seed network's documented examples. */
  static Stream<Path> exampleFiles() {
    return Stream.of(Path.of("../examples"), Path.of("src/test/resources/seed-examples"))
        .flatMap(TestTasks::jsonFiles);
  }

  private static Stream<Path> jsonFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> list = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      if (list.isEmpty()) {
        throw new IllegalStateException("no example tasks in " + dir.toAbsolutePath());
      }
      return list.stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
