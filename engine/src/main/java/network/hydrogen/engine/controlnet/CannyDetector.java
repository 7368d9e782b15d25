package network.hydrogen.engine.controlnet;

/**
 * controlnet_aux's {@code CannyDetector} with the detection resolution at the image's short side
 * (so no resize): pad bottom and right to multiples of 64 by edge replication, {@code cv2.Canny} on
 * the RGB image ({@link Canny}), crop the padding, the 0/255 map in three channels.
 */
record CannyDetector(int lowThreshold, int highThreshold) implements Preprocessor {

  CannyDetector {
    if (lowThreshold < 0 || highThreshold < 0) {
      throw new IllegalArgumentException(
          "canny thresholds must be >= 0, were " + lowThreshold + " and " + highThreshold);
    }
  }

  @Override
  public ControlImage apply(ControlImage image) {
    int width = image.width();
    int height = image.height();
    int paddedWidth = padded(width);
    int paddedHeight = padded(height);
    byte[] padded = new byte[3 * paddedWidth * paddedHeight];
    for (int y = 0; y < paddedHeight; y++) {
      int sourceRow = Math.min(y, height - 1);
      for (int x = 0; x < paddedWidth; x++) {
        int source = 3 * (sourceRow * width + Math.min(x, width - 1));
        System.arraycopy(image.rgb(), source, padded, 3 * (y * paddedWidth + x), 3);
      }
    }
    byte[] edges = Canny.edges(padded, paddedHeight, paddedWidth, 3, lowThreshold, highThreshold);
    byte[] rgb = new byte[3 * width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        byte edge = edges[y * paddedWidth + x];
        int at = 3 * (y * width + x);
        rgb[at] = edge;
        rgb[at + 1] = edge;
        rgb[at + 2] = edge;
      }
    }
    return new ControlImage(width, height, rgb);
  }

  /** controlnet_aux's {@code pad64}: the next multiple of 64. */
  private static int padded(int size) {
    return (size + 63) / 64 * 64;
  }
}
