package network.hydrogen.engine.image;

/**
 * torch's {@code F.interpolate} on float32 planes (C, H, W) to a new height and width, in the two
 * modes the annotators use: {@code bilinear} with {@code align_corners=True} (ZoeDepth's resize to
 * its network size, the OpenPose face heatmaps back to the face box) and {@code bicubic} with
 * {@code align_corners=False} (its output back to the input size). Source indices, weights (the
 * cubic one with A = -0.75, taps clamped at the borders) and the order of the sums follow torch's
 * CPU kernel in float32; torch's compiled kernels may fuse multiply-adds, so values can differ from
 * it in the last bits (about 1e-6).
 */
public final class TorchInterpolate {

  private TorchInterpolate() {}

  /** {@code F.interpolate(x, size=(height, width), mode="bilinear", align_corners=True)}. */
  public static float[] bilinearAlignCorners(
      float[] planes, int channels, int inHeight, int inWidth, int height, int width) {
    return resize(
        planes,
        channels,
        inHeight,
        inWidth,
        linear(inHeight, height, alignCornersScale(inHeight, height)),
        linear(inWidth, width, alignCornersScale(inWidth, width)));
  }

  /** {@code F.interpolate(x, size=(height, width), mode="bicubic", align_corners=False)}. */
  public static float[] bicubic(
      float[] planes, int channels, int inHeight, int inWidth, int height, int width) {
    return resize(
        planes,
        channels,
        inHeight,
        inWidth,
        cubic(inHeight, height, (float) inHeight / height),
        cubic(inWidth, width, (float) inWidth / width));
  }

  /** The input taps and their weights for each output index along one axis. */
  private record Taps(int[][] index, float[][] weight) {}

  private static float alignCornersScale(int in, int out) {
    return out > 1 ? (float) (in - 1) / (out - 1) : 0f;
  }

  private static Taps linear(int in, int out, float scale) {
    int[][] index = new int[out][];
    float[][] weight = new float[out][];
    for (int i = 0; i < out; i++) {
      float real = scale * i;
      int first = Math.min((int) Math.floor(real), in - 1);
      float lambda = Math.min(Math.max(real - first, 0f), 1f);
      index[i] = new int[] {first, first + (first < in - 1 ? 1 : 0)};
      weight[i] = new float[] {1f - lambda, lambda};
    }
    return new Taps(index, weight);
  }

  private static Taps cubic(int in, int out, float scale) {
    final float a = -0.75f;
    int[][] index = new int[out][4];
    float[][] weight = new float[out][];
    for (int i = 0; i < out; i++) {
      float real = scale * (i + 0.5f) - 0.5f;
      int first = Math.min((int) Math.floor(real), in - 1);
      float t = Math.min(Math.max(real - first, 0f), 1f);
      for (int j = 0; j < 4; j++) {
        index[i][j] = Math.max(Math.min(first + j - 1, in - 1), 0);
      }
      weight[i] =
          new float[] {
            cubicOuter(t + 1f, a), cubicInner(t, a), cubicInner(1f - t, a), cubicOuter(2f - t, a)
          };
    }
    return new Taps(index, weight);
  }

  /** The cubic convolution kernel for |x| <= 1. */
  private static float cubicInner(float x, float a) {
    return ((a + 2f) * x - (a + 3f)) * x * x + 1f;
  }

  /** The cubic convolution kernel for 1 < |x| < 2. */
  private static float cubicOuter(float x, float a) {
    return ((a * x - 5f * a) * x + 8f * a) * x - 4f * a;
  }

  private static float[] resize(
      float[] planes, int channels, int inHeight, int inWidth, Taps rows, Taps columns) {
    if (planes.length != channels * inHeight * inWidth) {
      throw new IllegalArgumentException(
          planes.length + " values are not " + channels + " planes of " + inHeight + "x" + inWidth);
    }
    int height = rows.index().length;
    int width = columns.index().length;
    float[] out = new float[channels * height * width];
    for (int c = 0; c < channels; c++) {
      int plane = c * inHeight * inWidth;
      for (int y = 0; y < height; y++) {
        int[] rowIndex = rows.index()[y];
        float[] rowWeight = rows.weight()[y];
        for (int x = 0; x < width; x++) {
          int[] columnIndex = columns.index()[x];
          float[] columnWeight = columns.weight()[x];
          float sum = 0f;
          for (int r = 0; r < rowIndex.length; r++) {
            int row = plane + rowIndex[r] * inWidth;
            float line = planes[row + columnIndex[0]] * columnWeight[0];
            for (int k = 1; k < columnIndex.length; k++) {
              line += planes[row + columnIndex[k]] * columnWeight[k];
            }
            sum = r == 0 ? line * rowWeight[0] : sum + line * rowWeight[r];
          }
          out[(c * height + y) * width + x] = sum;
        }
      }
    }
    return out;
  }
}
