package network.hydrogen.engine.image;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenCV's 8-connected (non-antialiased) drawing on an interleaved 3-channel 8-bit image, as
 * opencv-python-headless 5.0.0 draws: {@code cv2.ellipse2Poly}, {@code cv2.fillConvexPoly}, {@code
 * cv2.circle} and {@code cv2.line}, pixel for pixel. OpenCV works in 16-bit fixed point ({@code
 * XY_SHIFT}), walks lines with Bresenham's algorithm, fills convex polygons scanline by scanline
 * between two edge walkers, fills circles by the midpoint algorithm, and turns its angles into
 * sines from a table of degrees (seven decimals, as float). The pose annotators draw with these.
 */
public final class OpenCvShapes {

  private static final int XY_SHIFT = 16;
  private static final long XY_ONE = 1L << XY_SHIFT;
  private static final double DBL_EPSILON = Math.ulp(1.0);

  /** OpenCV's SinTable: sin of 0..450 degrees, rounded to seven decimals, as float. */
  private static final float[] SIN_TABLE = new float[451];

  static {
    for (int i = 0; i <= 450; i++) {
      SIN_TABLE[i] =
          Float.parseFloat(
              new java.math.BigDecimal(Math.sin(Math.toRadians(i)))
                  .setScale(7, java.math.RoundingMode.HALF_EVEN)
                  .toPlainString());
    }
  }

  private OpenCvShapes() {}

  /**
   * {@code cv2.ellipse2Poly(center, axes, angle, arcStart, arcEnd, delta)}: the polygon's points as
   * {@code [x, y]}, consecutive duplicates dropped.
   */
  public static int[][] ellipse2Poly(
      int centerX,
      int centerY,
      int axisX,
      int axisY,
      int angle,
      int arcStart,
      int arcEnd,
      int delta) {
    double[][] points =
        ellipsePoints(centerX, centerY, axisX, axisY, angle, arcStart, arcEnd, delta);
    List<int[]> result = new ArrayList<>();
    int[] previous = null;
    for (double[] p : points) {
      int[] point = {(int) Math.rint(p[0]), (int) Math.rint(p[1])};
      if (previous == null || point[0] != previous[0] || point[1] != previous[1]) {
        result.add(point);
        previous = point;
      }
    }
    if (result.size() == 1) {
      return new int[][] {{centerX, centerY}, {centerX, centerY}};
    }
    return result.toArray(int[][]::new);
  }

  /** The double-precision ellipse2Poly: points every {@code delta} degrees of the arc. */
  private static double[][] ellipsePoints(
      double centerX,
      double centerY,
      double axisX,
      double axisY,
      int angle,
      int arcStart,
      int arcEnd,
      int delta) {
    while (angle < 0) {
      angle += 360;
    }
    while (angle > 360) {
      angle -= 360;
    }
    if (arcStart > arcEnd) {
      int swap = arcStart;
      arcStart = arcEnd;
      arcEnd = swap;
    }
    while (arcStart < 0) {
      arcStart += 360;
      arcEnd += 360;
    }
    while (arcEnd > 360) {
      arcEnd -= 360;
      arcStart -= 360;
    }
    if (arcEnd - arcStart > 360) {
      arcStart = 0;
      arcEnd = 360;
    }
    float alpha = SIN_TABLE[450 - angle];
    float beta = SIN_TABLE[angle];
    List<double[]> points = new ArrayList<>();
    for (int i = arcStart; i < arcEnd + delta; i += delta) {
      int a = Math.min(i, arcEnd);
      if (a < 0) {
        a += 360;
      }
      double x = axisX * SIN_TABLE[450 - a];
      double y = axisY * SIN_TABLE[a];
      points.add(new double[] {centerX + x * alpha - y * beta, centerY + x * beta + y * alpha});
    }
    if (points.size() == 1) {
      return new double[][] {{centerX, centerY}, {centerX, centerY}};
    }
    return points.toArray(double[][]::new);
  }

