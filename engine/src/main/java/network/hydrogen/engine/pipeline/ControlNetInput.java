package network.hydrogen.engine.pipeline;

import java.util.Objects;
import java.util.Optional;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.controlnet.Preprocessor;
import network.hydrogen.task.TaskArgs;

/**
 * What a ControlNet is conditioned on in one generation: the control image (already preprocessed)
 * and the conditioning scale its residuals are multiplied by. The ControlNet itself is load-time
 * ({@link TextToImage#load(network.hydrogen.engine.model.StableDiffusionModel,
 * network.hydrogen.engine.graph.InferenceOptions, Adapters,
 * network.hydrogen.engine.model.ControlNetModel)}).
 */
public record ControlNetInput(ControlImage image, double scale) {

  public ControlNetInput {
    Objects.requireNonNull(image, "image");
    if (!(scale >= 0)) {
      throw new IllegalArgumentException("the conditioning scale must be >= 0, was " + scale);
    }
  }

  /**
   * The task's {@code controlnet} input: its {@code image_dataurl} decoded, run through its {@code
   * preprocess} method (random ones seeded with the task's seed), at {@code weight} percent.
   *
   * @throws UnsupportedTaskException when the preprocess method needs an annotator model, naming
   *     the file, or the image cannot be decoded
   */
  public static Optional<ControlNetInput> fromTask(TaskArgs task) {
    if (task.controlnet().isEmpty()) {
      return Optional.empty();
    }
    TaskArgs.ControlNet controlNet = task.controlnet().get();
    ControlImage image;
    try {
      image = ControlImage.decode(controlNet.imageBytes());
    } catch (IllegalArgumentException e) {
      throw new UnsupportedTaskException("controlnet.image_dataurl: " + e.getMessage());
    }
    if (controlNet.preprocess().isPresent()) {
      image = preprocessor(controlNet.preprocess().get(), task.taskConfig().seed()).apply(image);
    }
    return Optional.of(new ControlNetInput(image, controlNet.weight() / 100.0));
  }

  /** The Java annotator of {@code preprocess}; the others are refused, naming their model. */
  static Preprocessor preprocessor(TaskArgs.Preprocess preprocess, long seed) {
    return switch (preprocess) {
      case TaskArgs.Preprocess.Canny canny ->
          Preprocessor.canny(canny.lowThreshold(), canny.highThreshold());
      case TaskArgs.Preprocess.Shuffle shuffle ->
          Preprocessor.shuffle(shuffle.h(), shuffle.w(), shuffle.f(), seed);
      default -> throw refused(preprocess.method());
    };
  }

  private static UnsupportedTaskException refused(TaskArgs.PreprocessMethod method) {
    String needs =
        switch (method) {
          case SCRIBBLE_HED, SOFTEDGE_HED, SCRIBBLE_HEDSAFE, SOFTEDGE_HEDSAFE ->
              "ControlNetHED.pth";
          case DEPTH_MIDAS -> "dpt_hybrid-midas-501f0c75.pt";
          case MLSD -> "mlsd_large_512_fp32.pth";
          case OPENPOSE, OPENPOSE_FACE, OPENPOSE_FACEONLY, OPENPOSE_FULL, OPENPOSE_HAND ->
              "body_pose_model.pth, hand_pose_model.pth and facenet.pth";
          case DWPOSE -> "yolox_l.onnx and dw-ll_ucoco_384.onnx";
          case SCRIBBLE_PIDINET, SOFTEDGE_PIDINET, SCRIBBLE_PIDISAFE, SOFTEDGE_PIDISAFE ->
              "table5_pidinet.pth";
          case NORMAL_BAE -> "scannet.pt";
          case LINEART_COARSE -> "sk_model2.pth";
          case LINEART_REALISTIC -> "sk_model.pth and sk_model2.pth";
          case LINEART_ANIME -> "netG.pth";
          case DEPTH_ZOE -> "ZoeD_M12_N.pt";
          case DEPTH_LERES -> "res101.pth";
          case DEPTH_LERES_PLUS_PLUS -> "res101.pth and latest_net_G.pth";
          case MEDIAPIPE_FACE -> "mediapipe's face_landmarker.task";
          case CANNY, SHUFFLE -> throw new IllegalStateException(method + " runs in Java");
        };
    return new UnsupportedTaskException(
        "controlnet.preprocess.method "
            + method.jsonName()
            + " needs the annotator model "
            + needs
            + " (lllyasviel/Annotators, in the models folder), which this engine does not run;"
            + " only canny and shuffle run here");
  }
}
