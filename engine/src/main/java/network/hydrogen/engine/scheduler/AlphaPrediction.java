package network.hydrogen.engine.scheduler;

import java.util.List;

/**
 * How DDIM and LCM read a model output at a timestep with cumulative alpha a (the sample being
 * sqrt(a) x0 + sqrt(1 - a) noise), with the optional clipping of the predicted clean sample.
 */
record AlphaPrediction(Prediction type, boolean clip, double clipRange) {

  static AlphaPrediction of(SchedulerConfig config) {
    config.requireDefault("thresholding", false);
    return new AlphaPrediction(
        Prediction.read(config, List.of("epsilon", "sample", "v_prediction")),
        config.bool("clip_sample"),
        config.number("clip_sample_range"));
  }

  /** The predicted clean sample, clipped to the range if configured. */
  double originalSample(double output, double sample, double alphaCumprod) {
    double x0 =
        switch (type) {
          case EPSILON -> (sample - Math.sqrt(1 - alphaCumprod) * output) / Math.sqrt(alphaCumprod);
          case SAMPLE -> output;
          case V_PREDICTION ->
              Math.sqrt(alphaCumprod) * sample - Math.sqrt(1 - alphaCumprod) * output;
        };
    return clip ? Math.max(-clipRange, Math.min(clipRange, x0)) : x0;
  }

  /** The predicted noise, from the unclipped prediction (diffusers' default). */
  double noise(double output, double sample, double alphaCumprod) {
    return switch (type) {
      case EPSILON -> output;
      case SAMPLE -> (sample - Math.sqrt(alphaCumprod) * output) / Math.sqrt(1 - alphaCumprod);
      case V_PREDICTION -> Math.sqrt(alphaCumprod) * output + Math.sqrt(1 - alphaCumprod) * sample;
    };
  }
}