  /** {@code cv2.fillConvexPoly(image, points, colour)} with 8-connected edges, no shift. */
  public static void fillConvexPoly(
      byte[] image, int height, int width, int[][] points, int[] colour) {
    long[][] fixed = new long[points.length][];
    for (int i = 0; i < points.length; i++) {
      fixed[i] = new long[] {points[i][0], points[i][1]};
    }
    new Canvas(image, height, width, colour).fillConvexPoly(fixed, 0);
  }

  /**
   * {@code cv2.circle(image, center, radius, colour, thickness)} for a filled ({@code thickness <
   * 0}) or one-pixel circle.
   *
   * @throws IllegalArgumentException for thicker outlines, which this class does not draw
   */
  public static void circle(
      byte[] image,
      int height,
      int width,
      int centerX,
      int centerY,
      int radius,
      int[] colour,
      int thickness) {
    if (thickness > 1 || radius < 0) {
      throw new IllegalArgumentException(
          "circle of radius " + radius + " and thickness " + thickness + " is not supported");
    }
    new Canvas(image, height, width, colour).circle(centerX, centerY, radius, thickness < 0);
  }

  /**
   * {@code cv2.line(image, p1, p2, colour, thickness)}, 8-connected; a line wider than 1 must have
   * both ends inside the image (the pose drawings' always do).
   *
   * @throws IllegalArgumentException for a wide line with an end outside the image
   */
  public static void line(
      byte[] image,
      int height,
      int width,
      int x1,
      int y1,
      int x2,
      int y2,
      int[] colour,
      int thickness) {
    if (thickness < 0) {
      throw new IllegalArgumentException("line thickness must be >= 0, was " + thickness);
    }
    if (thickness > 1
        && (Math.min(Math.min(x1, x2), Math.min(y1, y2)) < 0
            || Math.max(x1, x2) >= width
            || Math.max(y1, y2) >= height)) {
      throw new IllegalArgumentException(
          "a line "
              + thickness
              + " wide from ("
              + x1
              + ", "
              + y1
              + ") to ("
              + x2
              + ", "
              + y2
              + ") leaves the "
              + width
              + "x"
              + height
              + " image: OpenCV 5 clips such lines in a way this class does not reproduce");
    }
    new Canvas(image, height, width, colour).thickLine(x1, y1, x2, y2, thickness);
  }

  /** One drawing call's image and colour. */
  private record Canvas(byte[] image, int height, int width, int[] colour) {

    Canvas {
      if (image.length != 3L * height * width) {
        throw new IllegalArgumentException(
            "an image of " + width + "x" + height + " needs " + 3L * height * width + " bytes");
      }
    }

    void put(int x, int y) {
      int i = 3 * (y * width + x);
      image[i] = (byte) colour[0];
      image[i + 1] = (byte) colour[1];
      image[i + 2] = (byte) colour[2];
    }

    void horizontal(int y, int x1, int x2) {
      for (int x = x1; x <= x2; x++) {
        put(x, y);
      }
    }

