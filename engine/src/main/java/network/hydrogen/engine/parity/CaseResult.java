package network.hydrogen.engine.parity;

import java.util.Locale;

/**
 * The outcome of one parity case on one weights format: the largest absolute difference from the
 * reference and the tolerance it was held to.
 */
public record CaseResult(String format, String name, double maxAbsError, double tolerance) {

  public boolean passed() {
    return maxAbsError <= tolerance;
  }

  /** {@code PASS|FAIL <format> <case> max_abs_err=<e> tolerance=<t>}. */
  public String line() {
    return String.format(
        Locale.ROOT,
        "%s %s %s max_abs_err=%.3e tolerance=%.3e",
        passed() ? "PASS" : "FAIL",
        format,
        name,
        maxAbsError,
        tolerance);
  }

  /** The largest absolute difference; NaN anywhere or a length mismatch counts as infinite. */
  static double maxAbsError(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      return Double.POSITIVE_INFINITY;
    }
    double max = 0;
    for (int i = 0; i < actual.length; i++) {
      double difference = Math.abs((double) actual[i] - expected[i]);
      if (Double.isNaN(difference)) {
        return Double.POSITIVE_INFINITY;
      }
      max = Math.max(max, difference);
    }
    return max;
  }

  /** {@code relative × max(1, max |reference|)}: the tolerance rule of the reference README. */
  static double scaledTolerance(double relative, float[] reference) {
    double peak = 1;
    for (float value : reference) {
      peak = Math.max(peak, Math.abs(value));
    }
    return relative * peak;
  }
}
