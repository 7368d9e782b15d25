package network.hydrogen.engine.scheduler;

/**
 * The few numpy routines diffusers uses to place timesteps and sigmas, reproduced with numpy's
 * float64 arithmetic and rounding (half to even), so that schedules match it exactly.
 */
final class NumPy {

  private NumPy() {}

  /** np.linspace(start, stop, num, endpoint): i * step + start, the last value exactly stop. */
  static double[] linspace(double start, double stop, int num, boolean endpoint) {
    double[] out = new double[num];
    int div = endpoint ? num - 1 : num;
    double step = div > 0 ? (stop - start) / div : Double.NaN;
    for (int i = 0; i < num; i++) {
      out[i] = div > 0 ? i * step + start : start;
    }
    if (endpoint && num > 1) {
      out[num - 1] = stop;
    }
    return out;
  }

  /** np.arange(start, stop, step) for a float step: start + i * (start + step - start). */
  static double[] arange(double start, double stop, double step) {
    int length = (int) Math.max(0, Math.ceil((stop - start) / step));
    double delta = (start + step) - start;
    double[] out = new double[length];
    for (int i = 0; i < length; i++) {
      out[i] = start + i * delta;
    }
    return out;
  }

  /** np.round: to the nearest whole number, halves to even. */
  static double round(double value) {
    return Math.rint(value);
  }

  /** np.interp(x, [0, 1, ..., n-1], values) for x inside the range. */
  static double interp(double x, float[] values) {
    int last = values.length - 1;
    if (x <= 0) {
      return values[0];
    }
    if (x >= last) {
      return values[last];
    }
    int j = (int) Math.floor(x);
    double slope = (double) values[j + 1] - values[j];
    return slope * (x - j) + values[j];
  }

  /**
   * diffusers' _sigma_to_t: the fractional training timestep whose log-sigma is log(sigma),
   * interpolated linearly between the two neighbouring float32 log-sigmas.
   */
  static double sigmaToT(double sigma, float[] logSigmas) {
    double logSigma = Math.log(Math.max(sigma, 1e-10));
    int low = 0;
    for (int i = 0; i < logSigmas.length; i++) {
      if (logSigma - logSigmas[i] >= 0) {
        low = i;
      }
    }
    low = Math.min(low, logSigmas.length - 2);
    double lowLog = logSigmas[low];
    double highLog = logSigmas[low + 1];
    double w = (lowLog - logSigma) / (lowLog - highLog);
    w = Math.min(1, Math.max(0, w));
    return (1 - w) * low + w * (low + 1);
  }

  /** Karras et al. (2022) sigmas, rho = 7, from sigmaMax down to sigmaMin. */
  static double[] karras(double sigmaMin, double sigmaMax, int steps) {
    double[] ramp = linspace(0, 1, steps, true);
    double minInvRho = Math.pow(sigmaMin, 1 / 7.0);
    double maxInvRho = Math.pow(sigmaMax, 1 / 7.0);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), 7.0);
    }
    return out;
  }

  /** Sigmas evenly spaced in log from sigmaMax down to sigmaMin. */
  static double[] exponential(double sigmaMin, double sigmaMax, int steps) {
    double[] logs = linspace(Math.log(sigmaMax), Math.log(sigmaMin), steps, true);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = Math.exp(logs[i]);
    }
    return out;
  }

  /** float32 natural logs of float32 values, as np.log on a float32 array. */
  static float[] logs(float[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.log(values[i]);
    }
    return out;
  }

  static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