    /** ThickLine with both round caps, integer end points (shift 0). */
    void thickLine(int x1, int y1, int x2, int y2, int thickness) {
      if (thickness <= 1) {
        line(x1, y1, x2, y2);
        return;
      }
      long p0x = (long) x1 << XY_SHIFT;
      long p0y = (long) y1 << XY_SHIFT;
      long p1x = (long) x2 << XY_SHIFT;
      long p1y = (long) y2 << XY_SHIFT;
      double dx = (p0x - p1x) * (1.0 / XY_ONE);
      double dy = (p1y - p0y) * (1.0 / XY_ONE);
      double r = dx * dx + dy * dy;
      int odd = thickness & 1;
      long half = (long) thickness << (XY_SHIFT - 1);
      if (Math.abs(r) > DBL_EPSILON) {
        r = (half + odd * XY_ONE * 0.5) / Math.sqrt(r);
        long dpx = (long) Math.rint(dy * r);
        long dpy = (long) Math.rint(dx * r);
        fillConvexPoly(
            new long[][] {
              {p0x + dpx, p0y + dpy},
              {p0x - dpx, p0y - dpy},
              {p1x - dpx, p1y - dpy},
              {p1x + dpx, p1y + dpy}
            },
            XY_SHIFT);
      }
      int capRadius = (int) ((half + (XY_ONE >> 1)) >> XY_SHIFT);
      circle(
          (int) ((p0x + (XY_ONE >> 1)) >> XY_SHIFT),
          (int) ((p0y + (XY_ONE >> 1)) >> XY_SHIFT),
          capRadius,
          true);
      circle(
          (int) ((p1x + (XY_ONE >> 1)) >> XY_SHIFT),
          (int) ((p1y + (XY_ONE >> 1)) >> XY_SHIFT),
          capRadius,
          true);
    }

    /** Bresenham between integer points (OpenCV's LineIterator, 8-connected, left to right). */
    void line(int x1, int y1, int x2, int y2) {
      int[] clipped = clip(x1, y1, x2, y2);
      if (clipped == null) {
        return;
      }
      x1 = clipped[0];
      y1 = clipped[1];
      x2 = clipped[2];
      y2 = clipped[3];
      if (x2 < x1) {
        int t = x1;
        x1 = x2;
        x2 = t;
        t = y1;
        y1 = y2;
        y2 = t;
      }
      int dx = x2 - x1;
      int dy = Math.abs(y2 - y1);
      int stepY = y2 < y1 ? -1 : 1;
      boolean vertical = dy > dx;
      int major = vertical ? dy : dx;
      int minor = vertical ? dx : dy;
      int err = major - 2 * minor;
      int x = x1;
      int y = y1;
      for (int i = 0; i <= major; i++) {
        put(x, y);
        boolean minorStep = err < 0;
        err += -2 * minor + (minorStep ? 2 * major : 0);
        if (vertical) {
          y += stepY;
          if (minorStep) {
            x += 1;
          }
        } else {
          x += 1;
          if (minorStep) {
            y += stepY;
          }
        }
      }
    }

    /** OpenCV's clipLine to the image; null when the line misses it. */
    private int[] clip(long x1, long y1, long x2, long y2) {
      long right = width - 1;
      long bottom = height - 1;
      if (x1 >= 0
          && x1 <= right
          && x2 >= 0
          && x2 <= right
          && y1 >= 0
          && y1 <= bottom
          && y2 >= 0
          && y2 <= bottom) {
        return new int[] {(int) x1, (int) y1, (int) x2, (int) y2};
      }
      long[] p = {x1, y1, x2, y2};
      return clipLine(p, width, height)
          ? new int[] {(int) p[0], (int) p[1], (int) p[2], (int) p[3]}
          : null;
    }

