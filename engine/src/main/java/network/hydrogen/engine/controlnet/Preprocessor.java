package network.hydrogen.engine.controlnet;

import java.util.OptionalInt;

/**
 * A controlnet_aux annotator that turns a task's image into the control image. Only those without a
 * model run here: {@code canny} and {@code shuffle}.
 */
public sealed interface Preprocessor permits CannyDetector, ContentShuffle {

  /** The control image made from {@code image}. */
  ControlImage apply(ControlImage image);

  /** {@code canny} with these hysteresis thresholds (swapped when low is above high). */
  static Preprocessor canny(int lowThreshold, int highThreshold) {
    return new CannyDetector(lowThreshold, highThreshold);
  }

  /**
   * {@code shuffle} with the output size {@code h x w} (absent: the image's) and noise cell {@code
   * f} (absent: 256), its random fields drawn from {@code seed}.
   */
  static Preprocessor shuffle(OptionalInt h, OptionalInt w, OptionalInt f, long seed) {
    return new ContentShuffle(h.orElse(0), w.orElse(0), f.orElse(256), seed);
  }
}
