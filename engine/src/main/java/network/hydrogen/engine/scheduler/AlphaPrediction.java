package network.hydrogen.engine.scheduler;

import java.util.List;

/**
 * How DDIM and LCM read a model output at a timestep with cumulative alpha a: as noise (epsilon),
 * as the clean sample, or as velocity v = sqrt(a) eps - sqrt(1 - a) x0; with the optional clipping
 * of the predicted clean sample.
 */
record AlphaPrediction(String type, boolean clip, double clipRange) {

  static AlphaPrediction of(SchedulerConfig config) {
    config.requireDefault("thresholding", false);
    return new AlphaPrediction(
        config.choice("prediction_type", List.of("epsilon", "sample", "v_prediction")),
        config.bool("clip_sample"),
        config.number("clip_sample_range"));
  }

  /** {predicted clean sample (clipped if configured), predicted noise}. */
  double[] split(double output, double sample, double alphaCumprod) {
    double sqrtAlpha = Math.sqrt(alphaCumprod);
    double sqrtBeta = Math.sqrt(1 - alphaCumprod);
    double x0;
    double epsilon;
    switch (type) {
      case "epsilon" -> {
        x0 = (sample - sqrtBeta * output) / sqrtAlpha;
        epsilon = output;
      }
      case "sample" -> {
        x0 = output;
        epsilon = (sample - sqrtAlpha * output) / sqrtBeta;
      }
      default -> {
        x0 = sqrtAlpha * sample - sqrtBeta * output;
        epsilon = sqrtAlpha * output + sqrtBeta * sample;
      }
    }
    if (clip) {
      x0 = Math.max(-clipRange, Math.min(clipRange, x0));
    }
    return new double[] {x0, epsilon};
  }
}
