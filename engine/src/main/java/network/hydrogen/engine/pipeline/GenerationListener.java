package network.hydrogen.engine.pipeline;

/**
 * Told of a generation's progress after each denoising step. To cancel a generation, interrupt the
 * thread running it: it stops between steps with a {@link
 * java.util.concurrent.CancellationException}.
 */
@FunctionalInterface
public interface GenerationListener {

  /** {@code completed} of {@code total} denoising steps are done. */
  void onStep(int completed, int total);

  /** A listener that ignores progress. */
  static GenerationListener none() {
    return (completed, total) -> {};
  }
}
