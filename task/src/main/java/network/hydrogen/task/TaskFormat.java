package network.hydrogen.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import network.hydrogen.task.Spec.Bool;
import network.hydrogen.task.Spec.Check;
import network.hydrogen.task.Spec.Field;
import network.hydrogen.task.Spec.Int;
import network.hydrogen.task.Spec.Method;
import network.hydrogen.task.Spec.Num;
import network.hydrogen.task.Spec.Obj;
import network.hydrogen.task.Spec.Str;
import network.hydrogen.task.prompt.PromptParser;
import network.hydrogen.task.prompt.PromptSyntaxException;

/**
 * The task format, field by field: names, types, defaults, ranges and descriptions. Compatible with
 * the seed network's sd-task inference args (versions 1.0.0 to 3.0.0); where that format set no
 * bound we add the ones a node needs (image sizes, scheduler choices), listed in
 * docs/task-format.md.
 */
final class TaskFormat {
  private TaskFormat() {}

  static final List<String> VERSIONS = List.of("1.0.0", "2.0.0", "2.1.0", "2.5.0", "3.0.0");
  private static final String DEFAULT_VERSION = "2.5.0";
  private static final int MAX_IMAGE_SIZE = 2048;

  // Value types.
  private static final Str STRING = new Str(0, List.of(), null);
  private static final Str NON_EMPTY = new Str(1, List.of(), null);
  private static final Check COMPEL = new Check(null, TaskFormat::promptProblem);
  private static final Bool BOOL = new Bool();
  private static final Int PERCENT = new Int(1, 100, 1);
  private static final Int NON_NEGATIVE = new Int(0, Integer.MAX_VALUE, 1);
  private static final Int POSITIVE = new Int(1, Integer.MAX_VALUE, 1);
  private static final Int IMAGE_SIZE = new Int(64, MAX_IMAGE_SIZE, 8);
  private static final Int ANY_INT = new Int(Integer.MIN_VALUE, Integer.MAX_VALUE, 1);
  private static final Num FRACTION = new Num(0, false, 1);
  private static final Num POSITIVE_NUMBER = new Num(0, true, Double.MAX_VALUE);
  private static final Num ANY_NUMBER = new Num(-Double.MAX_VALUE, false, Double.MAX_VALUE);

  private static Str oneOf(String... values) {
    return new Str(1, List.of(values), null);
  }

  private static Obj object(Field... fields) {
    return new Obj(List.of(fields), null);
  }

  // Fields.
  private static Field required(String name, Spec spec, String description) {
    return new Field(name, spec, true, false, null, description);
  }

  private static Field withDefault(String name, Spec spec, Object value, String description) {
    return new Field(name, spec, false, false, json(value), description);
  }

  /** Optional, may be null, no default: canonical form leaves it out when not given. */
  private static Field optional(String name, Spec spec, String description) {
    return new Field(name, spec, false, true, null, description);
  }

