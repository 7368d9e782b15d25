package network.hydrogen.engine.controlnet;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Objects;
import javax.imageio.ImageIO;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.PillowResize;

/**
 * An 8-bit RGB image, row-major {@code height x width x 3}: a task's control image before and after
 * preprocessing (controlnet_aux's {@code HWC3} form: grey images get three equal channels, alpha is
 * dropped as PIL's {@code convert("RGB")} does).
 */
public record ControlImage(int width, int height, byte[] rgb) {

  public ControlImage {
    Objects.requireNonNull(rgb, "rgb");
    if (width <= 0 || height <= 0 || rgb.length != 3L * width * height) {
      throw new IllegalArgumentException(
          "an RGB image of " + width + "x" + height + " needs " + 3L * width * height + " bytes");
    }
  }

  /**
   * Decodes an encoded image (PNG, JPEG, or whatever else ImageIO reads).
   *
   * @throws IllegalArgumentException when ImageIO cannot read it
   */
  public static ControlImage decode(byte[] encoded) {
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(encoded));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "the control image cannot be decoded: " + e.getMessage(), e);
    }
    if (image == null) {
      throw new IllegalArgumentException(
          "the control image is in no format this engine reads (PNG, JPEG, BMP, GIF, TIFF, WBMP)");
    }
    return of(image);
  }

  /** The RGB samples of {@code image} (alpha dropped, grey expanded). */
  public static ControlImage of(BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    byte[] rgb = new byte[3 * width * height];
    Raster raster = image.getRaster();
    boolean grey =
        image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
            && raster.getSampleModel().getSampleSize(0) == 8;
    if (grey) {
      // getRGB would convert Java's linear grey to sRGB; PIL copies the grey value
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          byte value = (byte) raster.getSample(x, y, 0);
          int at = 3 * (y * width + x);
          rgb[at] = value;
          rgb[at + 1] = value;
          rgb[at + 2] = value;
        }
      }
      return new ControlImage(width, height, rgb);
    }
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      image.getRGB(0, y, width, 1, row, 0, width);
      for (int x = 0; x < width; x++) {
        int at = 3 * (y * width + x);
        rgb[at] = (byte) (row[x] >> 16);
        rgb[at + 1] = (byte) (row[x] >> 8);
        rgb[at + 2] = (byte) row[x];
      }
    }
    return new ControlImage(width, height, rgb);
  }

  /**
   * This image at {@code width x height}, resized as diffusers resizes a control image of another
   * size than the task's (Pillow's Lanczos); this image itself when the size is the same.
   */
  public ControlImage resize(int width, int height) {
    if (width == this.width && height == this.height) {
      return this;
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("cannot resize to " + width + "x" + height);
    }
    return new ControlImage(
        width,
        height,
        PillowResize.resize(
            rgb, this.width, this.height, width, height, PillowResize.Filter.LANCZOS));
  }

  /**
   * The image as the ControlNet takes it, as diffusers' {@code prepare_image} makes it: values /
   * 255 in [0, 1], NCHW, repeated {@code batch} times; channels reversed when {@code bgr}.
   */
  public FloatTensor toTensor(int batch, boolean bgr) {
    int plane = width * height;
    float[] values = new float[batch * 3 * plane];
    for (int c = 0; c < 3; c++) {
      int source = bgr ? 2 - c : c;
      for (int i = 0; i < plane; i++) {
        values[c * plane + i] = (rgb[3 * i + source] & 0xff) / 255f;
      }
    }
    for (int b = 1; b < batch; b++) {
      System.arraycopy(values, 0, values, b * 3 * plane, 3 * plane);
    }
    return new FloatTensor(new long[] {batch, 3, height, width}, values);
  }
}