    /** Line2: a line between 16-bit fixed-point points. */
    void line2(long p1x, long p1y, long p2x, long p2y) {
      long dx = p2x - p1x;
      long dy = p2y - p1y;
      long j = dx < 0 ? -1 : 0;
      long ax = (dx ^ j) - j;
      long i = dy < 0 ? -1 : 0;
      long ay = (dy ^ i) - i;
      long xStep;
      long yStep;
      int ecount;
      if (ax > ay) {
        dy = (dy ^ j) - j;
        if (j != 0) {
          long t = p1x;
          p1x = p2x;
          p2x = t;
          t = p1y;
          p1y = p2y;
          p2y = t;
        }
        xStep = XY_ONE;
        yStep = (dy << XY_SHIFT) / (ax | 1);
        ecount = (int) ((p2x - p1x) >> XY_SHIFT);
      } else {
        dx = (dx ^ i) - i;
        if (i != 0) {
          long t = p1x;
          p1x = p2x;
          p2x = t;
          t = p1y;
          p1y = p2y;
          p2y = t;
        }
        xStep = (dx << XY_SHIFT) / (ay | 1);
        yStep = XY_ONE;
        ecount = (int) ((p2y - p1y) >> XY_SHIFT);
      }
      p1x += XY_ONE >> 1;
      p1y += XY_ONE >> 1;
      putInside(
          (int) ((p2x + (XY_ONE >> 1)) >> XY_SHIFT), (int) ((p2y + (XY_ONE >> 1)) >> XY_SHIFT));
      if (ax > ay) {
        p1x >>= XY_SHIFT;
        for (; ecount >= 0; ecount--) {
          putInside((int) p1x, (int) (p1y >> XY_SHIFT));
          p1x++;
          p1y += yStep;
        }
      } else {
        p1y >>= XY_SHIFT;
        for (; ecount >= 0; ecount--) {
          putInside((int) (p1x >> XY_SHIFT), (int) p1y);
          p1x += xStep;
          p1y++;
        }
      }
    }

    private void putInside(int x, int y) {
      if (x >= 0 && x < width && y >= 0 && y < height) {
        put(x, y);
      }
    }

    /** FillConvexPoly for 8-connected edges: outline first, then scanlines between two walkers. */
    void fillConvexPoly(long[][] v, int shift) {
      int npts = v.length;
      long delta = (1L << shift) >> 1;
      long delta1 = XY_ONE >> 1;
      long delta2 = XY_ONE >> 1;
      long p0x = v[npts - 1][0] << (XY_SHIFT - shift);
      long p0y = v[npts - 1][1] << (XY_SHIFT - shift);
      long xmin = v[0][0];
      long xmax = v[0][0];
      long ymin = v[0][1];
      long ymax = v[0][1];
      int imin = 0;
      for (int i = 0; i < npts; i++) {
        long px = v[i][0];
        long py = v[i][1];
        if (py < ymin) {
          ymin = py;
          imin = i;
        }
        ymax = Math.max(ymax, py);
        xmax = Math.max(xmax, px);
        xmin = Math.min(xmin, px);
        px <<= XY_SHIFT - shift;
        py <<= XY_SHIFT - shift;
        if (shift == 0) {
          line(
              (int) (p0x >> XY_SHIFT),
              (int) (p0y >> XY_SHIFT),
              (int) (px >> XY_SHIFT),
              (int) (py >> XY_SHIFT));
        } else {
          line2(p0x, p0y, px, py);
        }
        p0x = px;
        p0y = py;
      }
      xmin = (xmin + delta) >> shift;
      xmax = (xmax + delta) >> shift;
      ymin = (ymin + delta) >> shift;
      ymax = (ymax + delta) >> shift;
      if (npts < 3
          || (int) xmax < 0
          || (int) ymax < 0
          || (int) xmin >= width
          || (int) ymin >= height) {
        return;
      }
      ymax = Math.min(ymax, height - 1);
      int[] idx = {imin, imin};
      int[] di = {1, npts - 1};
      int[] ye = {(int) ymin, (int) ymin};
      long[] x = {-XY_ONE, -XY_ONE};
      long[] dx = {0, 0};
      int y = (int) ymin;
      int edges = npts;
      do {
        for (int e = 0; e < 2; e++) {
          if (y >= ye[e]) {
            int idx0 = idx[e];
            int next = idx0 + di[e];
            if (next >= npts) {
              next -= npts;
            }
            while (edges-- > 0) {
              int ty = (int) ((v[next][1] + delta) >> shift);
              if (ty > y) {
                long xs = v[idx0][0] << (XY_SHIFT - shift);
                long xe = v[next][0] << (XY_SHIFT - shift);
                ye[e] = ty;
                dx[e] = ((xe - xs) * 2 + ((long) ty - y)) / (2 * ((long) ty - y));
                x[e] = xs;
                idx[e] = next;
                break;
              }
              idx0 = next;
              next += di[e];
              if (next >= npts) {
                next -= npts;
              }
            }
          }
        }
        if (edges < 0) {
          break;
        }
        if (y >= 0) {
          int left = x[0] > x[1] ? 1 : 0;
          int right = 1 - left;
          int xx1 = (int) ((x[left] + delta1) >> XY_SHIFT);
          int xx2 = (int) ((x[right] + delta2) >> XY_SHIFT);
          if (xx2 >= 0 && xx1 < width) {
            horizontal(y, Math.max(xx1, 0), Math.min(xx2, width - 1));
          }
        }
        x[0] += dx[0];
        x[1] += dx[1];
      } while (++y <= (int) ymax);
    }

