package network.hydrogen.engine.controlnet;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * OpenCV's {@code cv2.Canny} on an 8-bit image with {@code apertureSize} 3 and {@code L2gradient}
 * false, bit for bit: 3x3 Sobel derivatives with replicated borders, per pixel the channel whose
 * {@code |dx| + |dy|} is largest (the first on ties), non-maximum suppression in four directions
 * with OpenCV's fixed-point tan(22.5°) test, then hysteresis: magnitude strictly above {@code high}
 * starts an edge, strictly above {@code low} continues it, 8-connected.
 */
final class Canny {

  private static final int SHIFT = 15;

  /** tan(22.5°) in 15-bit fixed point, as OpenCV's {@code TG22}. */
  private static final int TG22 = (int) (0.4142135623730950488016887242097 * (1 << SHIFT) + 0.5);

  private Canny() {}

  /**
   * The edge map (0 or 255 per pixel, row-major) of {@code image}.
   *
   * @param image interleaved 8-bit samples, {@code height x width x channels}
   */
  static byte[] edges(
      byte[] image, int height, int width, int channels, double lowThreshold, double high) {
    double lowValue = Math.min(lowThreshold, high);
    double highValue = Math.max(lowThreshold, high);
    int low = (int) Math.floor(lowValue);
    int strong = (int) Math.floor(highValue);
    int[] dx = new int[height * width];
    int[] dy = new int[height * width];
    // magnitudes with a one-pixel zero border, as OpenCV's buffer
    int stride = width + 2;
    int[] magnitude = new int[(height + 2) * stride];
    for (int y = 0; y < height; y++) {
      int up = Math.max(y - 1, 0);
      int down = Math.min(y + 1, height - 1);
      for (int x = 0; x < width; x++) {
        int left = Math.max(x - 1, 0);
        int right = Math.min(x + 1, width - 1);
        int best = -1;
        for (int c = 0; c < channels; c++) {
          int gx =
              sample(image, up, right, width, channels, c)
                  - sample(image, up, left, width, channels, c)
                  + 2
                      * (sample(image, y, right, width, channels, c)
                          - sample(image, y, left, width, channels, c))
                  + sample(image, down, right, width, channels, c)
                  - sample(image, down, left, width, channels, c);
          int gy =
              sample(image, down, left, width, channels, c)
                  - sample(image, up, left, width, channels, c)
                  + 2
                      * (sample(image, down, x, width, channels, c)
                          - sample(image, up, x, width, channels, c))
                  + sample(image, down, right, width, channels, c)
                  - sample(image, up, right, width, channels, c);
          int m = Math.abs(gx) + Math.abs(gy);
          if (m > best) {
            best = m;
            dx[y * width + x] = gx;
            dy[y * width + x] = gy;
          }
        }
        magnitude[(y + 1) * stride + x + 1] = best;
      }
    }

    // 0: may be an edge, 1: not an edge, 2: an edge
    byte[] map = new byte[height * width];
    Deque<Integer> stack = new ArrayDeque<>();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int at = (y + 1) * stride + x + 1;
        int m = magnitude[at];
        map[y * width + x] = 1;
        if (m <= low) {
          continue;
        }
        int xs = dx[y * width + x];
        int ys = dy[y * width + x];
        long ax = Math.abs(xs);
        long ay = ((long) Math.abs(ys)) << SHIFT;
        long tg22x = ax * TG22;
        boolean maximum;
        if (ay < tg22x) {
          maximum = m > magnitude[at - 1] && m >= magnitude[at + 1];
        } else {
          long tg67x = tg22x + (ax << (SHIFT + 1));
          if (ay > tg67x) {
            maximum = m > magnitude[at - stride] && m >= magnitude[at + stride];
          } else {
            int s = (xs ^ ys) < 0 ? -1 : 1;
            maximum = m > magnitude[at - stride - s] && m > magnitude[at + stride + s];
          }
        }
        if (maximum) {
          if (m > strong) {
            map[y * width + x] = 2;
            stack.push(y * width + x);
          } else {
            map[y * width + x] = 0;
          }
        }
      }
    }
    while (!stack.isEmpty()) {
      int at = stack.pop();
      int y = at / width;
      int x = at % width;
      for (int ny = Math.max(y - 1, 0); ny <= Math.min(y + 1, height - 1); ny++) {
        for (int nx = Math.max(x - 1, 0); nx <= Math.min(x + 1, width - 1); nx++) {
          int neighbour = ny * width + nx;
          if (map[neighbour] == 0) {
            map[neighbour] = 2;
            stack.push(neighbour);
          }
        }
      }
    }
    byte[] out = new byte[height * width];
    for (int i = 0; i < out.length; i++) {
      out[i] = map[i] == 2 ? (byte) 255 : 0;
    }
    return out;
  }

  private static int sample(byte[] image, int y, int x, int width, int channels, int c) {
    return image[(y * width + x) * channels + c] & 0xff;
  }
}
