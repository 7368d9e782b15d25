package network.hydrogen.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.PreparedTask;
import network.hydrogen.engine.pipeline.TensorDump;
import network.hydrogen.engine.pipeline.UnsupportedTaskException;
import network.hydrogen.task.ValidTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hydrogen generate}: runs a task on this machine and writes its images as PNG files. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a task with the local engine and writes its images as PNG files (with the generation"
          + " parameters in a 'parameters' text chunk).",
      "The task's models are looked up in the models folder by their Hugging Face id: DIR/org/name"
          + " (a diffusers folder), DIR/org--name, or DIR/org/name.safetensors (a single-file"
          + " checkpoint); with --cache the missing ones are downloaded (Hugging Face repos,"
          + " Civitai and other download URLs). Tokens: HF_TOKEN, CIVITAI_TOKEN. Proxy:"
          + " -Dhttps.proxyHost/-Dhttps.proxyPort (JAVA_TOOL_OPTIONS)."
    })
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TASK", description = TaskFileReader.FILE_HELP)
  String task;

  @Option(
      names = "--out",
      defaultValue = ".",
      paramLabel = "DIR",
      description = "Where to write the images (default: the current folder).")
  Path out;

  @Option(
      names = "--dump",
      paramLabel = "DIR",
      description =
          "Also write the intermediate tensors (text embeddings, the first UNet output, the final"
              + " latents, the decoded images) as raw float32 files with an index.json.")
  Path dump;

  @Mixin ModelsMixin models;

  @Mixin InferenceMixin inference;

  @Override
  public Integer call() throws IOException {
    ValidTask valid = TaskFileReader.read(task);
    PrintWriter err = spec.commandLine().getErr();
    GeneratedImages images;
    try (ModelsMixin.Models source = models.open(err)) {
      PreparedTask prepared;
      try {
        prepared = PreparedTask.prepare(valid.args(), source.source());
      } catch (UnsupportedTaskException | ModelNotFoundException e) {
        throw new BadInputException(e.getMessage());
      }
      Files.createDirectories(out);
      GenerationListener progress =
          (completed, total) -> {
            err.print("\rstep " + completed + "/" + total);
            if (completed == total) {
              err.println();
            }
            err.flush();
          };
      GenerationListener listener = dump == null ? progress : new TensorDump(dump, progress);
      images = prepared.run(inference.options(), listener);
    }
    String prefix = valid.hash().substring(2, 12);
    for (int i = 0; i < images.count(); i++) {
      Path file = out.resolve(prefix + "-" + i + ".png");
      try (OutputStream stream = Files.newOutputStream(file)) {
        images.writePng(i, stream);
      }
      spec.commandLine().getOut().println(file);
    }
    return 0;
  }
}
