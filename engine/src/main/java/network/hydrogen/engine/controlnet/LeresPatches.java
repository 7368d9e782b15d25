package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import network.hydrogen.engine.image.OpenCvFilter;
import network.hydrogen.engine.image.OpenCvResize;
import network.hydrogen.engine.image.OpenCvResize.Interpolation;

/**
 * The local refinement of controlnet_aux's {@code estimateboost} (section 6 of the boosting paper),
 * for images whose longest side reaches the searched resolution: the image enlarged (cubic) so that
 * patches of twice LeReS' receptive field fit where the edges are dense, patches chosen on a grid
 * and grown while their gradient density stays at the image's, each patch estimated at 448 and 896
 * and merged with the whole-image estimate by the merge network, fitted to it with a line ({@code
 * np.polyfit}, degree 1) and blended in with a Gaussian mask, biggest patches first.
 */
final class LeresPatches {

  private static final int PATCH_SIZE = 2 * LeresBoost.RECEPTIVE_FIELD;
  private static final int MERGE_SIZE = LeresBoost.MERGE_SIZE;
  private static final int MASK_SIZE = 3000;

  private LeresPatches() {}

  /**
   * The whole-image estimate {@code whole} (1024x1024) refined in patches of {@code image}, at the
   * image's size.
   */
  static float[] refined(
      ControlImage image, LeresBoost.Search search, float[] whole, LeresBoost.Networks networks)
      throws IOException {
    int height = image.height();
    int width = image.width();
    int size = search.size();
    double factor =
        Math.max(
            Math.min(1, 4 * search.patchScale() * size / LeresBoost.WHOLE_SIZE_THRESHOLD), 0.2);
    double a;
    double b;
    if (height > width) {
      a = 2 * size;
      b = Math.rint((double) (2 * size * width) / height);
    } else {
      a = Math.rint((double) (2 * size * height) / width);
      b = 2 * size;
    }
    int enlargedWidth = (int) Math.rint(b / factor);
    int enlargedHeight = (int) Math.rint(a / factor);
    byte[] enlarged =
        OpenCvResize.resize(
            image.rgb(), height, width, 3, enlargedHeight, enlargedWidth, Interpolation.CUBIC);
    List<int[]> patches =
        patches(new ControlImage(enlargedWidth, enlargedHeight, enlarged), factor);

    double scale = (double) height / enlargedHeight;
    int outWidth = (int) Math.rint(enlargedWidth * scale);
    int outHeight = (int) Math.rint(enlargedHeight * scale);
    byte[] rgb =
        OpenCvResize.resize(
            enlarged, enlargedHeight, enlargedWidth, 3, outHeight, outWidth, Interpolation.CUBIC);
    float[] base =
        OpenCvResize.resize(
            whole, MERGE_SIZE, MERGE_SIZE, 1, outHeight, outWidth, Interpolation.CUBIC);
    float[] updated = base.clone();
    float[] mask = patches.isEmpty() ? null : gaussianMask();
    for (int[] patch : patches) {
      int x1 = (int) Math.rint(patch[0] * scale);
      int y1 = (int) Math.rint(patch[1] * scale);
      int x2 = Math.min(x1 + (int) Math.rint(patch[2] * scale), outWidth);
      int y2 = Math.min(y1 + (int) Math.rint(patch[3] * scale), outHeight);
      int w = x2 - x1;
      int h = y2 - y1;
      byte[] patchRgb = new byte[3 * w * h];
      float[] patchBase = new float[w * h];
      for (int y = 0; y < h; y++) {
        System.arraycopy(rgb, 3 * ((y1 + y) * outWidth + x1), patchRgb, 3 * y * w, 3 * w);
        System.arraycopy(base, (y1 + y) * outWidth + x1, patchBase, y * w, w);
      }
      float[] estimate = networks.doubleEstimate(new ControlImage(w, h, patchRgb), PATCH_SIZE);
      float[] baseEnlarged =
          OpenCvResize.resize(patchBase, h, w, 1, MERGE_SIZE, MERGE_SIZE, Interpolation.CUBIC);
      float[] mapped = networks.merged(baseEnlarged, estimate);
      double[] line = linearFit(mapped, baseEnlarged);
      double[] fitted = new double[mapped.length];
      for (int i = 0; i < fitted.length; i++) {
        fitted[i] = line[0] * mapped[i] + line[1];
      }
      double[] merged =
          OpenCvResize.resize(fitted, MERGE_SIZE, MERGE_SIZE, 1, h, w, Interpolation.CUBIC);
      float[] weights =
          OpenCvResize.resize(mask, MASK_SIZE, MASK_SIZE, 1, h, w, Interpolation.LINEAR);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int at = (y1 + y) * outWidth + x1 + x;
          float weight = weights[y * w + x];
          updated[at] =
              (float) ((double) (updated[at] * (1 - weight)) + merged[y * w + x] * weight);
        }
      }
    }
    return OpenCvResize.resize(updated, outHeight, outWidth, 1, height, width, Interpolation.CUBIC);
  }

  /**
   * {@code generatepatchs}: grid patches of the enlarged image (x, y, width, height) whose gradient
   * density reaches the image's, each grown by {@code int(32 / factor)} while it stays so, biggest
   * first (stable, as Python's {@code sorted}).
   */
  static List<int[]> patches(ControlImage enlarged, double factor) {
    int height = enlarged.height();
    int width = enlarged.width();
    double[] gradient = LeresBoost.gradient(enlarged);
    double sum = 0;
    int count = 0;
    for (double value : gradient) {
      if (value > 0) {
        sum += value;
        count++;
      }
    }
    double threshold = sum / count;
    double total = 0;
    for (int i = 0; i < gradient.length; i++) {
      if (gradient[i] < threshold) {
        gradient[i] = 0;
      }
      total += gradient[i];
    }
    double density = total / gradient.length;
    double[] integral = integral(gradient, height, width);

    int half = PATCH_SIZE / 2;
    int stride = (int) Math.rint(half * 0.75);
    int step = (int) (32 / factor);
    List<int[]> selected = new ArrayList<>();
    for (int k = half; k < width - half; k += stride) {
      for (int j = half; j < height - half; j += stride) {
        int[] box = {k - half, j - half, 2 * half, 2 * half};
        if (density(integral, width, box) < density) {
          continue;
        }
        int[] test = box.clone();
        while (true) {
          test[0] -= step / 2;
          test[1] -= step / 2;
          test[2] += step;
          test[3] += step;
          if (test[0] < 0
              || test[1] < 0
              || test[1] + test[3] >= height + 1
              || test[0] + test[2] >= width + 1
              || density(integral, width, test) < density) {
            break;
          }
          box = test.clone();
        }
        selected.add(box);
      }
    }
    selected.sort(Comparator.comparingInt((int[] box) -> box[2]).reversed());
    return selected;
  }

  /** {@code cv2.integral} of a one-channel float64 image: (height + 1) x (width + 1). */
  private static double[] integral(double[] image, int height, int width) {
    double[] sums = new double[(height + 1) * (width + 1)];
    for (int y = 0; y < height; y++) {
      double row = 0;
      for (int x = 0; x < width; x++) {
        row += image[y * width + x];
        sums[(y + 1) * (width + 1) + x + 1] = sums[y * (width + 1) + x + 1] + row;
      }
    }
    return sums;
  }

  /** {@code getGF_fromintegral} over the box's area: its mean gradient. */
  private static double density(double[] integral, int width, int[] box) {
    int stride = width + 1;
    int top = box[1];
    int bottom = box[1] + box[3];
    int left = box[0];
    int right = box[0] + box[2];
    double value =
        integral[bottom * stride + right]
            - integral[top * stride + right]
            - integral[bottom * stride + left]
            + integral[top * stride + left];
    return value / ((double) box[2] * box[3]);
  }

  /**
   * {@code np.polyfit(x, y, deg=1)} on float32 maps: slope and intercept by least squares on the
   * columns (x, 1) scaled to unit length, solved by SVD with singular values up to {@code rcond = n
   * * float32 eps} of the largest dropped (numpy's default; 0.125 for a 1024x1024 map). When x
   * varies little against its mean (columns within about 7 degrees of each other) the smaller one
   * is dropped, and numpy's fit is the minimum-norm one along the larger, not the ordinary line.
   */
  static double[] linearFit(float[] x, float[] y) {
    double sumX = 0;
    double sumXx = 0;
    double sumY = 0;
    double sumXy = 0;
    for (int i = 0; i < x.length; i++) {
      sumX += x[i];
      sumXx += (double) x[i] * x[i];
      sumY += y[i];
      sumXy += (double) x[i] * y[i];
    }
    double normX = Math.sqrt(sumXx);
    double normOne = Math.sqrt(x.length);
    double cosine = sumX / (normX * normOne);
    double larger = Math.sqrt(1 + Math.abs(cosine));
    double smaller = Math.sqrt(Math.max(0, 1 - Math.abs(cosine)));
    if (smaller <= x.length * (double) Math.ulp(1f) * larger) {
      double sign = cosine < 0 ? -1 : 1;
      double along = (sumXy / normX + sign * sumY / normOne) / (2 * (1 + Math.abs(cosine)));
      return new double[] {along / normX, sign * along / normOne};
    }
    double meanX = sumX / x.length;
    double slope = (sumXy - meanX * sumY) / (sumXx - meanX * sumX);
    return new double[] {slope, (sumY - slope * sumX) / x.length};
  }

  /**
   * {@code generatemask((3000, 3000))}: a centred square of ones (15% margins) blurred with a
   * Gaussian (sigma 187, kernel 749) and min-max normalised, in float32. The square's blur is the
   * product of its rows' and columns' one-dimensional blurs, which is how it is computed here.
   */
  private static float[] gaussianMask() {
    int sigma = MASK_SIZE / 16;
    int kernel = (int) (2 * Math.ceil(2 * sigma) + 1);
    int margin = (int) (0.15 * MASK_SIZE);
    float[] square = new float[MASK_SIZE];
    for (int i = margin; i < MASK_SIZE - margin; i++) {
      square[i] = 1;
    }
    float[] blurred = OpenCvFilter.gaussianBlur(square, 1, MASK_SIZE, 1, kernel, 1, sigma, sigma);
    float[] mask = new float[MASK_SIZE * MASK_SIZE];
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int y = 0; y < MASK_SIZE; y++) {
      for (int x = 0; x < MASK_SIZE; x++) {
        float value = blurred[y] * blurred[x];
        mask[y * MASK_SIZE + x] = value;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
    }
    float range = max - min;
    for (int i = 0; i < mask.length; i++) {
      mask[i] = (mask[i] - min) / range;
    }
    return mask;
  }
}
