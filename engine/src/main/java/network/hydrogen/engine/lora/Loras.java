package network.hydrogen.engine.lora;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.PatchedWeights;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.StableDiffusionModel.Component;
import network.hydrogen.engine.model.WeightSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies LoRAs to a model by merging them into the weights they target: {@code W + scale · (alpha
 * / rank) · up @ down} per module, each with its own alpha, with the matrices flattened to [out,
 * rank] @ [rank, in·kh·kw] (exact for LoCon convs, whose down part has the layer's kernel and up
 * part is 1x1). The patched weights are computed when a network is built; every other tensor stays
 * mapped from the base model, which is not re-read.
 *
 * <p>File keys are bound from the model's side: for every module path of the UNet and the text
 * encoders (from {@link ParameterLayout}) the kohya names {@code lora_unet_} / {@code lora_te_} or
 * {@code lora_te1_} / {@code lora_te2_} (SDXL's second text encoder) + path with '.' replaced by
 * '_', and the diffusers/peft names {@code unet.} / {@code text_encoder.} / {@code text_encoder_2.}
 * + path. Text encoder paths are also matched without their {@code text_model.} prefix, UNet paths
 * also in the original SGM layout ({@code input_blocks.4.1.proj_in}), which kohya's SDXL LoRAs use.
 * A module name of the file that matches no module path is an error naming it: a LoRA made for
 * another model family would otherwise apply partly and silently.
 */
public final class Loras {

  private static final Logger LOG = LoggerFactory.getLogger(Loras.class);
  private static final int MAX_LISTED = 10;
  private static final String TEXT_MODEL = "text_model.";
  private static final String WEIGHT = ".weight";

  /** A network LoRAs can target and its key prefixes in both namings. */
  private enum Target {
    UNET(List.of("lora_unet_"), "unet."),
    TEXT_ENCODER(List.of("lora_te_", "lora_te1_"), "text_encoder."),
    TEXT_ENCODER_2(List.of("lora_te2_"), "text_encoder_2.");

    final List<String> kohyaPrefixes;
    final String diffusersPrefix;

    Target(List<String> kohyaPrefixes, String diffusersPrefix) {
      this.kohyaPrefixes = kohyaPrefixes;
      this.diffusersPrefix = diffusersPrefix;
    }
  }

  /** A module of a LoRA file bound to one weight of the model. */
  private record Binding(LoraFile.Module module, double scale) {}

  private Loras() {}

  /**
   * {@code model} with {@code loras} merged into its UNet and text encoder weights.
   *
   * @throws ModelFormatException naming the file and its modules that match no module of the model,
   *     or whose shapes do not fit the weight they target
   */
  public static StableDiffusionModel apply(StableDiffusionModel model, List<Lora> loras)
      throws IOException {
    if (loras.isEmpty()) {
      return model;
    }
    Bound bound = bind(model, loras);
    for (int i = 0; i < loras.size(); i++) {
      Lora lora = loras.get(i);
      Map<Target, Group> groups = bound.groups().get(i);
      for (Group group : groups.values()) {
        if (group.misfit() != null) {
          throw group.misfit();
        }
      }
      List<String> unknown =
          groups.values().stream().flatMap(group -> group.unknown().stream()).toList();
      if (!unknown.isEmpty()) {
        throw new ModelFormatException(
            lora.file().path(),
            "has "
                + unknown.size()
                + " LoRA modules that match no module of this "
                + model.family()
                + " model (a LoRA for another model family?): "
                + listed(unknown));
      }
    }
    return patched(model, loras, bound, group -> true);
  }

  /**
   * {@code model} with the parts of {@code loras} made for its networks: a LoRA's modules for one
   * network (by their key prefix: UNet, {@code text_encoder}, {@code text_encoder_2}) are merged
   * when every one of them fits that network of {@code model}, and left out otherwise, as are those
   * for a network the model does not have. For the SDXL refiner, which shares the base model's
   * OpenCLIP text encoder but not its UNet: an SDXL base LoRA patches its {@code text_encoder_2}, a
   * LoRA trained on the refiner its UNet as well. A LoRA that fits none of them leaves the model as
   * it is.
   */
  public static StableDiffusionModel applyWhereFits(StableDiffusionModel model, List<Lora> loras)
      throws IOException {
    if (loras.isEmpty()) {
      return model;
    }
    Bound bound = bind(model, loras);
    for (int i = 0; i < loras.size(); i++) {
      List<Target> fitting =
          bound.groups().get(i).entrySet().stream()
              .filter(group -> group.getKey() != null && group.getValue().fits())
              .map(Map.Entry::getKey)
              .toList();
      LOG.info(
          "LoRA {} on {}: patches {} (the networks all of whose modules fit)",
          loras.get(i).file().path().getFileName(),
          model.source(),
          fitting.isEmpty() ? "none of its networks" : fitting);
    }
    return patched(model, loras, bound, Group::fits);
  }

  /**
   * The modules of each file (in the order of the LoRAs), by the network their key names, bound to
   * the model's weights.
   */
  private record Bound(List<Map<Target, Group>> groups) {}

  /**
   * A file's modules for one network: those bound to its weights, the names that match none of
   * them, and the first module whose shapes do not fit its weight (null when all do).
   */
  private record Group(
      Map<String, List<Binding>> bindings, List<String> unknown, ModelFormatException misfit) {

    boolean fits() {
      return unknown.isEmpty() && misfit == null;
    }
  }

  private static Bound bind(StableDiffusionModel model, List<Lora> loras) throws IOException {
    Map<Target, Map<String, long[]>> weights = new EnumMap<>(Target.class);
    weights.put(Target.UNET, ParameterLayout.unetShapes(model.unet().config()));
    if (model.textEncoder() != null) {
      weights.put(
          Target.TEXT_ENCODER, ParameterLayout.textEncoderShapes(model.textEncoder().config()));
    }
    if (model.textEncoder2() != null) {
      weights.put(
          Target.TEXT_ENCODER_2, ParameterLayout.textEncoderShapes(model.textEncoder2().config()));
    }
    Map<String, Map.Entry<Target, String>> stems =
        stems(weights, ParameterLayout.unetOriginalKeys(model.unet().config()));
    List<Map<Target, Group>> groups = new ArrayList<>();
    for (Lora lora : loras) {
      Map<Target, Group> byTarget = new LinkedHashMap<>();
      for (LoraFile.Module module : lora.file().modules()) {
        Map.Entry<Target, String> target = stems.get(module.stem());
        Target named = target == null ? namedTarget(module.stem()) : target.getKey();
        Group group =
            byTarget.computeIfAbsent(
                named, t -> new Group(new LinkedHashMap<>(), new ArrayList<>(), null));
        if (target == null) {
          group.unknown().add(module.stem());
          continue;
        }
        String parameter = target.getValue() + WEIGHT;
        ModelFormatException misfit =
            misfit(lora.file(), module, parameter, weights.get(named).get(parameter));
        if (misfit != null) {
          if (group.misfit() == null) {
            byTarget.put(named, new Group(group.bindings(), group.unknown(), misfit));
          }
          continue;
        }
        group
            .bindings()
            .computeIfAbsent(parameter, p -> new ArrayList<>())
            .add(new Binding(module, lora.scale()));
      }
      groups.add(byTarget);
    }
    return new Bound(groups);
  }

  /**
   * The network a module's name is for by its prefix, when it matches no module of the model (null
   * for a name of no known network).
   */
  private static Target namedTarget(String stem) {
    for (Target target : Target.values()) {
      if (stem.startsWith(target.diffusersPrefix)
          || target.kohyaPrefixes.stream().anyMatch(stem::startsWith)) {
        return target;
      }
    }
    return null;
  }

  /** {@code model} with the bound modules of the groups {@code take} accepts merged. */
  private static StableDiffusionModel patched(
      StableDiffusionModel model, List<Lora> loras, Bound bound, Predicate<Group> take) {
    Map<Target, Map<String, List<Binding>>> merged = new EnumMap<>(Target.class);
    for (Map<Target, Group> groups : bound.groups()) {
      groups.forEach(
          (target, group) -> {
            if (target != null && take.test(group) && !group.bindings().isEmpty()) {
              Map<String, List<Binding>> bindings =
                  merged.computeIfAbsent(target, t -> new LinkedHashMap<>());
              group
                  .bindings()
                  .forEach(
                      (parameter, list) ->
                          bindings.computeIfAbsent(parameter, p -> new ArrayList<>()).addAll(list));
            }
          });
    }
    String what =
        "LoRA " + loras.stream().map(l -> l.file().path() + " at scale " + l.scale()).toList();
    return new StableDiffusionModel(
        model.source(),
        model.family(),
        model.modelIndex(),
        patched(model.textEncoder(), merged.get(Target.TEXT_ENCODER), what),
        patched(model.unet(), merged.get(Target.UNET), what),
        model.vae(),
        model.schedulerConfig(),
        model.tokenizer(),
        patched(model.textEncoder2(), merged.get(Target.TEXT_ENCODER_2), what),
        model.tokenizer2());
  }

  /** Each file-side module name, in both namings, to its network and module path. */
  private static Map<String, Map.Entry<Target, String>> stems(
      Map<Target, Map<String, long[]>> weights, Map<String, String> unetOriginalKeys) {
    Map<String, Map.Entry<Target, String>> stems = new HashMap<>();
    weights.forEach(
        (target, shapes) ->
            shapes.forEach(
                (name, shape) -> {
                  if (name.endsWith(WEIGHT) && (shape.length == 2 || shape.length == 4)) {
                    String path = name.substring(0, name.length() - WEIGHT.length());
                    Map.Entry<Target, String> module = Map.entry(target, path);
                    for (String form : forms(target, path, unetOriginalKeys)) {
                      for (String prefix : target.kohyaPrefixes) {
                        stems.put(prefix + form.replace('.', '_'), module);
                      }
                      stems.put(target.diffusersPrefix + form, module);
                    }
                  }
                }));
    return stems;
  }

  /**
   * The spellings of a module path in LoRA files: the path; for a text encoder also the path inside
   * {@code text_model} (files name {@code encoder.layers.0...} as well as {@code
   * text_model.encoder.layers.0...}; the reference matches module names by suffix); for the UNet
   * also the module's path in the original SGM layout, where it has one.
   */
  private static List<String> forms(
      Target target, String path, Map<String, String> unetOriginalKeys) {
    if (target == Target.UNET) {
      String original = unetOriginalKeys.get(path + WEIGHT);
      return original == null || !original.endsWith(WEIGHT) || original.equals(path + WEIGHT)
          ? List.of(path)
          : List.of(path, original.substring(0, original.length() - WEIGHT.length()));
    }
    return path.startsWith(TEXT_MODEL)
        ? List.of(path, path.substring(TEXT_MODEL.length()))
        : List.of(path);
  }

  /** Why {@code module} does not fit {@code weight}, or null when it does. */
  private static ModelFormatException misfit(
      LoraFile file, LoraFile.Module module, String parameter, long[] weight) {
    long[] down = module.down().shape();
    long[] up = module.up().shape();
    long weightColumns = module.down().elementCount() / down[0];
    long columns = 1;
    for (int i = 1; i < weight.length; i++) {
      columns *= weight[i];
    }
    if (up[0] == weight[0] && weightColumns == columns) {
      return null;
    }
    return new ModelFormatException(
        file.path(),
        "module "
            + module.stem()
            + " (down "
            + Arrays.toString(down)
            + ", up "
            + Arrays.toString(up)
            + ") does not fit "
            + parameter
            + " "
            + Arrays.toString(weight));
  }

  private static <C> Component<C> patched(
      Component<C> component, Map<String, List<Binding>> bindings, String what) {
    if (bindings == null) {
      return component;
    }
    Map<String, PatchedWeights.Patch> patches = new LinkedHashMap<>();
    bindings.forEach((parameter, list) -> patches.put(parameter, new Merge(list)));
    WeightSource weights = new PatchedWeights(component.weights(), patches, what);
    return new Component<>(component.config(), weights);
  }

  /** Adds the bound modules' scaled products to one weight. */
  private record Merge(List<Binding> bindings) implements PatchedWeights.Patch {

    @Override
    public long[] shape(long[] base) {
      return base;
    }

    @Override
    public float[] apply(FloatBuffer base, long[] baseShape) {
      float[] weight = new float[base.remaining()];
      base.duplicate().get(weight);
      int out = (int) baseShape[0];
      int columns = weight.length / out;
      for (Binding binding : bindings) {
        LoraFile.Module module = binding.module();
        int rank = module.rank();
        float[] down = floats(module.down().toFloat32());
        float[] up = floats(module.up().toFloat32());
        double factor = binding.scale() * module.alphaOverRank();
        float[] row = new float[columns];
        for (int o = 0; o < out; o++) {
          Arrays.fill(row, 0f);
          for (int r = 0; r < rank; r++) {
            float u = up[o * rank + r];
            int offset = r * columns;
            for (int c = 0; c < columns; c++) {
              row[c] += u * down[offset + c];
            }
          }
          int offset = o * columns;
          for (int c = 0; c < columns; c++) {
            weight[offset + c] += (float) (factor * row[c]);
          }
        }
      }
      return weight;
    }
  }

  private static float[] floats(FloatBuffer buffer) {
    float[] values = new float[buffer.remaining()];
    buffer.duplicate().get(values);
    return values;
  }

  /** The first few of {@code names} and how many more there are, for messages. */
  static String listed(List<String> names) {
    String first = String.join(", ", names.subList(0, Math.min(MAX_LISTED, names.size())));
    return names.size() > MAX_LISTED
        ? first + " and " + (names.size() - MAX_LISTED) + " more"
        : first;
  }
}
