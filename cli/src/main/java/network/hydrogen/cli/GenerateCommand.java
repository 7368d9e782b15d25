package network.hydrogen.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.Adapters;
import network.hydrogen.engine.pipeline.BatchNoise;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.GenerationRequest;
import network.hydrogen.engine.pipeline.Refiner;
import network.hydrogen.engine.pipeline.TensorDump;
import network.hydrogen.engine.pipeline.TextToImage;
import network.hydrogen.engine.pipeline.UnsupportedTaskException;
import network.hydrogen.task.TaskArgs;
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
      "The base model is looked up in the models folder by its Hugging Face id: DIR/org/name"
          + " (a diffusers folder), DIR/org--name, or DIR/org/name.safetensors (a single-file"
          + " checkpoint)."
    })
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TASK", description = TaskFileReader.FILE_HELP)
  String task;

  @Option(
      names = "--models",
      required = true,
      paramLabel = "DIR",
      description = "The local models folder.")
  Path models;

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

  @Mixin InferenceMixin inference;

  @Override
  public Integer call() throws IOException {
    ValidTask valid = TaskFileReader.read(task);
    TaskArgs args = valid.args();
    GenerationRequest request;
    StableDiffusionModel model;
    Adapters adapters;
    Refiner.Handover handover = null;
    StableDiffusionModel refinerModel = null;
    ControlNetModel controlNet = null;
    ControlNetInput control = null;
    try {
      request = GenerationRequest.fromTask(args);
      ModelLibrary library = new ModelLibrary(models);
      model = library.openBase(args);
      adapters = Adapters.fromTask(args, library);
      if (args.refiner().isPresent()) {
        TaskArgs.Refiner refiner = args.refiner().get();
        handover = Refiner.Handover.fromTask(refiner);
        refinerModel = library.open(refiner.model(), refiner.variant());
        if (!refinerModel.isRefiner()) {
          throw new UnsupportedTaskException(
              "refiner.model "
                  + refiner.model()
                  + " is no SDXL refiner (it has two text encoders)");
        }
      }
      if (args.controlnet().isPresent()) {
        TaskArgs.ControlNet task = args.controlnet().get();
        controlNet = library.openControlNet(task.model(), task.variant());
        control = ControlNetInput.fromTask(args).orElseThrow();
      }
    } catch (UnsupportedTaskException | ModelNotFoundException e) {
      throw new BadInputException(e.getMessage());
    }
    Files.createDirectories(out);
    PrintWriter err = spec.commandLine().getErr();
    GenerationListener progress =
        (completed, total) -> {
          err.print("\rstep " + completed + "/" + total);
          if (completed == total) {
            err.println();
          }
          err.flush();
        };
    GenerationListener listener = dump == null ? progress : new TensorDump(dump, progress);
    GeneratedImages images;
    try (TextToImage pipeline =
        TextToImage.load(model, inference.options(), adapters, controlNet)) {
      if (handover != null) {
        try (TextToImage refiner = TextToImage.load(refinerModel, inference.options())) {
          images =
              Refiner.ensemble(
                  pipeline,
                  refiner,
                  request,
                  handover,
                  BatchNoise.seeded(request.seed(), request.numImages()),
                  listener);
        }
      } else {
        images =
            control == null
                ? pipeline.generate(request, listener)
                : pipeline.generate(request, control, listener);
      }
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
