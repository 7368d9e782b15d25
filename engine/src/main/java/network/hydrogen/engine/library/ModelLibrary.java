package network.hydrogen.engine.library;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.ReplacementComponents;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.task.TaskArgs;

/**
 * A local models folder, where tasks' models are looked up by the name a task gives them: a Hugging
 * Face repo id ({@code runwayml/stable-diffusion-v1-5}) or a download URL.
 *
 * <p>A repo id {@code org/name} is found as the diffusers folder {@code org/name}, then {@code
 * org--name} (the Hugging Face cache's spelling), then as a single file {@code
 * org/name.safetensors}; a URL as the file or folder named by its last path segment.
 */
public record ModelLibrary(Path root) {

  /** The paths where {@code name} may lie, in the order they are tried. */
  public List<Path> candidates(String name) {
    List<Path> candidates = new ArrayList<>();
    if (name.startsWith("http://") || name.startsWith("https://")) {
      String path = URI.create(name).getPath();
      String last = path.substring(path.lastIndexOf('/') + 1);
      if (!last.isEmpty()) {
        candidates.add(root.resolve(last));
        candidates.add(root.resolve(last + ".safetensors"));
      }
      return candidates;
    }
    if (name.contains("..") || name.startsWith("/") || name.contains("\\")) {
      return candidates;
    }
    candidates.add(root.resolve(name));
    candidates.add(root.resolve(name.replace("/", "--")));
    candidates.add(root.resolve(name + ".safetensors"));
    return candidates;
  }

  /** Where {@code name} lies, if it is in the library. */
  public Optional<Path> find(String name) {
    return candidates(name).stream().filter(Files::exists).findFirst();
  }

  /**
   * The weights file of the adapter {@code name} (a LoRA, an embedding): the file itself, or in a
   * repo folder the file {@code fileName}, else the first of {@code preferred} that exists, else
   * the folder's only {@code .safetensors} file.
   *
   * @param kind what the adapter is, for messages (e.g. "LoRA")
   * @throws ModelNotFoundException when it is not in the library or the folder holds no such file,
   *     saying where it looked
   */
  public Path adapterFile(String kind, String name, String fileName, List<String> preferred)
      throws IOException {
    Path path =
        find(name)
            .orElseThrow(
                () ->
                    new ModelNotFoundException(
                        kind
                            + " "
                            + name
                            + " is not in the models folder "
                            + root
                            + " (looked for "
                            + candidates(name)
                            + ")"));
    if (!Files.isDirectory(path)) {
      return path;
    }
    if (!fileName.isEmpty()) {
      Path file = path.resolve(fileName).normalize();
      if (!file.startsWith(path) || !Files.isRegularFile(file)) {
        throw new ModelNotFoundException(
            kind + " " + name + " has no file " + fileName + " in " + path);
      }
      return file;
    }
    for (String candidate : preferred) {
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
          kind
              + " "
              + name
              + ": the folder "
              + path
              + " has "
              + safetensors.size()
              + " .safetensors files and none of "
              + preferred
              + "; name the file to use");
    }
    return safetensors.getFirst();
  }

  /**
   * Opens the model {@code name}, preferring the weights {@code variant} (e.g. {@code fp16}) of a
   * diffusers folder.
   *
   * @throws ModelNotFoundException when it is not in the library, listing where it was looked for
   */
  public StableDiffusionModel open(String name, Optional<String> variant) throws IOException {
    Path path = locate("model", name);
    return Files.isDirectory(path)
        ? ModelFiles.openFolder(path, variant.orElse(null))
        : ModelFiles.open(path);
  }

  /**
   * Opens the ControlNet {@code name} (a diffusers ControlNetModel folder), preferring the weights
   * {@code variant}.
   *
   * @throws ModelNotFoundException when it is not in the library, listing where it was looked for
   */
  public ControlNetModel openControlNet(String name, Optional<String> variant) throws IOException {
    return ControlNetModel.open(locate("ControlNet", name), variant.orElse(null));
  }

  /**
   * Opens a task's base model with its replacement {@code vae} and {@code unet}, if it names them
   * (see {@link ReplacementComponents}); their diffusers folders are read with the base model's
   * weights variant.
   *
   * @throws ModelNotFoundException when the model or a replacement is not in the library
   */
  public StableDiffusionModel openBase(TaskArgs task) throws IOException {
    Optional<String> variant = task.baseModel().variant();
    StableDiffusionModel model = open(task.baseModel().name(), variant);
    if (!task.vae().isEmpty()) {
      model = ReplacementComponents.withVae(model, locate("VAE", task.vae()), variant.orElse(null));
    }
    if (!task.unet().isEmpty()) {
      model =
          ReplacementComponents.withUnet(model, locate("UNet", task.unet()), variant.orElse(null));
    }
    return model;
  }

  /** The standalone safety checker, used for models that do not bring their own. */
  public static final String SAFETY_CHECKER = "CompVis/stable-diffusion-safety-checker";

  /**
   * Where the safety checker for the base model {@code baseModel} lies: the model's own ({@code
   * safety_checker/} and {@code feature_extractor/preprocessor_config.json} of a diffusers folder),
   * else the standalone {@link #SAFETY_CHECKER} folder; empty when neither is in the library.
   */
  public Optional<SafetyCheckerFiles> findSafetyChecker(String baseModel) {
    Optional<Path> base = find(baseModel).filter(Files::isDirectory);
    if (base.isPresent()) {
      Path folder = base.get().resolve("safety_checker");
      Path processor = base.get().resolve("feature_extractor/preprocessor_config.json");
      if (Files.isRegularFile(folder.resolve("config.json")) && Files.isRegularFile(processor)) {
        return Optional.of(new SafetyCheckerFiles(folder, processor));
      }
    }
    return find(SAFETY_CHECKER)
        .filter(folder -> Files.isRegularFile(folder.resolve("config.json")))
        .map(folder -> new SafetyCheckerFiles(folder, folder.resolve("preprocessor_config.json")));
  }

  /** A safety checker's weights folder and its image processor config. */
  public record SafetyCheckerFiles(Path folder, Path preprocessorConfig) {}

  /** Where {@code name} lies; {@code kind} says what it is, for the message when it is absent. */
  private Path locate(String kind, String name) {
    return find(name)
        .orElseThrow(
            () ->
                new ModelNotFoundException(
                    kind
                        + " "
                        + name
                        + " is not in the models folder "
                        + root
                        + " (looked for "
                        + candidates(name)
                        + ")"));
  }
}
