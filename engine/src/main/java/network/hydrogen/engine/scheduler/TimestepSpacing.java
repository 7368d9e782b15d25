package network.hydrogen.engine.scheduler;

import java.util.List;

/** diffusers' timestep_spacing rules (Lin et al. 2023, table 2) for N inference steps. */
final class TimestepSpacing {

  static final List<String> NAMES = List.of("linspace", "leading", "trailing");

  private TimestepSpacing() {}

  /**
   * The N timesteps, descending, as the Euler methods and DDIM place them: linspace gives
   * fractional values (DDIM rounds them), leading adds steps_offset, trailing ends at trainSteps/N
   * - 1.
   */
  static double[] place(String spacing, int trainSteps, int steps, int stepsOffset) {
    double[] timesteps = new double[steps];
    switch (spacing) {
      case "linspace" -> {
        double[] values = NumPy.linspace(0, trainSteps - 1, steps, true);
        for (int i = 0; i < steps; i++) {
          timesteps[i] = values[steps - 1 - i];
        }
      }
      case "leading" -> {
        int ratio = trainSteps / steps;
        for (int i = 0; i < steps; i++) {
          timesteps[i] = (double) (steps - 1 - i) * ratio + stepsOffset;
        }
      }
      case "trailing" -> {
        double[] values = NumPy.arange(trainSteps, 0, -(double) trainSteps / steps);
        if (values.length != steps) {
          throw new IllegalStateException("trailing spacing gave " + values.length + " timesteps");
        }
        for (int i = 0; i < steps; i++) {
          timesteps[i] = NumPy.round(values[i]) - 1;
        }
      }
      default -> throw new IllegalArgumentException("unknown timestep_spacing " + spacing);
    }
    return timesteps;
  }

  /** The Euler methods' sigma for each timestep: linear interpolation of the training sigmas. */
  static double[] interpolatedSigmas(double[] timesteps, float[] trainSigmas) {
    double[] sigmas = new double[timesteps.length];
    for (int i = 0; i < timesteps.length; i++) {
      sigmas[i] = NumPy.interp((float) timesteps[i], trainSigmas);
    }
    return sigmas;
  }

  /** The initial noise scale of the Euler methods: the largest sigma, or sqrt(max^2 + 1). */
  static float eulerInitNoiseSigma(float[] sigmas, String spacing) {
    float max = 0;
    for (float sigma : sigmas) {
      max = Math.max(max, sigma);
    }
    return spacing.equals("leading") ? (float) Math.sqrt(max * max + 1f) : max;
  }

  /** The Euler methods' model input: sample / sqrt(sigma^2 + 1), in float32. */
  static float[] scaleBySigma(float[] sample, float sigma) {
    float divisor = (float) Math.sqrt(sigma * sigma + 1f);
    float[] out = new float[sample.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = sample[i] / divisor;
    }
    return out;
  }
}
