package network.hydrogen.engine.lora;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
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
 * encoder (from {@link ParameterLayout}) the kohya name {@code lora_unet_} / {@code lora_te_} +
 * path with '.' replaced by '_' and the diffusers/peft name {@code unet.} / {@code text_encoder.} +
 * path (text encoder paths also without their {@code text_model.} prefix). A module name of the
 * file that matches no module path is an error naming it: a LoRA made for another model family
 * would otherwise apply partly and silently.
 */
public final class Loras {

  private static final int MAX_LISTED = 10;
  private static final String TEXT_MODEL = "text_model.";

  /** A network LoRAs can target and its key prefixes in both namings. */
  private enum Target {
    UNET("lora_unet_", "unet."),
    TEXT_ENCODER("lora_te_", "text_encoder.");

    final String kohyaPrefix;
    final String diffusersPrefix;

    Target(String kohyaPrefix, String diffusersPrefix) {
      this.kohyaPrefix = kohyaPrefix;
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
    Map<Target, Map<String, long[]>> weights = new LinkedHashMap<>();
    weights.put(Target.UNET, ParameterLayout.unetShapes(model.unet().config()));
    weights.put(
        Target.TEXT_ENCODER, ParameterLayout.textEncoderShapes(model.textEncoder().config()));
    Map<String, Map.Entry<Target, String>> stems = stems(weights);
    Map<Target, Map<String, List<Binding>>> bound = new LinkedHashMap<>();
    for (Lora lora : loras) {
      List<String> unknown = new ArrayList<>();
      for (LoraFile.Module module : lora.file().modules()) {
        Map.Entry<Target, String> target = stems.get(module.stem());
        if (target == null) {
          unknown.add(module.stem());
          continue;
        }
        String parameter = target.getValue() + ".weight";
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
        model.tokenizer());
  }

  /** Each file-side module name, in both namings, to its network and module path. */
  private static Map<String, Map.Entry<Target, String>> stems(
      Map<Target, Map<String, long[]>> weights) {
    Map<String, Map.Entry<Target, String>> stems = new HashMap<>();
    weights.forEach(
        (target, shapes) ->
            shapes.forEach(
                (name, shape) -> {
                  if (name.endsWith(".weight") && (shape.length == 2 || shape.length == 4)) {
                    String path = name.substring(0, name.length() - ".weight".length());
                    Map.Entry<Target, String> module = Map.entry(target, path);
                    for (String form : forms(target, path)) {
                      stems.put(target.kohyaPrefix + form.replace('.', '_'), module);
                      stems.put(target.diffusersPrefix + form, module);
                    }
                  }
                }));
    return stems;
  }

  /**
   * The spellings of a module path in LoRA files: the path, and for the text encoder also the path
   * inside {@code text_model} (files name {@code encoder.layers.0...} as well as {@code
   * text_model.encoder.layers.0...}; the reference matches module names by suffix).
   */
  private static List<String> forms(Target target, String path) {
    return target == Target.TEXT_ENCODER && path.startsWith(TEXT_MODEL)
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
