package network.hydrogen.engine.controlnet;

import java.util.Arrays;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.OpenCvResize;
import network.hydrogen.engine.image.OpenCvResize.Interpolation;

/**
 * The image steps of controlnet_aux's OpenPose estimators ({@code open_pose/util.py}): {@code
 * smart_resize} and {@code smart_resize_k} (area when shrinking, Lanczos otherwise), {@code
 * padRightDownCorner}, the network input ({@code pixel / 256 - 0.5}, BGR, NCHW) and the network's
 * maps taken back to the image size.
 */
final class OpenposeImages {

  private static final int PAD_VALUE = 128;

  private OpenposeImages() {}

  /** An image padded at the bottom and right to a multiple of the stride. */
  record Padded(byte[] bgr, int height, int width) {}

  /** {@code smart_resize_k(image, fx=scale, fy=scale)} of a 3-channel 8-bit image. */
  static byte[] resizeBy(byte[] image, int height, int width, double scale) {
    double targetHeight = height * scale;
    double targetWidth = width * scale;
    return OpenCvResize.resize(
        image,
        height,
        width,
        3,
        (int) targetHeight,
        (int) targetWidth,
        interpolation(targetHeight + targetWidth, height + width));
  }

  /** {@code smart_resize(image, (height, width))} of a 3-channel 8-bit image. */
  static byte[] resizeTo(byte[] image, int height, int width, int outHeight, int outWidth) {
    return OpenCvResize.resize(
        image,
        height,
        width,
        3,
        outHeight,
        outWidth,
        interpolation(outHeight + outWidth, height + width));
  }

  /** {@code smart_resize} of one float map. */
  static float[] resizeTo(float[] map, int height, int width, int outHeight, int outWidth) {
    return OpenCvResize.resize(
        map,
        height,
        width,
        1,
        outHeight,
        outWidth,
        interpolation(outHeight + outWidth, height + width));
  }

  private static Interpolation interpolation(double target, double source) {
    return target / source < 1 ? Interpolation.AREA : Interpolation.LANCZOS4;
  }

  /** RGB to BGR, as {@code oriImg[:, :, ::-1]} (both pose detectors feed BGR). */
  static byte[] bgr(byte[] rgb) {
    byte[] bgr = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i += 3) {
      bgr[i] = rgb[i + 2];
      bgr[i + 1] = rgb[i + 1];
      bgr[i + 2] = rgb[i];
    }
    return bgr;
  }

  /** {@code padRightDownCorner(image, stride, 128)}. */
  static Padded padRightDown(byte[] image, int height, int width, int stride) {
    int paddedHeight = height % stride == 0 ? height : height + stride - height % stride;
    int paddedWidth = width % stride == 0 ? width : width + stride - width % stride;
    byte[] padded = new byte[3 * paddedHeight * paddedWidth];
    Arrays.fill(padded, (byte) PAD_VALUE);
    for (int y = 0; y < height; y++) {
      System.arraycopy(image, 3 * y * width, padded, 3 * y * paddedWidth, 3 * width);
    }
    return new Padded(padded, paddedHeight, paddedWidth);
  }

  /** The network input of an 8-bit image: NCHW in the image's channel order, value/256 - 0.5. */
  static FloatTensor networkInput(Padded image) {
    return AnnotatorTensors.planar(
        new ControlImage(image.width(), image.height(), image.bgr()), false, 256f, 0.5f);
  }

  /**
   * The network's maps ({@code [1, C, h/8, w/8]}) back at {@code outHeight x outWidth}: each
   * channel enlarged 8 times (Lanczos), the stride padding cut off ({@code validHeight x
   * validWidth} stay), resized to the output size; as float64, the estimators' accumulator type.
   */
  static double[][] mapsBack(
      FloatTensor maps, int validHeight, int validWidth, int outHeight, int outWidth) {
    int channels = (int) maps.dim(1);
    int mapHeight = (int) maps.dim(2);
    int mapWidth = (int) maps.dim(3);
    int plane = mapHeight * mapWidth;
    double[][] result = new double[channels][];
    for (int c = 0; c < channels; c++) {
      float[] map = Arrays.copyOfRange(maps.values(), c * plane, (c + 1) * plane);
      float[] enlarged =
          OpenCvResize.resize(
              map, mapHeight, mapWidth, 1, mapHeight * 8, mapWidth * 8, Interpolation.LANCZOS4);
      float[] valid = new float[validHeight * validWidth];
      for (int y = 0; y < validHeight; y++) {
        System.arraycopy(enlarged, y * mapWidth * 8, valid, y * validWidth, validWidth);
      }
      float[] back = resizeTo(valid, validHeight, validWidth, outHeight, outWidth);
      double[] values = new double[back.length];
      for (int i = 0; i < back.length; i++) {
        values[i] = back[i];
      }
      result[c] = values;
    }
    return result;
  }

  /** Rows {@code y..y+h} and columns {@code x..x+w} of a 3-channel image, cut at its edges. */
  static byte[] crop(byte[] image, int height, int width, int x, int y, int w, int h) {
    byte[] out = new byte[3 * w * h];
    for (int row = 0; row < h; row++) {
      System.arraycopy(image, 3 * ((y + row) * width + x), out, 3 * row * w, 3 * w);
    }
    return out;
  }
}
