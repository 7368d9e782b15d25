package network.hydrogen.engine.library;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.ReplacementComponents;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.task.TaskArgs;

/**
 * Where the models a task names are found on this machine: the local models folder ({@link
 * ModelLibrary}) or a {@link ModelStore} that also downloads them into a cache. Every way of
 * opening a model goes through {@link #locate}, so both open them alike.
 */
public sealed interface ModelSource permits ModelLibrary, ModelStore.Lease {

  /**
   * The local path of the model {@code name} (a folder or a file), fetched first by a source that
   * downloads.
   *
   * @param variant the weights variant the task prefers (e.g. {@code fp16}), for what to fetch
   * @param fileName the weights file an adapter's task names in a repo, or empty
   * @throws ModelNotFoundException when the model is not there, saying where it looked
   * @throws ModelDownloadException when a download failed
   */
  Path locate(ModelKind kind, String name, Optional<String> variant, String fileName)
      throws IOException;

  /**
   * The weights file of the adapter {@code name} (a LoRA, an embedding): the file itself, or in a
   * repo folder the file {@code fileName}, else the first of the kind's preferred files that
   * exists, else the folder's only {@code .safetensors} file.
   *
   * @throws ModelNotFoundException when it is not there or the folder holds no such file
   */
  default Path adapterFile(ModelKind kind, String name, String fileName) throws IOException {
    Path path = locate(kind, name, Optional.empty(), fileName);
    if (!Files.isDirectory(path)) {
      return path;
    }
    if (!fileName.isEmpty()) {
      Path file = path.resolve(fileName).normalize();
      if (!file.startsWith(path) || !Files.isRegularFile(file)) {
        throw new ModelNotFoundException(
            kind.label() + " " + name + " has no file " + fileName + " in " + path);
      }
      return file;
    }
    for (String candidate : kind.preferredFiles()) {
      if (Files.isRegularFile(path.resolve(candidate))) {
        return path.resolve(candidate);
      }
    }
    List<Path> safetensors;
    try (Stream<Path> files = Files.list(path)) {
      safetensors =
          files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
    }
    if (safetensors.size() != 1) {
      throw new ModelNotFoundException(
          kind.label()
              + " "
              + name
              + ": the folder "
              + path
              + " has "
              + safetensors.size()
              + " .safetensors files and none of "
              + kind.preferredFiles()
              + "; name the file to use");
    }
    return safetensors.getFirst();
  }

  /** The folder of the models folder that holds the ControlNet annotators' ONNX files. */
  String ANNOTATORS = "annotators";

  /**
   * The ControlNet annotator model {@code fileName} (an ONNX file, see {@code tools/annotators/}):
   * {@code annotators/fileName} in the local models folder. Annotators are never downloaded: the
   * published ones are PyTorch checkpoints that have to be exported to ONNX first.
   *
   * @throws ModelNotFoundException naming the file, where it was looked for and how to make it
   */
  Path annotator(String fileName);

  /**
   * Opens the model {@code name}, preferring the weights {@code variant} (e.g. {@code fp16}) of a
   * diffusers folder.
   *
   * @throws ModelNotFoundException when it is not there, saying where it looked
   */
  default StableDiffusionModel open(String name, Optional<String> variant) throws IOException {
    Path path = locate(ModelKind.MODEL, name, variant, "");
    return Files.isDirectory(path)
        ? ModelFiles.openFolder(path, variant.orElse(null))
        : ModelFiles.open(path);
  }

  /**
   * Opens the ControlNet {@code name} (a diffusers ControlNetModel folder), preferring the weights
   * {@code variant}.
   *
   * @throws ModelNotFoundException when it is not there, saying where it looked
   */
  default ControlNetModel openControlNet(String name, Optional<String> variant) throws IOException {
    return ControlNetModel.open(
        locate(ModelKind.CONTROLNET, name, variant, ""), variant.orElse(null));
  }

  /**
   * Opens a task's base model with its replacement {@code vae} and {@code unet}, if it names them
   * (see {@link ReplacementComponents}); their diffusers folders are read with the base model's
   * weights variant.
   *
   * @throws ModelNotFoundException when the model or a replacement is not there
   */
  default StableDiffusionModel openBase(TaskArgs task) throws IOException {
    Optional<String> variant = task.baseModel().variant();
    StableDiffusionModel model = open(task.baseModel().name(), variant);
    if (!task.vae().isEmpty()) {
      model =
          ReplacementComponents.withVae(
              model, locate(ModelKind.VAE, task.vae(), variant, ""), variant.orElse(null));
    }
    if (!task.unet().isEmpty()) {
      model =
          ReplacementComponents.withUnet(
              model, locate(ModelKind.UNET, task.unet(), variant, ""), variant.orElse(null));
    }
    return model;
  }

  /** The standalone safety checker, used for models that do not bring their own. */
  String SAFETY_CHECKER = "CompVis/stable-diffusion-safety-checker";

  /**
   * The safety checker for the base model {@code baseModel}: the model's own ({@code
   * safety_checker/} and {@code feature_extractor/preprocessor_config.json} of a diffusers folder),
   * else the standalone {@link #SAFETY_CHECKER}; empty when neither can be had.
   */
  default Optional<SafetyCheckerFiles> safetyChecker(String baseModel, Optional<String> variant)
      throws IOException {
    Path base = locate(ModelKind.MODEL, baseModel, variant, "");
    if (Files.isDirectory(base)) {
      SafetyCheckerFiles own =
          new SafetyCheckerFiles(
              base.resolve("safety_checker"),
              base.resolve("feature_extractor/preprocessor_config.json"));
      if (own.complete()) {
        return Optional.of(own);
      }
    }
    Path standalone;
    try {
      standalone = locate(ModelKind.SAFETY_CHECKER, SAFETY_CHECKER, Optional.empty(), "");
    } catch (ModelNotFoundException | ModelDownloadException e) {
      return Optional.empty();
    }
    SafetyCheckerFiles files =
        new SafetyCheckerFiles(standalone, standalone.resolve(HubFiles.PREPROCESSOR_CONFIG));
    return files.complete() ? Optional.of(files) : Optional.empty();
  }

  /** A safety checker's weights folder and its image processor config. */
  record SafetyCheckerFiles(Path folder, Path preprocessorConfig) {

    boolean complete() {
      return Files.isRegularFile(folder.resolve("config.json"))
          && Files.isRegularFile(preprocessorConfig);
    }
  }
}
