package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.TorchInterpolate;

/**
 * controlnet_aux's {@code ZoeDetector} ({@code depth_zoe}): ZoeDepth's {@code infer} on the padded
 * image (RGB / 255) and on its mirror image, averaged. Each run pads the image by reflection
 * ({@code int(sqrt(size / 2) * 3)} on each side), resizes it as ZoeDepth's {@code PrepForMidas}
 * does (bilinear with aligned corners to the size nearest 384x512 that keeps the aspect ratio, in
 * multiples of 32) and normalises it to -1..1, runs the network, resizes its depth back (bicubic)
 * and crops the reflection. The depth is then scaled so that its 2nd percentile is 1 and its 85th
 * 0, optionally raised to the power 2.2 ({@code gamma_corrected}; farther values, negative there,
 * become NaN and so 0, as in numpy), and made 8-bit as {@code (d * 255).clip(0, 255)} truncated.
 *
 * <p>ONNX contract ({@code annotators/ZoeD_M12_N.onnx}, made by {@code tools/annotators/depth.py}):
 * input {@code image}, float32 (1, 3, h, w), RGB in -1..1 at the prepared size (multiples of 32);
 * output {@code metric_depth}, (1, 1, h', w') (h' x w' = h x w for ZoeD_M12_N).
 */
record ZoeDetector(Path network, boolean gammaCorrected) implements Preprocessor {

  static final String FILE = "ZoeD_M12_N.onnx";

  private static final int NET_HEIGHT = 384;
  private static final int NET_WIDTH = 512;
  private static final float GAMMA = 2.2f;

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    int height = input.height();
    int width = input.width();
    float[] rgb = AnnotatorTensors.planar(input, false, 255f, 0f).values();
    float[] depth = infer(rgb, height, width, options);
    float[] mirrored =
        mirror(infer(mirror(rgb, 3, height, width), height, width, options), 1, height, width);
    for (int i = 0; i < depth.length; i++) {
      depth[i] = (depth[i] + mirrored[i]) / 2f;
    }
    float near = percentile(depth, 2);
    float far = percentile(depth, 85);
    float range = far - near;
    byte[] map = new byte[depth.length];
    for (int i = 0; i < depth.length; i++) {
      float relative = 1f - (depth[i] - near) / range;
      if (gammaCorrected) {
        relative = (float) Math.pow(relative, GAMMA);
      }
      map[i] = AnnotatorTensors.toUint8(relative);
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }

  /** DepthModel._infer_with_pad_aug on planar RGB in 0..1: the depth at height x width. */
  private float[] infer(float[] rgb, int height, int width, InferenceOptions options)
      throws IOException {
    int padHeight = (int) (Math.sqrt(height / 2.0) * 3);
    int padWidth = (int) (Math.sqrt(width / 2.0) * 3);
    int paddedHeight = height + 2 * padHeight;
    int paddedWidth = width + 2 * padWidth;
    float[] reflected = reflect(rgb, 3, height, width, padHeight, padWidth);
    int netHeight = multipleOf32(prepScale(paddedHeight, paddedWidth) * paddedHeight);
    int netWidth = multipleOf32(prepScale(paddedHeight, paddedWidth) * paddedWidth);
    float[] prepared =
        TorchInterpolate.bilinearAlignCorners(
            reflected, 3, paddedHeight, paddedWidth, netHeight, netWidth);
    for (int i = 0; i < prepared.length; i++) {
      prepared[i] = (prepared[i] - 0.5f) / 0.5f;
    }
    FloatTensor output =
        AnnotatorTensors.run(
            "the ZoeDepth annotator",
            network,
            new FloatTensor(new long[] {1, 3, netHeight, netWidth}, prepared),
            null,
            options);
    long[] shape = output.shape();
    if (shape.length != 4 || shape[0] != 1 || shape[1] != 1) {
      throw new IllegalStateException(
          "the ZoeDepth annotator ("
              + network
              + ") gave an output of shape "
              + Arrays.toString(shape)
              + ", not (1, 1, h, w)");
    }
    float[] depth = output.values();
    if (shape[2] != paddedHeight || shape[3] != paddedWidth) {
      depth =
          TorchInterpolate.bicubic(
              depth, 1, (int) shape[2], (int) shape[3], paddedHeight, paddedWidth);
    }
    float[] cropped = new float[height * width];
    for (int y = 0; y < height; y++) {
      System.arraycopy(depth, (y + padHeight) * paddedWidth + padWidth, cropped, y * width, width);
    }
    return cropped;
  }

  /**
   * PrepForMidas' scale ("minimal", keeping the aspect ratio): of 384 / height and 512 / width, the
   * one nearer 1.
   */
  private static double prepScale(int height, int width) {
    double scaleHeight = (double) NET_HEIGHT / height;
    double scaleWidth = (double) NET_WIDTH / width;
    return Math.abs(1 - scaleWidth) < Math.abs(1 - scaleHeight) ? scaleWidth : scaleHeight;
  }

  /** {@code np.round(x / 32) * 32} (rounding half to even). */
  private static int multipleOf32(double x) {
    return (int) Math.rint(x / 32) * 32;
  }

  /** {@code F.pad(x, [w, w, h, h], mode="reflect")} of planes (C, H, W). */
  private static float[] reflect(
      float[] planes, int channels, int height, int width, int padHeight, int padWidth) {
    int outHeight = height + 2 * padHeight;
    int outWidth = width + 2 * padWidth;
    float[] out = new float[channels * outHeight * outWidth];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < outHeight; y++) {
        int sourceY = reflected(y - padHeight, height);
        for (int x = 0; x < outWidth; x++) {
          out[(c * outHeight + y) * outWidth + x] =
              planes[(c * height + sourceY) * width + reflected(x - padWidth, width)];
        }
      }
    }
    return out;
  }

  private static int reflected(int index, int size) {
    if (index < 0) {
      return -index;
    }
    return index >= size ? 2 * (size - 1) - index : index;
  }

  /** Planes (C, H, W) mirrored left to right ({@code torch.flip(x, dims=[3])}). */
  private static float[] mirror(float[] planes, int channels, int height, int width) {
    float[] out = new float[planes.length];
    for (int row = 0; row < channels * height; row++) {
      for (int x = 0; x < width; x++) {
        out[row * width + x] = planes[row * width + width - 1 - x];
      }
    }
    return out;
  }

  /**
   * {@code np.percentile(values, q)} (linear method) of float32 values, in numpy's float32 steps.
   */
  static float percentile(float[] values, int q) {
    float[] sorted = values.clone();
    Arrays.sort(sorted);
    double virtual = (sorted.length - 1) * (q / 100.0);
    int previous = (int) Math.floor(virtual);
    int next = Math.min(previous + 1, sorted.length - 1);
    double gamma = virtual - previous;
    float low = sorted[previous];
    float high = sorted[next];
    float difference = high - low;
    return gamma >= 0.5
        ? high - difference * (float) (1 - gamma)
        : low + difference * (float) gamma;
  }
}
