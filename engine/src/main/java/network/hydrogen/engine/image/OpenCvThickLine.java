package network.hydrogen.engine.image;

/**
 * OpenCV's {@code cv2.line} more than one pixel wide with the default 8-connected line type, pixel
 * for pixel, for segments whose ends lie inside the image (as MediaPipe's landmark drawing has
 * them): {@code ThickLine}'s quadrilateral in 16.16 fixed point filled by {@code FillConvexPoly}
 * (edges drawn by {@code Line2} after {@code clipLine}), and a filled {@code Circle} at each end.
 * Written for the mediapipe_face annotator while the shared OpenCV drawing was not there yet.
 */
public final class OpenCvThickLine {

  private static final int XY_SHIFT = 16;
  private static final long XY_ONE = 1L << XY_SHIFT;
  private static final long HALF = XY_ONE >> 1;

  private OpenCvThickLine() {}

  /**
   * Draws the segment from {@code (x0, y0)} to {@code (x1, y1)}, {@code thickness} pixels wide, in
   * {@code color} (one value a channel) on an interleaved {@code width x height} image.
   *
   * @throws IllegalArgumentException when an end is outside the image or thickness is below 2
   */
  public static void draw(
      byte[] image,
      int width,
      int height,
      int x0,
      int y0,
      int x1,
      int y1,
      byte[] color,
      int thickness) {
    if (image.length != (long) width * height * color.length) {
      throw new IllegalArgumentException(
          "the image has "
              + image.length
              + " values, not "
              + color.length
              + " x "
              + width
              + "x"
              + height);
    }
    if (thickness < 2) {
      throw new IllegalArgumentException("thickness must be >= 2, was " + thickness);
    }
    for (int[] point : new int[][] {{x0, y0}, {x1, y1}}) {
      if (point[0] < 0 || point[0] >= width || point[1] < 0 || point[1] >= height) {
        throw new IllegalArgumentException(
            "the segment end (" + point[0] + ", " + point[1] + ") is outside the image");
      }
    }
    Canvas canvas = new Canvas(image, width, height, color);
    long p0x = (long) x0 << XY_SHIFT;
    long p0y = (long) y0 << XY_SHIFT;
    long p1x = (long) x1 << XY_SHIFT;
    long p1y = (long) y1 << XY_SHIFT;
    double dx = (p0x - p1x) / (double) XY_ONE;
    double dy = (p1y - p0y) / (double) XY_ONE;
    double r = dx * dx + dy * dy;
    int odd = thickness & 1;
    long half = (long) thickness << (XY_SHIFT - 1);
    if (Math.abs(r) > Math.ulp(1.0)) {
      r = (half + odd * XY_ONE * 0.5) / Math.sqrt(r);
      long dpx = Math.round(Math.rint(dy * r));
      long dpy = Math.round(Math.rint(dx * r));
      long[][] quad = {
        {p0x + dpx, p0y + dpy},
        {p0x - dpx, p0y - dpy},
        {p1x - dpx, p1y - dpy},
        {p1x + dpx, p1y + dpy}
      };
      fillConvex(canvas, quad);
    }
    int radius = (int) ((half + HALF) >> XY_SHIFT);
    canvas.circle(x0, y0, radius);
    canvas.circle(x1, y1, radius);
  }

  /** {@code FillConvexPoly} with 16.16 vertices and the 8-connected line type. */
  private static void fillConvex(Canvas canvas, long[][] v) {
    int n = v.length;
    long[] previous = v[n - 1];
    long xmin = v[0][0];
    long xmax = xmin;
    long ymin = v[0][1];
    long ymax = ymin;
    int imin = 0;
    for (int i = 0; i < n; i++) {
      long[] p = v[i];
      if (p[1] < ymin) {
        ymin = p[1];
        imin = i;
      }
      ymax = Math.max(ymax, p[1]);
      xmax = Math.max(xmax, p[0]);
      xmin = Math.min(xmin, p[0]);
      canvas.line2(previous[0], previous[1], p[0], p[1]);
      previous = p;
    }
    xmin = (xmin + HALF) >> XY_SHIFT;
    xmax = (xmax + HALF) >> XY_SHIFT;
    ymin = (ymin + HALF) >> XY_SHIFT;
    ymax = (ymax + HALF) >> XY_SHIFT;
    if (n < 3 || xmax < 0 || ymax < 0 || xmin >= canvas.width || ymin >= canvas.height) {
      return;
    }
    ymax = Math.min(ymax, canvas.height - 1);
    int[] idx = {imin, imin};
    int[] di = {1, n - 1};
    long[] x = {-XY_ONE, -XY_ONE};
    long[] dxs = {0, 0};
    int y = (int) ymin;
    int[] ye = {y, y};
    int edges = n;
    do {
      for (int i = 0; i < 2; i++) {
        if (y >= ye[i]) {
          int idx0 = idx[i];
          int next = idx0 + di[i];
          if (next >= n) {
            next -= n;
          }
          while (edges-- > 0) {
            int ty = (int) ((v[next][1] + HALF) >> XY_SHIFT);
            if (ty > y) {
              long xs = v[idx0][0];
              long xe = v[next][0];
              ye[i] = ty;
              dxs[i] = ((xe - xs) * 2 + ((long) ty - y)) / (2 * ((long) ty - y));
              x[i] = xs;
              idx[i] = next;
              break;
            }
            idx0 = next;
            next += di[i];
            if (next >= n) {
              next -= n;
            }
          }
        }
      }
      if (edges < 0) {
        break;
      }
      if (y >= 0) {
        int left = x[0] > x[1] ? 1 : 0;
        int xx1 = (int) ((x[left] + HALF) >> XY_SHIFT);
        int xx2 = (int) ((x[1 - left] + HALF) >> XY_SHIFT);
        if (xx2 >= 0 && xx1 < canvas.width) {
          canvas.hline(y, Math.max(xx1, 0), Math.min(xx2, canvas.width - 1));
        }
      }
      x[0] += dxs[0];
      x[1] += dxs[1];
    } while (++y <= (int) ymax);
  }

