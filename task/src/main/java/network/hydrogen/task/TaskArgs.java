package network.hydrogen.task;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A valid Stable Diffusion task, every default filled in: what a node runs. Obtain one from {@link
 * Tasks#parse}; the JSON field each component comes from is in its name ({@code taskConfig} is
 * {@code task_config}), and {@code docs/task-format.md} describes them all.
 *
 * @param version the task format version, one of {@link Tasks#VERSIONS}
 * @param unet a replacement UNet (Hugging Face repo id or URL), empty for the base model's own
 * @param vae a replacement VAE, empty for the base model's own
 * @param textualInversion a textual inversion embedding to load, empty for none
 */
public record TaskArgs(
    String version,
    BaseModel baseModel,
    Dtype dtype,
    String unet,
    String prompt,
    String negativePrompt,
    TaskConfig taskConfig,
    Optional<Lora> lora,
    Optional<ControlNet> controlnet,
    Scheduler scheduler,
    String vae,
    Optional<Refiner> refiner,
    String textualInversion) {

  /** The checkpoint to run: a Hugging Face repo id or a download URL, and its file variant. */
  public record BaseModel(String name, Optional<String> variant) {}

  /**
   * The image generation settings.
   *
   * @param cfg the classifier-free guidance scale, 0..20
   */
  public record TaskConfig(
      int imageWidth,
      int imageHeight,
      int steps,
      int seed,
      int numImages,
      boolean safetyChecker,
      double cfg) {}

  /**
   * A LoRA to apply.
   *
   * @param weightFileName the weights file inside a repo, empty to let the loader choose
   * @param weight the LoRA scale in percent, 1..100
   */
  public record Lora(String model, String weightFileName, int weight) {}

  /**
   * A ControlNet and its conditioning image.
   *
   * @param imageDataUrl the image as a base64 {@code data:image/...} URL
   * @param weight the conditioning scale in percent, 1..100
   * @param preprocess how to turn the image into the control image; empty to use it as is
   */
  public record ControlNet(
      String model,
      Optional<String> variant,
      String imageDataUrl,
      int weight,
      Optional<Preprocess> preprocess) {

    /** The bytes of the image file in {@link #imageDataUrl()} (PNG, JPEG, ...). */
    public byte[] imageBytes() {
      return DataUrl.decode(imageDataUrl);
    }
  }

  /**
   * A ControlNet preprocessor (a controlnet_aux processor) and its arguments, defaults filled in.
   * Percentages stay integer percent, as in the JSON.
   */
  public sealed interface Preprocess {
    PreprocessMethod method();

    /** {@code canny}: edge thresholds. */
    record Canny(int lowThreshold, int highThreshold) implements Preprocess {
      @Override
      public PreprocessMethod method() {
        return PreprocessMethod.CANNY;
      }
    }

    /** {@code mlsd}: value and distance thresholds, in percent. */
    record Mlsd(int thrV, int thrD) implements Preprocess {
      @Override
      public PreprocessMethod method() {
        return PreprocessMethod.MLSD;
      }
    }

    /** The four PiDiNet methods ({@code scribble_pidinet}, ...). */
    record PidiNet(PreprocessMethod method, boolean applyFilter) implements Preprocess {
      public PidiNet {
        require(
            method,
            EnumSet.of(
                PreprocessMethod.SCRIBBLE_PIDINET,
                PreprocessMethod.SOFTEDGE_PIDINET,
                PreprocessMethod.SCRIBBLE_PIDISAFE,
                PreprocessMethod.SOFTEDGE_PIDISAFE));
      }
    }

    /** {@code depth_zoe}. */
    record DepthZoe(boolean gammaCorrected) implements Preprocess {
      @Override
      public PreprocessMethod method() {
        return PreprocessMethod.DEPTH_ZOE;
      }
    }

    /** {@code depth_leres} and {@code depth_leres++}: remove near and background, in percent. */
    record Leres(PreprocessMethod method, int thrA, int thrB) implements Preprocess {
      public Leres {
        require(
            method,
            EnumSet.of(PreprocessMethod.DEPTH_LERES, PreprocessMethod.DEPTH_LERES_PLUS_PLUS));
      }
    }

    /** {@code shuffle}: sizes and noise factor, empty for the processor's own. */
    record Shuffle(OptionalInt h, OptionalInt w, OptionalInt f) implements Preprocess {
      @Override
      public PreprocessMethod method() {
        return PreprocessMethod.SHUFFLE;
      }
    }

    /** {@code mediapipe_face}: how many faces, and the detection confidence in percent. */
    record MediapipeFace(int maxFaces, int minConfidence) implements Preprocess {
      @Override
      public PreprocessMethod method() {
        return PreprocessMethod.MEDIAPIPE_FACE;
      }
    }

    /** A method without arguments ({@code openpose}, {@code depth_midas}, ...). */
    record Plain(PreprocessMethod method) implements Preprocess {
      public Plain {
        require(
            method,
            EnumSet.complementOf(
                EnumSet.of(
                    PreprocessMethod.CANNY,
                    PreprocessMethod.MLSD,
                    PreprocessMethod.SCRIBBLE_PIDINET,
                    PreprocessMethod.SOFTEDGE_PIDINET,
                    PreprocessMethod.SCRIBBLE_PIDISAFE,
                    PreprocessMethod.SOFTEDGE_PIDISAFE,
                    PreprocessMethod.DEPTH_ZOE,
                    PreprocessMethod.DEPTH_LERES,
                    PreprocessMethod.DEPTH_LERES_PLUS_PLUS,
                    PreprocessMethod.SHUFFLE,
                    PreprocessMethod.MEDIAPIPE_FACE)));
      }
    }

    private static void require(PreprocessMethod method, Set<PreprocessMethod> allowed) {
      if (!allowed.contains(method)) {
        throw new IllegalArgumentException(method.jsonName() + " does not take these arguments");
      }
    }
  }

  /**
   * The sampler and the diffusers scheduler config fields the task overrides.
   *
   * @param args only the overridden fields, by their diffusers config name: {@code Integer}, {@code
   *     Double}, {@code Boolean} or {@code String}
   */
  public record Scheduler(SchedulerMethod method, Map<String, Object> args) {}

  /**
   * An SDXL refiner run after the base model.
   *
   * @param denoisingCutoff the percentage of the denoising done by the base model, 1..100
   */
  public record Refiner(String model, Optional<String> variant, int denoisingCutoff, int steps) {}

  /** The precision to run the models in; {@code AUTO} lets the node choose. */
  public enum Dtype {
    FLOAT16,
    BFLOAT16,
    FLOAT32,
    AUTO;

    /** The name in task JSON. */
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Dtype of(String jsonName) {
      return valueOf(jsonName.toUpperCase(Locale.ROOT));
    }
  }

  /** The samplers a task may ask for, named by their diffusers class. */
  public enum SchedulerMethod {
    DPM_SOLVER_MULTISTEP("DPMSolverMultistepScheduler"),
    EULER_ANCESTRAL_DISCRETE("EulerAncestralDiscreteScheduler"),
    LCM("LCMScheduler");

    private final String jsonName;

    SchedulerMethod(String jsonName) {
      this.jsonName = jsonName;
    }

    /** The name in task JSON: the diffusers class name. */
    public String jsonName() {
      return jsonName;
    }

    static SchedulerMethod of(String jsonName) {
      return Arrays.stream(values()).filter(m -> m.jsonName.equals(jsonName)).findFirst().get();
    }
  }

  /** The ControlNet preprocessors, named as controlnet_aux names them. */
  public enum PreprocessMethod {
    CANNY("canny"),
    SCRIBBLE_HED("scribble_hed"),
    SOFTEDGE_HED("softedge_hed"),
    SCRIBBLE_HEDSAFE("scribble_hedsafe"),
    SOFTEDGE_HEDSAFE("softedge_hedsafe"),
    DEPTH_MIDAS("depth_midas"),
    MLSD("mlsd"),
    OPENPOSE("openpose"),
    OPENPOSE_FACE("openpose_face"),
    OPENPOSE_FACEONLY("openpose_faceonly"),
    OPENPOSE_FULL("openpose_full"),
    OPENPOSE_HAND("openpose_hand"),
    DWPOSE("dwpose"),
    SCRIBBLE_PIDINET("scribble_pidinet"),
    SOFTEDGE_PIDINET("softedge_pidinet"),
    SCRIBBLE_PIDISAFE("scribble_pidisafe"),
    SOFTEDGE_PIDISAFE("softedge_pidisafe"),
    NORMAL_BAE("normal_bae"),
    LINEART_COARSE("lineart_coarse"),
    LINEART_REALISTIC("lineart_realistic"),
    LINEART_ANIME("lineart_anime"),
    DEPTH_ZOE("depth_zoe"),
    DEPTH_LERES("depth_leres"),
    DEPTH_LERES_PLUS_PLUS("depth_leres++"),
    SHUFFLE("shuffle"),
    MEDIAPIPE_FACE("mediapipe_face");

    private final String jsonName;

    PreprocessMethod(String jsonName) {
      this.jsonName = jsonName;
    }

    /** The name in task JSON. */
    public String jsonName() {
      return jsonName;
    }

    static PreprocessMethod of(String jsonName) {
      return Arrays.stream(values()).filter(m -> m.jsonName.equals(jsonName)).findFirst().get();
    }
  }
}
