package network.hydrogen.engine.scheduler;

import java.util.List;

/** What the model's output predicts: diffusers' prediction_type. */
enum Prediction {
  /** The noise that was added. */
  EPSILON,
  /** The velocity v = alpha * noise - sigma * sample (Salimans and Ho 2022). */
  V_PREDICTION,
  /** The clean sample itself. */
  SAMPLE;

  /** Reads prediction_type, accepting only the names in {@code accepted}. */
  static Prediction read(SchedulerConfig config, List<String> accepted) {
    return switch (config.choice("prediction_type", accepted)) {
      case "epsilon" -> EPSILON;
      case "v_prediction" -> V_PREDICTION;
      default -> SAMPLE; // "sample", or Euler's older name "original_sample"
    };
  }
}
