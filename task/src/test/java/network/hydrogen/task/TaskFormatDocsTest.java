package network.hydrogen.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/task-format.md describes every field and method the format defines. */
class TaskFormatDocsTest {
  private static final Path DOC = Path.of("../docs/task-format.md");

  @Test
  void documentsEveryField() throws Exception {
    String doc = Files.readString(DOC);
    assertThat(TaskFormat.fieldPaths())
        .contains(
            "task_config.steps",
            "base_model.variant",
            "scheduler.method",
            "scheduler.args.use_karras_sigmas",
            "controlnet.preprocess.args.low_threshold");
    List<String> undocumented =
        TaskFormat.fieldPaths().stream()
            .filter(path -> !doc.contains("`" + path + "`"))
            .filter(path -> !(path.contains(".args.") && doc.contains("`" + last(path) + "`")))
            .toList();
    assertThat(undocumented).isEmpty();
  }

  @Test
  void documentsEveryMethod() throws Exception {
    String doc = Files.readString(DOC);
    Stream<String> methods =
        Stream.concat(
            Arrays.stream(TaskArgs.PreprocessMethod.values()).map(m -> m.jsonName()),
            Arrays.stream(TaskArgs.SchedulerMethod.values()).map(m -> m.jsonName()));
    assertThat(methods.filter(name -> !doc.contains("`" + name + "`"))).isEmpty();
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }
}
