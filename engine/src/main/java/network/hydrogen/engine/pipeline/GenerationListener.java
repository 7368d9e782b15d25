package network.hydrogen.engine.pipeline;

import network.hydrogen.engine.graph.FloatTensor;

/**
 * Told of a generation's progress after each denoising step, and optionally of its intermediate
 * tensors (to dump them for comparison with another implementation). To cancel a generation,
 * interrupt the thread running it: it stops between steps with a {@link
 * java.util.concurrent.CancellationException}.
 */
@FunctionalInterface
public interface GenerationListener {

  /** {@code completed} of {@code total} denoising steps are done. */
  void onStep(int completed, int total);

  /**
   * An intermediate tensor: {@code text_embeddings.cond} and {@code text_embeddings.uncond} (the
   * text encoder's output; SDXL: both encoders' joined), {@code pooled_embeddings.cond} and {@code
   * pooled_embeddings.uncond} and {@code time_ids} (the UNet batch's rows; SDXL only), {@code
   * unet_out.step0} (the first UNet call's output, the whole batch), {@code final_latents}, {@code
   * image} (the decoded batch in [0, 1], NCHW). Ignored by default.
   */
  default void onTensor(String name, FloatTensor tensor) {}

  /** A listener that ignores progress. */
  static GenerationListener none() {
    return (completed, total) -> {};
  }
}
