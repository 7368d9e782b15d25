package network.hydrogen.engine.pipeline;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.controlnet.Preprocessor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelSource;
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
   * A task's control input before preprocessing: the decoded image, its preprocessor (annotator
   * model files located), the conditioning scale. Preprocessing runs inference, so it waits for the
   * task's run ({@link #preprocess}).
   */
  public record Pending(ControlImage image, Optional<Preprocessor> preprocessor, double scale) {

    /** Runs the preprocessor, if any, with {@code options}. */
    public ControlNetInput preprocess(InferenceOptions options) throws IOException {
      ControlImage control =
          preprocessor.isEmpty() ? image : preprocessor.get().apply(image, options);
      return new ControlNetInput(control, scale);
    }
  }

  /**
   * The task's {@code controlnet} input: its {@code image_dataurl} decoded, the preprocessor of its
   * {@code preprocess} method (random ones seeded with the task's seed, annotator networks located
   * in {@code models}), at {@code weight} percent.
   *
   * @throws UnsupportedTaskException when the image cannot be decoded, or the preprocessor cannot
   *     work on it (e.g. {@code depth_leres++} on a very small image)
   * @throws network.hydrogen.engine.library.ModelNotFoundException naming the annotator model file
   *     the method needs when it is not in the models folder
   */
  public static Optional<Pending> fromTask(TaskArgs task, ModelSource models) throws IOException {
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
    Optional<Preprocessor> preprocessor = Optional.empty();
    if (controlNet.preprocess().isPresent()) {
      try {
        Preprocessor of =
            Preprocessor.of(
                controlNet.preprocess().get(), task.taskConfig().seed(), models::annotator);
        of.requireFits(image);
        preprocessor = Optional.of(of);
      } catch (IllegalArgumentException e) {
        throw new UnsupportedTaskException("controlnet.preprocess: " + e.getMessage());
      }
    }
    return Optional.of(new Pending(image, preprocessor, controlNet.weight() / 100.0));
  }
}
