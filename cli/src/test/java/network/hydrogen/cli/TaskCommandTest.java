package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import network.hydrogen.task.Tasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TaskCommandTest {
  private static final String TXT2IMG = "../examples/txt2img.json";

  @TempDir Path dir;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static CliRun runWithStdin(String stdin, String... args) {
    InputStream saved = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      return run(args);
    } finally {
      System.setIn(saved);
    }
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void validateSummarizesAValidTask() {
    CliRun run = run("task", "validate", TXT2IMG);
    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("valid task: " + TXT2IMG)
        .contains(
            "runwayml/stable-diffusion-v1-5, 512x512, 3 images, 25 steps,"
                + " EulerAncestralDiscreteScheduler");
  }

  @ParameterizedTest
  @ValueSource(strings = {"txt2img", "sdxl-refiner", "lora", "controlnet"})
  void everyExampleIsValid(String name) {
    assertThat(run("task", "validate", "../examples/" + name + ".json").exitCode()).isZero();
  }

  @Test
  void validateListsEveryErrorOnePerLine() throws Exception {
    Path task =
        write(
            "bad.json",
            "{\"base_model\": \"m\", \"prompt\": \"p\", \"task_config\": {\"steps\": 150,"
                + " \"image_width\": 500}, \"lora\": {\"modle\": \"x\"}}");
    CliRun run = run("task", "validate", task.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines())
        .containsExactly(
            "hydrogen: " + task + " is not a valid task (4 errors):",
            "task_config.image_width: must be a multiple of 8, was 500",
            "task_config.steps: must be 1..100, was 150",
            "lora.modle: unknown field; expected one of model, weight_file_name, weight",
            "lora.model: is required");
  }

  @Test
  void hashPrintsTheHashOfTheCanonicalForm() throws Exception {
    CliRun run = run("task", "hash", TXT2IMG);
    assertThat(run.exitCode()).isZero();
    assertThat(run.lastLine())
        .matches("0x[0-9a-f]{64}")
        .isEqualTo(Tasks.parse(Files.readAllBytes(Path.of(TXT2IMG))).hash());
  }

  @Test
  void hashIgnoresFormattingAndDefaults() throws Exception {
    Path spaced =
        write(
            "spaced.json",
            "{\n  \"task_config\": {\"cfg\": 5.0, \"steps\": 1},\n  \"prompt\": \"p\",\n"
                + "  \"base_model\": {\"name\": \"m\"}, \"dtype\": \"auto\"\n}\n");
    Path compact =
        write("compact.json", "{\"base_model\":\"m\",\"prompt\":\"p\",\"task_config\":{}}");
    Path changed =
        write("changed.json", "{\"base_model\":\"m\",\"prompt\":\"q\",\"task_config\":{}}");
    String hash = run("task", "hash", spaced.toString()).lastLine();
    assertThat(run("task", "hash", compact.toString()).lastLine()).isEqualTo(hash);
    assertThat(run("task", "hash", changed.toString()).lastLine()).isNotEqualTo(hash);
  }

  @Test
  void readsStandardInputForDash() throws Exception {
    String task = Files.readString(Path.of(TXT2IMG));
    CliRun run = runWithStdin(task, "task", "hash", "-");
    assertThat(run.exitCode()).isZero();
    assertThat(run.lastLine()).isEqualTo(run("task", "hash", TXT2IMG).lastLine());

    CliRun invalid = runWithStdin("[]", "task", "validate", "-");
    assertThat(invalid.exitCode()).isEqualTo(2);
    assertThat(invalid.err())
        .contains("standard input is not a valid task (1 error)")
        .contains("the task must be an object, was an array");
  }

  @Test
  void canonicalPrintsTheJsonThatIsHashed() throws Exception {
    CliRun run = run("task", "canonical", TXT2IMG);
    assertThat(run.exitCode()).isZero();
    String canonical = run.out().strip();
    assertThat(canonical).doesNotContain("\n").startsWith("{\"base_model\":{\"name\":");
    assertThat(Tasks.keccak256(canonical.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(run("task", "hash", TXT2IMG).lastLine());
  }

  @Test
  void schemaPrintsJsonSchema() throws Exception {
    CliRun run = run("task", "schema");
    assertThat(run.exitCode()).isZero();
    var schema = new ObjectMapper().readTree(run.out());
    assertThat(schema.get("$schema").textValue())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.get("properties").has("task_config")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"validate", "hash", "canonical"})
  void missingFileIsAOneLineBadInputError(String command) {
    CliRun run = run("task", command, dir.resolve("nope.json").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).isEqualTo("hydrogen: no such file: " + dir.resolve("nope.json") + "\n");
  }

  @Test
  void directoryIsABadInputError() {
    CliRun run = run("task", "validate", dir.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("cannot read " + dir + ": it is a directory");
  }

  @Test
  void missingArgumentOrSubcommandIsAUsageError() {
    assertThat(run("task", "validate").exitCode()).isEqualTo(2);
    CliRun run = run("task");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Missing a subcommand");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "validate", "hash", "canonical", "schema"})
  void everyLevelHasHelp(String command) {
    CliRun run = command.isEmpty() ? run("task", "--help") : run("task", command, "--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Usage: hydrogen task" + (command.isEmpty() ? "" : " " + command));
  }
}
