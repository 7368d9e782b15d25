package network.hydrogen.engine.controlnet;

/**
 * A controlnet_aux annotator that turns a task's image into the control image: {@code canny} and
 * {@code shuffle} run in Java; the others need annotator models and are refused by {@link
 * Preprocessors#fromTask}.
 */
public sealed interface Preprocessor permits CannyDetector {

  /** The control image made from {@code image}. */
  ControlImage apply(ControlImage image);
}