  private static JsonNode json(Object value) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (value) {
      case String s -> nodes.textNode(s);
      case Integer i -> nodes.numberNode((long) i);
      case Double d -> nodes.numberNode(d);
      case Boolean b -> nodes.booleanNode(b);
      case Map<?, ?> m -> {
        var object = nodes.objectNode();
        m.forEach((k, v) -> object.set((String) k, json(v)));
        yield object;
      }
      default -> throw new IllegalArgumentException("no JSON form for " + value);
    };
  }

  // The scheduler: diffusers config fields a task may override, null meaning "the model's own".
  private static final List<Field> COMMON_SCHEDULER_ARGS =
      List.of(
          optional("num_train_timesteps", new Int(1, 10_000, 1), "Training timesteps."),
          optional("beta_start", FRACTION, "First beta of the noise schedule."),
          optional("beta_end", FRACTION, "Last beta of the noise schedule."),
          optional(
              "beta_schedule",
              oneOf("linear", "scaled_linear", "squaredcos_cap_v2"),
              "How betas go from beta_start to beta_end."),
          optional(
              "prediction_type",
              oneOf("epsilon", "v_prediction", "sample"),
              "What the UNet predicts."),
          optional(
              "timestep_spacing",
              oneOf("linspace", "leading", "trailing"),
              "How inference timesteps are spread over the training ones."),
          optional("steps_offset", new Int(0, 1000, 1), "Offset added to inference timesteps."),
          optional("rescale_betas_zero_snr", BOOL, "Rescale betas to zero terminal SNR."));

  private static final Field THRESHOLDING =
      optional("thresholding", BOOL, "Dynamic thresholding of the predicted sample.");
  private static final Field DYNAMIC_THRESHOLDING_RATIO =
      optional("dynamic_thresholding_ratio", FRACTION, "Dynamic thresholding percentile.");
  private static final Field SAMPLE_MAX_VALUE =
      optional("sample_max_value", POSITIVE_NUMBER, "Dynamic thresholding maximum.");

  private static final Obj LCM_ARGS =
      schedulerArgs(
          optional("original_inference_steps", new Int(1, 1000, 1), "LCM skipping steps."),
          optional(
              "clip_samples",
              ANY_INT,
              "Kept for seed compatibility; diffusers names it clip_sample and ignores this."),
          optional(
              "clip_samples_range",
              ANY_NUMBER,
              "Kept for seed compatibility; diffusers names it clip_sample_range and ignores this."),
          optional("set_alpha_to_one", BOOL, "Use alpha 1 for the final step."),
          THRESHOLDING,
          DYNAMIC_THRESHOLDING_RATIO,
          SAMPLE_MAX_VALUE,
          optional("timestep_scaling", POSITIVE_NUMBER, "Timestep scaling of the boundary terms."));

  private static final Obj DPM_SOLVER_ARGS =
      schedulerArgs(
          optional("solver_order", new Int(1, 3, 1), "Order of the DPM-Solver."),
          THRESHOLDING,
          DYNAMIC_THRESHOLDING_RATIO,
          SAMPLE_MAX_VALUE,
          optional(
              "algorithm_type",
              oneOf("dpmsolver", "dpmsolver++", "sde-dpmsolver", "sde-dpmsolver++"),
              "The solver algorithm."),
          optional("solver_type", oneOf("midpoint", "heun"), "Second-order solver type."),
          optional("lower_order_final", BOOL, "Lower-order solver for the final steps."),
          optional("euler_at_final", BOOL, "Euler step at the final step."),
          optional("use_karras_sigmas", BOOL, "Karras noise levels."),
          optional("use_lu_lambdas", BOOL, "Lu's uniform-logSNR step sizes."),
          optional("final_sigmas_type", oneOf("zero", "sigma_min"), "The last sigma."),
          optional("lambda_min_clipped", ANY_NUMBER, "Clipping threshold of the minimum lambda."),
          optional("variance_type", oneOf("learned", "learned_range"), "Learned variance type."));

  private static Obj schedulerArgs(Field... extra) {
    return new Obj(
        Stream.concat(COMMON_SCHEDULER_ARGS.stream(), Arrays.stream(extra)).toList(), null);
  }

  private static final Method SCHEDULER =
      new Method(
          methods(
              TaskArgs.SchedulerMethod.values(),
              TaskArgs.SchedulerMethod::jsonName,
              Map.of(
                  TaskArgs.SchedulerMethod.DPM_SOLVER_MULTISTEP, DPM_SOLVER_ARGS,
                  TaskArgs.SchedulerMethod.EULER_ANCESTRAL_DISCRETE, schedulerArgs(),
                  TaskArgs.SchedulerMethod.LCM, LCM_ARGS)),
          "The sampler (a diffusers scheduler class) and the scheduler config fields to"
              + " override; fields left out keep the base model's scheduler config.");

  // ControlNet preprocessing, with controlnet_aux's defaults.
  private static final Obj PIDINET_ARGS =
      object(withDefault("apply_filter", BOOL, false, "Filter the detected edges."));
  private static final Obj LERES_ARGS =
      object(
          withDefault("thr_a", new Int(0, 100, 1), 0, "Remove near, in percent."),
          withDefault("thr_b", new Int(0, 100, 1), 0, "Remove background, in percent."));

  private static final Map<TaskArgs.PreprocessMethod, Obj> PREPROCESS_ARGS =
      Map.ofEntries(
          Map.entry(
              TaskArgs.PreprocessMethod.CANNY,
              object(
                  withDefault("low_threshold", NON_NEGATIVE, 100, "Canny low threshold."),
                  withDefault("high_threshold", NON_NEGATIVE, 200, "Canny high threshold."))),
          Map.entry(
              TaskArgs.PreprocessMethod.MLSD,
              object(
                  withDefault("thr_v", PERCENT, 10, "Value threshold, in percent."),
                  withDefault("thr_d", PERCENT, 10, "Distance threshold, in percent."))),
          Map.entry(TaskArgs.PreprocessMethod.SCRIBBLE_PIDINET, PIDINET_ARGS),
          Map.entry(TaskArgs.PreprocessMethod.SOFTEDGE_PIDINET, PIDINET_ARGS),
          Map.entry(TaskArgs.PreprocessMethod.SCRIBBLE_PIDISAFE, PIDINET_ARGS),
          Map.entry(TaskArgs.PreprocessMethod.SOFTEDGE_PIDISAFE, PIDINET_ARGS),
          Map.entry(
              TaskArgs.PreprocessMethod.DEPTH_ZOE,
              object(withDefault("gamma_corrected", BOOL, false, "Gamma-correct the depth."))),
          Map.entry(TaskArgs.PreprocessMethod.DEPTH_LERES, LERES_ARGS),
          Map.entry(TaskArgs.PreprocessMethod.DEPTH_LERES_PLUS_PLUS, LERES_ARGS),
          Map.entry(
              TaskArgs.PreprocessMethod.SHUFFLE,
              object(
                  optional("h", new Int(1, MAX_IMAGE_SIZE, 1), "Height; the image's if absent."),
                  optional("w", new Int(1, MAX_IMAGE_SIZE, 1), "Width; the image's if absent."),
                  optional("f", POSITIVE, "Shuffle noise factor; 256 if absent."))),
          Map.entry(
              TaskArgs.PreprocessMethod.MEDIAPIPE_FACE,
              object(
                  withDefault("max_faces", new Int(1, 100, 1), 1, "Most faces to detect."),
                  withDefault(
                      "min_confidence", PERCENT, 50, "Detection confidence, in percent."))));

  private static final Method PREPROCESS =
      new Method(
          methods(
              TaskArgs.PreprocessMethod.values(),
              TaskArgs.PreprocessMethod::jsonName,
              PREPROCESS_ARGS),
          "Turns the reference image into the control image (controlnet_aux processor).");

  /** Every method in enum order; methods without arguments get an empty args object. */
  private static <E extends Enum<E>> Map<String, Obj> methods(
      E[] all, Function<E, String> jsonName, Map<E, Obj> args) {
    Map<String, Obj> byName = new LinkedHashMap<>();
    for (E method : all) {
      byName.put(jsonName.apply(method), args.getOrDefault(method, object()));
    }
    return byName;
  }

  private static final Obj BASE_MODEL =
      new Obj(
          List.of(
              required("name", NON_EMPTY, "Hugging Face repo id or download URL."),
              optional("variant", STRING, "File variant, e.g. fp16.")),
          "name");

  private static final Obj TASK_CONFIG =
      object(
          withDefault("image_width", IMAGE_SIZE, 512, "Image width in pixels."),
          withDefault("image_height", IMAGE_SIZE, 512, "Image height in pixels."),
          withDefault("steps", new Int(1, 100, 1), 1, "Denoising steps."),
          withDefault("seed", new Int(0, Integer.MAX_VALUE, 1), 0, "Random seed."),
          withDefault("num_images", new Int(1, 10, 1), 6, "Images to generate."),
          withDefault("safety_checker", BOOL, true, "Black out NSFW images."),
          withDefault("cfg", new Num(0, false, 20), 5.0, "Classifier-free guidance scale."));

  private static final Obj LORA =
      object(
          required("model", NON_EMPTY, "Hugging Face repo id or download URL."),
          withDefault("weight_file_name", STRING, "", "Weights file in the repo; empty: auto."),
          withDefault("weight", PERCENT, 100, "LoRA scale, in percent."));

  private static final Obj CONTROLNET =
      object(
          required("model", NON_EMPTY, "Hugging Face repo id or download URL."),
          optional("variant", STRING, "File variant, e.g. fp16."),
          required(
              "image_dataurl",
              new Str(1, List.of(), DataUrl.CHECK),
              "Reference image as a base64 data URL (data:image/png;base64,...)."),
          withDefault("weight", PERCENT, 70, "Conditioning scale, in percent."),
          optional("preprocess", PREPROCESS, PREPROCESS.description()));

  private static final Obj REFINER =
      object(
          required("model", NON_EMPTY, "Hugging Face repo id or download URL."),
          optional("variant", STRING, "File variant, e.g. fp16."),
          withDefault(
              "denoising_cutoff", PERCENT, 80, "Share of denoising done by the base, in percent."),
          withDefault("steps", new Int(1, 100, 1), 20, "Refiner denoising steps."));

  /** The whole task. */
  static final Obj TASK =
      object(
          withDefault(
              "version",
              oneOf(VERSIONS.toArray(String[]::new)),
              DEFAULT_VERSION,
              "Format version."),
          required("base_model", BASE_MODEL, "The checkpoint: a name, or {name, variant}."),
          withDefault(
              "dtype",
              oneOf(
                  Arrays.stream(TaskArgs.Dtype.values())
                      .map(TaskArgs.Dtype::jsonName)
                      .toArray(String[]::new)),
              "auto",
              "Precision to run in; auto lets the node choose."),
          withDefault("unet", STRING, "", "Replacement UNet; empty: the base model's."),
          required("prompt", new Str(1, List.of(), COMPEL), "What to draw, in Compel syntax."),
          withDefault(
              "negative_prompt",
              new Str(0, List.of(), COMPEL),
              "",
              "What to avoid, in Compel syntax."),
          required("task_config", TASK_CONFIG, "Image size, steps, seed, count, guidance."),
          optional("lora", LORA, "A LoRA to apply."),
          optional("controlnet", CONTROLNET, "A ControlNet and its reference image."),
          withDefault(
              "scheduler",
              SCHEDULER,
              Map.of("method", TaskArgs.SchedulerMethod.DPM_SOLVER_MULTISTEP.jsonName()),
              SCHEDULER.description()),
          withDefault("vae", STRING, "", "Replacement VAE; empty: the base model's."),
          optional("refiner", REFINER, "An SDXL refiner run after the base model."),
          withDefault(
              "textual_inversion", STRING, "", "Textual inversion embedding; empty: none."));

  /** Every field path of the format, for documentation checks ({@code a.b}, methods' args too). */
  static Set<String> fieldPaths() {
    Set<String> paths = new LinkedHashSet<>();
    collect(TASK, "", paths);
    return paths;
  }

  private static void collect(Spec spec, String prefix, Set<String> paths) {
    switch (spec) {
      case Obj obj -> {
        for (Field field : obj.fields()) {
          paths.add(prefix + field.name());
          collect(field.spec(), prefix + field.name() + ".", paths);
        }
      }
      case Method method -> {
        paths.add(prefix + "method");
        method.argsByMethod().values().forEach(args -> collect(args, prefix + "args.", paths));
      }
      default -> {}
    }
  }

  /** What is wrong with a prompt's Compel syntax, or null when it parses. */
  private static String promptProblem(String prompt) {
    try {
      PromptParser.parse(prompt);
      return null;
    } catch (PromptSyntaxException e) {
      return "malformed Compel prompt: " + e.getMessage();
    }
  }
}
