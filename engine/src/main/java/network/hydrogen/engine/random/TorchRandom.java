package network.hydrogen.engine.random;

/**
 * The random numbers of PyTorch's CPU generator: a 32-bit Mersenne Twister seeded as {@code
 * torch.manual_seed(seed)} seeds it, and {@code torch.randn} of float32 drawn from it. Initial
 * latents drawn here match those of the reference implementation for the same seed (to float
 * rounding), so a seed means the same picture in Hydrogen and in diffusers-based tools.
 *
 * <p>Not thread-safe: each image of a batch owns one generator.
 */
public final class TorchRandom {

  private static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER_MASK = 0x80000000;
  private static final int LOWER_MASK = 0x7fffffff;
  private static final int FLOAT_DIGITS = 24;

  private final int[] state = new int[N];
  private int index;

  /** A generator in the state {@code torch.manual_seed(seed)} leaves the CPU generator in. */
  public TorchRandom(long seed) {
    state[0] = (int) seed;
    for (int i = 1; i < N; i++) {
      state[i] = 1812433253 * (state[i - 1] ^ (state[i - 1] >>> 30)) + i;
    }
    index = N;
  }

  /** The next 32 random bits, as {@code mt19937()} returns them. */
  public int nextInt() {
    if (index >= N) {
      twist();
    }
    int y = state[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void twist() {
    for (int i = 0; i < N; i++) {
      int y = (state[i] & UPPER_MASK) | (state[(i + 1) % N] & LOWER_MASK);
      int next = state[(i + M) % N] ^ (y >>> 1);
      state[i] = (y & 1) == 0 ? next : next ^ MATRIX_A;
    }
    index = 0;
  }

  /** A float in [0, 1) from the low 24 bits of the next draw, as torch's uniform does. */
  float nextUniform() {
    return (float) ((nextInt() & ((1 << FLOAT_DIGITS) - 1)) * (1.0 / (1 << FLOAT_DIGITS)));
  }

  /**
   * {@code count} standard normal values, as {@code torch.randn(count)} draws them: all uniforms
   * first, then Box-Muller over blocks of 16 (8 pairs); a tail shorter than 16 redraws the last 16.
   */
  public float[] randn(int count) {
    float[] data = new float[count];
    if (count < 16) {
      return randnScalar(data);
    }
    for (int i = 0; i < count; i++) {
      data[i] = nextUniform();
    }
    for (int i = 0; i + 16 <= count; i += 16) {
      boxMuller16(data, i);
    }
    if (count % 16 != 0) {
      int start = count - 16;
      for (int i = 0; i < 16; i++) {
        data[start + i] = nextUniform();
      }
      boxMuller16(data, start);
    }
    return data;
  }

  private static void boxMuller16(float[] data, int offset) {
    for (int j = 0; j < 8; j++) {
      float u1 = 1 - data[offset + j];
      float u2 = data[offset + j + 8];
      float radius = (float) Math.sqrt(-2 * (float) Math.log(u1));
      double theta = 2.0 * Math.PI * u2;
      data[offset + j] = (float) (radius * Math.cos(theta));
      data[offset + j + 8] = (float) (radius * Math.sin(theta));
    }
  }

  /**
   * Fewer than 16 values: torch's element-wise path, one Box-Muller pair per two values from 53-bit
   * uniforms, caching the second value of each pair.
   */
  private float[] randnScalar(float[] data) {
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) nextNormalDouble();
    }
    return data;
  }

  private double cachedNormal = Double.NaN;

  private double nextNormalDouble() {
    if (!Double.isNaN(cachedNormal)) {
      double value = cachedNormal;
      cachedNormal = Double.NaN;
      return value;
    }
    double u1 = nextUniformDouble();
    double u2 = nextUniformDouble();
    double radius = Math.sqrt(-2 * Math.log1p(-u2));
    double theta = 2.0 * Math.PI * u1;
    cachedNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }

  private double nextUniformDouble() {
    long high = nextInt() & 0xffffffffL;
    long low = nextInt() & 0xffffffffL;
    long bits = (high << 32) | low;
    return (bits & ((1L << 53) - 1)) * (1.0 / (1L << 53));
  }
}