  /** The image being drawn on. */
  private record Canvas(byte[] image, int width, int height, byte[] color) {

    void put(int x, int y) {
      if (x >= 0 && x < width && y >= 0 && y < height) {
        System.arraycopy(color, 0, image, (y * width + x) * color.length, color.length);
      }
    }

    void hline(int y, int x1, int x2) {
      for (int x = x1; x <= x2; x++) {
        put(x, y);
      }
    }

    /** {@code Line2}: an 8-connected line between 16.16 points, clipped to the image. */
    void line2(long ax, long ay, long bx, long by) {
      long[] p = {ax, ay, bx, by};
      if (!OpenCvThinLine.clip((long) width << XY_SHIFT, (long) height << XY_SHIFT, p)) {
        return;
      }
      long dx = p[2] - p[0];
      long dy = p[3] - p[1];
      long ddx = Math.abs(dx);
      long ddy = Math.abs(dy);
      long x1 = p[0];
      long y1 = p[1];
      long x2 = p[2];
      long y2 = p[3];
      long xStep;
      long yStep;
      int count;
      boolean alongX = ddx > ddy;
      if (alongX) {
        if (dx < 0) {
          dy = -dy;
          long t = x1;
          x1 = x2;
          x2 = t;
          t = y1;
          y1 = y2;
          y2 = t;
        }
        xStep = XY_ONE;
        yStep = dy * XY_ONE / (ddx | 1);
        count = (int) ((x2 - x1) >> XY_SHIFT);
      } else {
        if (dy < 0) {
          dx = -dx;
          long t = x1;
          x1 = x2;
          x2 = t;
          t = y1;
          y1 = y2;
          y2 = t;
        }
        xStep = dx * XY_ONE / (ddy | 1);
        yStep = XY_ONE;
        count = (int) ((y2 - y1) >> XY_SHIFT);
      }
      x1 += HALF;
      y1 += HALF;
      put((int) ((x2 + HALF) >> XY_SHIFT), (int) ((y2 + HALF) >> XY_SHIFT));
      if (alongX) {
        x1 >>= XY_SHIFT;
        for (; count >= 0; count--) {
          put((int) x1, (int) (y1 >> XY_SHIFT));
          x1++;
          y1 += yStep;
        }
      } else {
        y1 >>= XY_SHIFT;
        for (; count >= 0; count--) {
          put((int) (x1 >> XY_SHIFT), (int) y1);
          x1 += xStep;
          y1++;
        }
      }
    }

    /** {@code Circle}, filled, as OpenCV's integer midpoint algorithm walks it. */
    void circle(int cx, int cy, int radius) {
      long err = 0;
      long dx = radius;
      long dy = 0;
      long plus = 1;
      long minus = ((long) radius << 1) - 1;
      while (dx >= dy) {
        int y11 = (int) (cy - dy);
        int y12 = (int) (cy + dy);
        int y21 = (int) (cy - dx);
        int y22 = (int) (cy + dx);
        int x11 = (int) (cx - dx);
        int x12 = (int) (cx + dx);
        int x21 = (int) (cx - dy);
        int x22 = (int) (cx + dy);
        if (x11 < width && x12 >= 0 && y21 < height && y22 >= 0) {
          clippedRow(y11, x11, x12);
          clippedRow(y12, x11, x12);
          if (x21 < width && x22 >= 0) {
            clippedRow(y21, x21, x22);
            clippedRow(y22, x21, x22);
          }
        }
        dy++;
        err += plus;
        plus += 2;
        long mask = (err <= 0 ? 1 : 0) - 1;
        err -= minus & mask;
        dx += mask;
        minus -= mask & 2;
      }
    }

    private void clippedRow(int y, int x1, int x2) {
      if (y >= 0 && y < height) {
        hline(y, Math.max(x1, 0), Math.min(x2, width - 1));
      }
    }
  }
}
