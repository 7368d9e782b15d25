package network.hydrogen.engine.image;

/**
 * OpenCV's {@code cv2.line} one pixel wide with the default 8-connected line type, pixel for pixel:
 * the segment is clipped to the image as {@code cv::clipLine} does it, then walked from left to
 * right by {@code cv::LineIterator}'s Bresenham steps. Written for the M-LSD annotator while the
 * shared OpenCV drawing was not there yet.
 */
public final class OpenCvThinLine {

  private OpenCvThinLine() {}

  /**
   * Draws the segment from {@code (x0, y0)} to {@code (x1, y1)} in {@code color} (one value a
   * channel) on an interleaved {@code width x height} image with {@code color.length} channels.
   */
  public static void draw(
      byte[] image, int width, int height, int x0, int y0, int x1, int y1, byte[] color) {
    int channels = color.length;
    if (image.length != (long) width * height * channels) {
      throw new IllegalArgumentException(
          "the image has "
              + image.length
              + " values, not "
              + channels
              + " x "
              + width
              + "x"
              + height);
    }
    long[] ends = {x0, y0, x1, y1};
    if (!clip(width, height, ends)) {
      return;
    }
    int ax = (int) ends[0];
    int ay = (int) ends[1];
    int bx = (int) ends[2];
    int by = (int) ends[3];
    if (bx < ax) {
      int t = ax;
      ax = bx;
      bx = t;
      t = ay;
      ay = by;
      by = t;
    }
    int dx = bx - ax;
    int dy = by - ay;
    int stepY = dy < 0 ? -1 : 1;
    dy = Math.abs(dy);
    boolean vertical = dy > dx;
    int major = vertical ? dy : dx;
    int minor = vertical ? dx : dy;
    int err = major - 2 * minor;
    int x = ax;
    int y = ay;
    for (int i = 0; i <= major; i++) {
      System.arraycopy(color, 0, image, (y * width + x) * channels, channels);
      boolean both = err < 0;
      err += -2 * minor + (both ? 2 * major : 0);
      if (vertical) {
        y += stepY;
        x += both ? 1 : 0;
      } else {
        x += 1;
        y += both ? stepY : 0;
      }
    }
  }

  /**
   * {@code cv::clipLine}: clips {@code x0, y0, x1, y1} in place to {@code [0, width-1] x [0,
   * height-1]}; false when nothing of the segment is inside.
   */
  static boolean clip(long width, long height, long[] p) {
    if (width <= 0 || height <= 0) {
      return false;
    }
    long right = width - 1;
    long bottom = height - 1;
    int c1 = code(p[0], p[1], right, bottom);
    int c2 = code(p[2], p[3], right, bottom);
    if ((c1 & c2) == 0 && (c1 | c2) != 0) {
      if ((c1 & 12) != 0) {
        long a = c1 < 8 ? 0 : bottom;
        p[0] += (long) ((double) (a - p[1]) * (p[2] - p[0]) / (p[3] - p[1]));
        p[1] = a;
        c1 = (p[0] < 0 ? 1 : 0) + (p[0] > right ? 2 : 0);
      }
      if ((c2 & 12) != 0) {
        long a = c2 < 8 ? 0 : bottom;
        p[2] += (long) ((double) (a - p[3]) * (p[2] - p[0]) / (p[3] - p[1]));
        p[3] = a;
        c2 = (p[2] < 0 ? 1 : 0) + (p[2] > right ? 2 : 0);
      }
      if ((c1 & c2) == 0 && (c1 | c2) != 0) {
        if (c1 != 0) {
          long a = c1 == 1 ? 0 : right;
          p[1] += (long) ((double) (a - p[0]) * (p[3] - p[1]) / (p[2] - p[0]));
          p[0] = a;
          c1 = 0;
        }
        if (c2 != 0) {
          long a = c2 == 1 ? 0 : right;
          p[3] += (long) ((double) (a - p[2]) * (p[3] - p[1]) / (p[2] - p[0]));
          p[2] = a;
          c2 = 0;
        }
      }
    }
    return (c1 | c2) == 0;
  }

  private static int code(long x, long y, long right, long bottom) {
    return (x < 0 ? 1 : 0) + (x > right ? 2 : 0) + (y < 0 ? 4 : 0) + (y > bottom ? 8 : 0);
  }
}
