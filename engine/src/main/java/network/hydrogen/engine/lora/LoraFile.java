package network.hydrogen.engine.lora;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.SafeTensorsFile;
import network.hydrogen.engine.model.Tensor;

/**
 * A LoRA {@code .safetensors} file as a list of low-rank modules, each under the name stem the file
 * gives it (not yet bound to a model): the kohya/Civitai naming ({@code
 * lora_unet_<path>.lora_down.weight}, {@code .lora_up.weight}, {@code .alpha}, LoCon conv layers
 * included) and the diffusers/peft naming ({@code unet.<path>.lora_A.weight}, {@code
 * .lora_B.weight}, no alpha). The tensors stay mapped.
 */
public final class LoraFile {

  /** The key suffixes of a module's down and up matrices, per naming, and of its alpha. */
  private static final Map<String, Part> SUFFIXES =
      Map.of(
          ".lora_down.weight", Part.DOWN,
          ".lora_up.weight", Part.UP,
          ".lora_A.weight", Part.DOWN,
          ".lora_B.weight", Part.UP,
          ".alpha", Part.ALPHA);

  private enum Part {
    DOWN,
    UP,
    ALPHA
  }

  /**
   * One low-rank module: {@code down} is [rank, in] or [rank, in, kh, kw], {@code up} is [out,
   * rank] or [out, rank, 1, 1]; {@code alpha} is absent when the file has none (then alpha = rank).
   */
  record Module(String stem, Tensor down, Tensor up, OptionalDouble alpha) {

    int rank() {
      return (int) down.shape()[0];
    }

    /** {@code alpha / rank}, the factor the reference applies per module. */
    double alphaOverRank() {
      return alpha.orElse(rank()) / rank();
    }
  }

  private final Path path;
  private final List<Module> modules;

  private LoraFile(Path path, List<Module> modules) {
    this.path = path;
    this.modules = modules;
  }

  /**
   * Reads the file's header and groups its tensors into modules.
   *
   * @throws ModelFormatException naming keys of no known LoRA part, modules that lack their down or
   *     up matrix, and matrices whose ranks disagree
   */
  public static LoraFile open(Path path) throws IOException {
    SafeTensorsFile file = SafeTensorsFile.open(path);
    Map<String, Map<Part, String>> byStem = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String key : file.names()) {
      Map.Entry<String, Part> suffix =
          SUFFIXES.entrySet().stream()
              .filter(s -> key.endsWith(s.getKey()))
              .findFirst()
              .orElse(null);
      if (suffix == null) {
        unknown.add(key);
        continue;
      }
      String stem = key.substring(0, key.length() - suffix.getKey().length());
      byStem.computeIfAbsent(stem, s -> new LinkedHashMap<>()).put(suffix.getValue(), key);
    }
    if (!unknown.isEmpty()) {
      throw new ModelFormatException(
          path,
          "has tensors that are no LoRA down/up/alpha part (LoHa, LoKr and DoRA files are not"
              + " supported): "
              + Loras.listed(unknown));
    }
    List<Module> modules = new ArrayList<>();
    for (Map.Entry<String, Map<Part, String>> entry : byStem.entrySet()) {
      modules.add(module(path, file, entry.getKey(), entry.getValue()));
    }
    if (modules.isEmpty()) {
      throw new ModelFormatException(path, "holds no LoRA modules");
    }
    return new LoraFile(path, List.copyOf(modules));
  }

  private static Module module(Path path, SafeTensorsFile file, String stem, Map<Part, String> keys)
      throws IOException {
    if (!keys.containsKey(Part.DOWN) || !keys.containsKey(Part.UP)) {
      throw new ModelFormatException(
          path,
          "module "
              + stem
              + " lacks its "
              + (keys.containsKey(Part.DOWN) ? "up" : "down")
              + " matrix");
    }
    Tensor down = file.tensor(keys.get(Part.DOWN));
    Tensor up = file.tensor(keys.get(Part.UP));
    long[] downShape = down.shape();
    long[] upShape = up.shape();
    boolean shapesOk =
        (downShape.length == 2 || downShape.length == 4)
            && (upShape.length == 2 || (upShape.length == 4 && upShape[2] == 1 && upShape[3] == 1))
            && upShape[1] == downShape[0]
            && downShape[0] > 0;
    if (!shapesOk || !down.dtype().isFloat() || !up.dtype().isFloat()) {
      throw new ModelFormatException(
          path,
          "module "
              + stem
              + " has down "
              + down
              + " and up "
              + up
              + "; expected float [rank, in(, kh, kw)] and [out, rank(, 1, 1)]");
    }
    OptionalDouble alpha = OptionalDouble.empty();
    if (keys.containsKey(Part.ALPHA)) {
      Tensor alphaTensor = file.tensor(keys.get(Part.ALPHA));
      if (alphaTensor.elementCount() != 1 || !alphaTensor.dtype().isFloat()) {
        throw new ModelFormatException(
            path, "module " + stem + " has alpha " + alphaTensor + "; expected one float");
      }
      alpha = OptionalDouble.of(alphaTensor.toFloat32().get(0));
    }
    return new Module(stem, down, up, alpha);
  }

  public Path path() {
    return path;
  }

  List<Module> modules() {
    return modules;
  }

  @Override
  public String toString() {
    return path + " (" + modules.size() + " LoRA modules)";
  }
}