    /** OpenCV's Circle: the midpoint circle, filled with horizontal runs or as points. */
    void circle(int cx, int cy, int radius, boolean fill) {
      int err = 0;
      int dx = radius;
      int dy = 0;
      int plus = 1;
      int minus = (radius << 1) - 1;
      while (dx >= dy) {
        int y11 = cy - dy;
        int y12 = cy + dy;
        int y21 = cy - dx;
        int y22 = cy + dx;
        int x11 = cx - dx;
        int x12 = cx + dx;
        int x21 = cx - dy;
        int x22 = cx + dy;
        if (x11 < width && x12 >= 0 && y21 < height && y22 >= 0) {
          run(y11, x11, x12, fill);
          run(y12, x11, x12, fill);
          if (x21 < width && x22 >= 0) {
            run(y21, x21, x22, fill);
            run(y22, x21, x22, fill);
          }
        }
        dy++;
        err += plus;
        plus += 2;
        int mask = (err <= 0 ? 1 : 0) - 1;
        err -= minus & mask;
        dx += mask;
        minus -= mask & 2;
      }
    }

    private void run(int y, int x1, int x2, boolean fill) {
      if (y < 0 || y >= height) {
        return;
      }
      if (fill) {
        horizontal(y, Math.max(x1, 0), Math.min(x2, width - 1));
      } else {
        if (x1 >= 0 && x1 < width) {
          put(x1, y);
        }
        if (x2 >= 0 && x2 < width) {
          put(x2, y);
        }
      }
    }
  }

  /** OpenCV's clipLine on {@code [x1, y1, x2, y2]} in place; false when nothing is inside. */
  private static boolean clipLine(long[] p, long width, long height) {
    long right = width - 1;
    long bottom = height - 1;
    if (width <= 0 || height <= 0) {
      return false;
    }
    int c1 = code(p[0], p[1], right, bottom);
    int c2 = code(p[2], p[3], right, bottom);
    if ((c1 & c2) == 0 && (c1 | c2) != 0) {
      long a;
      if ((c1 & 12) != 0) {
        a = c1 < 8 ? 0 : bottom;
        p[0] += (long) ((double) (a - p[1]) * (p[2] - p[0]) / (p[3] - p[1]));
        p[1] = a;
        c1 = (p[0] < 0 ? 1 : 0) + (p[0] > right ? 2 : 0);
      }
      if ((c2 & 12) != 0) {
        a = c2 < 8 ? 0 : bottom;
        p[2] += (long) ((double) (a - p[3]) * (p[2] - p[0]) / (p[3] - p[1]));
        p[3] = a;
        c2 = (p[2] < 0 ? 1 : 0) + (p[2] > right ? 2 : 0);
      }
      if ((c1 & c2) == 0 && (c1 | c2) != 0) {
        if (c1 != 0) {
          a = c1 == 1 ? 0 : right;
          p[1] += (long) ((double) (a - p[0]) * (p[3] - p[1]) / (p[2] - p[0]));
          p[0] = a;
          c1 = 0;
        }
        if (c2 != 0) {
          a = c2 == 1 ? 0 : right;
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
