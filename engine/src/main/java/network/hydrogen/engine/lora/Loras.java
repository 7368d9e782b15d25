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
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.PatchedWeights;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.StableDiffusionModel.Component;
import network.hydrogen.engine.model.WeightSource;

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
    Map<Target, Map<String, List<Binding>>> bound = new LinkedHashMap<>();
    for (Lora lora : loras) {
      List<String> unknown = new ArrayList<>();
      for (LoraFile.Module module : lora.file().modules()) {
        Map.Entry<Target, String> target = stems.get(module.stem());
        if (target == null) {
          unknown.add(module.stem());
          continue;
        }
        String parameter = target.getValue() + WEIGHT;
        checkFits(lora.file(), module, parameter, weights.get(target.getKey()).get(parameter));
        bound
            .computeIfAbsent(target.getKey(), t -> new LinkedHashMap<>())
            .computeIfAbsent(parameter, p -> new ArrayList<>())
            .add(new Binding(module, lora.scale()));
      }
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
    String what = "LoRA " + loras.stream().map(l -> l.file().path().getFileName()).toList();
    return new StableDiffusionModel(
        model.source(),
        model.family(),
        model.modelIndex(),
        patched(model.textEncoder(), bound.get(Target.TEXT_ENCODER), what),
        patched(model.unet(), bound.get(Target.UNET), what),
        model.vae(),
        model.schedulerConfig(),
        model.tokenizer(),
        patched(model.textEncoder2(), bound.get(Target.TEXT_ENCODER_2), what),
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

  private static void checkFits(
      LoraFile file, LoraFile.Module module, String parameter, long[] weight) {
    long[] down = module.down().shape();
    long[] up = module.up().shape();
    long weightColumns = module.down().elementCount() / down[0];
    long columns = 1;
    for (int i = 1; i < weight.length; i++) {
      columns *= weight[i];
    }
    if (up[0] != weight[0] || weightColumns != columns) {
      throw new ModelFormatException(
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
        FloatBuffer down = module.down().toFloat32();
        FloatBuffer up = module.up().toFloat32();
        double factor = binding.scale() * module.alphaOverRank();
        float[] row = new float[columns];
        for (int o = 0; o < out; o++) {
          Arrays.fill(row, 0f);
          for (int r = 0; r < rank; r++) {
            float u = up.get(o * rank + r);
            int offset = r * columns;
            for (int c = 0; c < columns; c++) {
              row[c] += u * down.get(offset + c);
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

  /** The first few of {@code names} and how many more there are, for messages. */
  static String listed(List<String> names) {
    String first = String.join(", ", names.subList(0, Math.min(MAX_LISTED, names.size())));
    return names.size() > MAX_LISTED
        ? first + " and " + (names.size() - MAX_LISTED) + " more"
        : first;
  }
}
