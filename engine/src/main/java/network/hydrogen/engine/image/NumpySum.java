package network.hydrogen.engine.image;

/**
 * NumPy's float64 {@code sum} (pairwise summation: blocks of up to 128 values summed in eight
 * running sums, longer runs split in halves), so that sums Java compares against each other round
 * as the Python reference's do.
 */
public final class NumpySum {

  private static final int BLOCK = 128;

  private NumpySum() {}

  /** The sum of {@code length} values from {@code offset}, as {@code np.sum} adds them. */
  public static double pairwise(double[] values, int offset, int length) {
    if (length < 8) {
      double sum = 0;
      for (int i = offset; i < offset + length; i++) {
        sum += values[i];
      }
      return sum;
    }
    if (length <= BLOCK) {
      double[] r = new double[8];
      System.arraycopy(values, offset, r, 0, 8);
      int i = 8;
      for (; i < length - length % 8; i += 8) {
        for (int j = 0; j < 8; j++) {
          r[j] += values[offset + i + j];
        }
      }
      double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < length; i++) {
        sum += values[offset + i];
      }
      return sum;
    }
    int half = length / 2;
    half -= half % 8;
    return pairwise(values, offset, half) + pairwise(values, offset + half, length - half);
  }
}
