package network.hydrogen.engine.image;

/**
 * OpenCV's drawing functions on an 8-bit 3-channel canvas ({@code height x width x 3}, row-major,
 * changed in place), with integer coordinates ({@code shift = 0}) and {@code LINE_8}, as
 * opencv-python-headless 5.0.0 draws: {@code cv2.line}, {@code cv2.circle}, {@code
 * cv2.ellipse2Poly}, {@code cv2.fillConvexPoly}, {@code cv2.fillPoly} and {@code cv2.polylines} —
 * what the OpenPose, DWPose, MLSD and MediaPipe-face annotators draw with. Colours are OpenCV
 * scalars: each channel rounded half to even and clamped to 0..255.
 *
 * <p>The algorithms are OpenCV's {@code drawing.cpp}: Bresenham lines through {@code LineIterator}
 * (clipped to the canvas by {@code clipLine}); thick lines first clipped to the canvas grown by the
 * thickness (new in OpenCV 5), then a convex quadrilateral in 16-bit fixed point (its outline
 * stepped in fixed point as {@code Line2}) with round caps drawn by the midpoint circle; filled and
 * 1-pixel circles by the midpoint circle; thicker circles as a 16-bit fixed-point polygon from
 * {@code ellipse2Poly} with OpenCV's 7-decimal sine table; {@code fillPoly} by OpenCV's sorted
 * active-edge scanlines (even-odd rule). All bit-exact against OpenCV 5.0.0 on the tested shapes,
 * inside and across the canvas border.
 */
public final class OpenCvDraw {

  private static final int XY_SHIFT = 16;
  private static final long XY_ONE = 1L << XY_SHIFT;

  /** OpenCV's {@code SinTable}: sin of 0..450 degrees rounded to 7 decimals, as floats. */
  private static final float[] SIN_TABLE = new float[451];

  static {
    for (int degrees = 0; degrees <= 450; degrees++) {
      double sin = Math.sin(Math.toRadians(degrees));
      SIN_TABLE[degrees] = Float.parseFloat(String.format(java.util.Locale.ROOT, "%.7f", sin));
    }
  }

  private OpenCvDraw() {}

  /** {@code cv2.line(img, (x1, y1), (x2, y2), color, thickness)}. */
  public static void line(
      byte[] image,
      int height,
      int width,
      int x1,
      int y1,
      int x2,
      int y2,
      double[] color,
      int thickness) {
    Canvas canvas = new Canvas(image, height, width, color);
    if (thickness <= 0) {
      throw new IllegalArgumentException("a line needs a positive thickness, not " + thickness);
    }
    canvas.thickLine(x1, y1, x2, y2, thickness, 3, 0);
  }

  /**
   * {@code cv2.circle(img, (x, y), radius, color, thickness)}; a negative thickness fills the
   * circle.
   */
  public static void circle(
      byte[] image,
      int height,
      int width,
      int x,
      int y,
      int radius,
      double[] color,
      int thickness) {
    if (radius < 0) {
      throw new IllegalArgumentException("a circle needs a radius of at least 0, not " + radius);
    }
    Canvas canvas = new Canvas(image, height, width, color);
    if (thickness > 1) {
      canvas.ellipse(
          (long) x << XY_SHIFT, (long) y << XY_SHIFT, (long) radius << XY_SHIFT, thickness);
    } else {
      canvas.circle(x, y, radius, thickness < 0);
    }
  }

  /**
   * {@code cv2.ellipse2Poly((x, y), (axisX, axisY), angle, arcStart, arcEnd, delta)}: the polygon's
   * points as x0, y0, x1, y1, ...
   */
  public static int[] ellipse2Poly(
      int x, int y, int axisX, int axisY, int angle, int arcStart, int arcEnd, int delta) {
    double[] points = ellipsePoints(x, y, axisX, axisY, angle, arcStart, arcEnd, delta);
    int[] out = new int[points.length];
    int n = 0;
    long previous = Long.MIN_VALUE;
    for (int i = 0; i < points.length; i += 2) {
      int px = (int) Math.rint(points[i]);
      int py = (int) Math.rint(points[i + 1]);
      long key = ((long) px << 32) ^ (py & 0xffffffffL);
      if (key != previous) {
        out[n++] = px;
        out[n++] = py;
        previous = key;
      }
    }
    if (n == 2) {
      return new int[] {x, y, x, y};
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** {@code cv2.fillConvexPoly(img, points, color)}; {@code points} as x0, y0, x1, y1, .... */
  public static void fillConvexPoly(
      byte[] image, int height, int width, int[] points, double[] color) {
    checkPoints(points);
    Canvas canvas = new Canvas(image, height, width, color);
    long[] v = new long[points.length];
    for (int i = 0; i < points.length; i++) {
      v[i] = points[i];
    }
    canvas.fillConvexPoly(v, 0);
  }

  /**
   * {@code cv2.fillPoly(img, contours, color)}: the polygons filled together by the even-odd rule,
   * each contour's points as x0, y0, x1, y1, ....
   */
  public static void fillPoly(
      byte[] image, int height, int width, int[][] contours, double[] color) {
    Canvas canvas = new Canvas(image, height, width, color);
    java.util.List<long[]> edges = new java.util.ArrayList<>();
    for (int[] contour : contours) {
      checkPoints(contour);
      canvas.collectPolyEdges(contour, edges);
    }
    canvas.fillEdgeCollection(edges);
  }

  /** {@code cv2.polylines(img, [points], closed, color, thickness)}. */
  public static void polylines(
      byte[] image,
      int height,
      int width,
      int[] points,
      boolean closed,
      double[] color,
      int thickness) {
    checkPoints(points);
    if (thickness <= 0) {
      throw new IllegalArgumentException("polylines need a positive thickness, not " + thickness);
    }
    Canvas canvas = new Canvas(image, height, width, color);
    long[] v = new long[points.length];
    for (int i = 0; i < points.length; i++) {
      v[i] = points[i];
    }
    canvas.polyLine(v, closed, thickness, 0);
  }

  private static void checkPoints(int[] points) {
    if (points.length == 0 || points.length % 2 != 0) {
      throw new IllegalArgumentException(
          "points come as x, y pairs; " + points.length + " values are none");
    }
  }

  /** {@code ellipse2Poly} in double, before rounding: x0, y0, x1, y1, .... */
  private static double[] ellipsePoints(
      double cx, double cy, double axisX, double axisY, int angle, int start, int end, int delta) {
    while (angle < 0) {
      angle += 360;
    }
    while (angle > 360) {
      angle -= 360;
    }
    if (start > end) {
      int t = start;
      start = end;
      end = t;
    }
    while (start < 0) {
      start += 360;
      end += 360;
    }
    while (end > 360) {
      end -= 360;
      start -= 360;
    }
    if (end - start > 360) {
      start = 0;
      end = 360;
    }
    if (delta <= 0) {
      throw new IllegalArgumentException("ellipse2Poly needs a positive delta, not " + delta);
    }
    float alpha = SIN_TABLE[450 - angle];
    float beta = SIN_TABLE[angle];
    int count = 0;
    for (int i = start; i < end + delta; i += delta) {
      count++;
    }
    double[] points = new double[2 * count];
    int n = 0;
    for (int i = start; i < end + delta; i += delta) {
      int a = Math.min(i, end);
      if (a < 0) {
        a += 360;
      }
      double x = axisX * SIN_TABLE[450 - a];
      double y = axisY * SIN_TABLE[a];
      points[n++] = cx + x * alpha - y * beta;
      points[n++] = cy + x * beta + y * alpha;
    }
    if (count == 1) {
      return new double[] {cx, cy, cx, cy};
    }
    return points;
  }

  /** A canvas and a colour: OpenCV's internal drawing routines. */
  private static final class Canvas {
    private final byte[] image;
    private final int height;
    private final int width;
    private final byte[] color = new byte[3];

    Canvas(byte[] image, int height, int width, double[] color) {
      if (height <= 0 || width <= 0 || image.length != 3L * height * width) {
        throw new IllegalArgumentException(
            image.length + " bytes are no " + width + "x" + height + " 3-channel canvas");
      }
      if (color.length < 3) {
        throw new IllegalArgumentException("a colour needs 3 channels, not " + color.length);
      }
      this.image = image;
      this.height = height;
      this.width = width;
      for (int c = 0; c < 3; c++) {
        this.color[c] = (byte) Math.max(0, Math.min(255, Math.rint(color[c])));
      }
    }

    private void put(long x, long y) {
      if (x >= 0 && x < width && y >= 0 && y < height) {
        int at = (int) (3 * (y * width + x));
        image[at] = color[0];
        image[at + 1] = color[1];
        image[at + 2] = color[2];
      }
    }

    /** Pixels x1..x2 of row y, both clipped to the canvas. */
    private void hline(int y, int x1, int x2) {
      if (y < 0 || y >= height) {
        return;
      }
      for (int x = Math.max(x1, 0); x <= Math.min(x2, width - 1); x++) {
        put(x, y);
      }
    }

    /**
     * {@code ThickLine}: points in {@code shift}-bit fixed point; flags: caps at start (1), end
     * (2).
     */
    void thickLine(long x0, long y0, long x1, long y1, int thickness, int flags, int shift) {
      if (thickness > 1 && shift == 0) {
        // OpenCV 5 first clips a thick line to the canvas grown by the thickness on each side
        long[] p = {x0 + thickness, y0 + thickness, x1 + thickness, y1 + thickness};
        if (!clipLine(width + 2L * thickness, height + 2L * thickness, p)) {
          return;
        }
        x0 = p[0] - thickness;
        y0 = p[1] - thickness;
        x1 = p[2] - thickness;
        y1 = p[3] - thickness;
      }
      x0 <<= XY_SHIFT - shift;
      y0 <<= XY_SHIFT - shift;
      x1 <<= XY_SHIFT - shift;
      y1 <<= XY_SHIFT - shift;
      if (thickness <= 1) {
        // OpenCV 5 rounds fixed-point ends to pixels and draws the 8-connected line between them
        long half = XY_ONE >> 1;
        line8(
            (x0 + half) >> XY_SHIFT,
            (y0 + half) >> XY_SHIFT,
            (x1 + half) >> XY_SHIFT,
            (y1 + half) >> XY_SHIFT);
        return;
      }
      double inverse = 1. / XY_ONE;
      double dx = (x0 - x1) * inverse;
      double dy = (y1 - y0) * inverse;
      double r = dx * dx + dy * dy;
      int odd = thickness & 1;
      long fixedThickness = (long) thickness << (XY_SHIFT - 1);
      if (Math.abs(r) > Math.ulp(1.0)) {
        r = (fixedThickness + odd * XY_ONE * 0.5) / Math.sqrt(r);
        long px = Math.round(Math.rint(dy * r));
        long py = Math.round(Math.rint(dx * r));
        fillConvexPoly(
            new long[] {x0 + px, y0 + py, x0 - px, y0 - py, x1 - px, y1 - py, x1 + px, y1 + py},
            XY_SHIFT);
      }
      long half = XY_ONE >> 1;
      for (int i = 0; i < 2; i++) {
        if ((flags & (i + 1)) != 0) {
          circle(
              (int) ((x0 + half) >> XY_SHIFT),
              (int) ((y0 + half) >> XY_SHIFT),
              (int) ((fixedThickness + half) >> XY_SHIFT),
              true);
        }
        x0 = x1;
        y0 = y1;
      }
    }

    /** {@code Line} with 8-connectivity through {@code LineIterator}, clipped to the canvas. */
    void line8(long x1, long y1, long x2, long y2) {
      long[] p = {x1, y1, x2, y2};
      if (x1 < 0
          || x1 >= width
          || x2 < 0
          || x2 >= width
          || y1 < 0
          || y1 >= height
          || y2 < 0
          || y2 >= height) {
        if (!clipLine(width, height, p)) {
          return;
        }
      }
      if (p[2] < p[0]) {
        swapEnds(p); // left to right
      }
      long ax = p[0];
      long ay = p[1];
      long dx = p[2] - ax;
      long dy = p[3] - ay;
      int stepY = 1;
      if (dy < 0) {
        dy = -dy;
        stepY = -1;
      }
      boolean vertical = dy > dx;
      if (vertical) {
        long t = dx;
        dx = dy;
        dy = t;
      }
      long err = dx - (dy + dy);
      long plusDelta = dx + dx;
      long minusDelta = -(dy + dy);
      long count = dx + 1;
      long x = ax;
      long y = ay;
      for (long i = 0; i < count; i++) {
        put(x, y);
        boolean step = err < 0;
        err += minusDelta + (step ? plusDelta : 0);
        if (vertical) {
          // the major axis is y (its direction stepY), x steps right on a carry
          y += stepY;
          if (step) {
            x += 1;
          }
        } else {
          x += 1;
          if (step) {
            y += stepY;
          }
        }
      }
    }

    /** {@code Line2}: a line stepped in 16-bit fixed point, as polygon outlines are drawn. */
    void line2(long ax, long ay, long bx, long by) {
      long[] p = {ax, ay, bx, by};
      if (!clipLine((long) width << XY_SHIFT, (long) height << XY_SHIFT, p)) {
        return;
      }
      boolean xMajor = Math.abs(p[2] - p[0]) > Math.abs(p[3] - p[1]);
      if (xMajor ? p[2] < p[0] : p[3] < p[1]) {
        swapEnds(p); // step along the major axis upwards
      }
      ax = p[0];
      ay = p[1];
      bx = p[2];
      by = p[3];
      long dx = bx - ax;
      long dy = by - ay;
      long xStep = xMajor ? XY_ONE : (dx << XY_SHIFT) / (dy | 1);
      long yStep = xMajor ? (dy << XY_SHIFT) / (dx | 1) : XY_ONE;
      int ecount = (int) ((xMajor ? bx - ax : by - ay) >> XY_SHIFT);
      ax += XY_ONE >> 1;
      ay += XY_ONE >> 1;
      put((bx + (XY_ONE >> 1)) >> XY_SHIFT, (by + (XY_ONE >> 1)) >> XY_SHIFT);
      if (xMajor) {
        ax >>= XY_SHIFT;
        for (; ecount >= 0; ecount--) {
          put(ax, ay >> XY_SHIFT);
          ax++;
          ay += yStep;
        }
      } else {
        ay >>= XY_SHIFT;
        for (; ecount >= 0; ecount--) {
          put(ax >> XY_SHIFT, ay);
          ax += xStep;
          ay++;
        }
      }
    }

    /** {@code Circle}: the midpoint circle, outline or filled. */
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
        if (fill) {
          hline(y11, x11, x12);
          hline(y12, x11, x12);
          hline(y21, x21, x22);
          hline(y22, x21, x22);
        } else {
          put(x11, y11);
          put(x12, y11);
          put(x11, y12);
          put(x12, y12);
          put(x21, y21);
          put(x22, y21);
          put(x21, y22);
          put(x22, y22);
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

    /** {@code EllipseEx} for a full circle outline of {@code thickness} > 1, 16-bit fixed point. */
    void ellipse(long cx, long cy, long radius, int thickness) {
      int delta = (int) ((radius + (XY_ONE >> 1)) >> XY_SHIFT);
      delta = delta < 3 ? 90 : delta < 10 ? 30 : delta < 15 ? 18 : 5;
      double[] points = ellipsePoints(cx, cy, radius, radius, 0, 0, 360, delta);
      long[] v = new long[points.length];
      int n = 0;
      long previousX = Long.MIN_VALUE;
      long previousY = Long.MIN_VALUE;
      for (int i = 0; i < points.length; i += 2) {
        long x = Math.round(Math.rint(points[i] / XY_ONE)) << XY_SHIFT;
        long y = Math.round(Math.rint(points[i + 1] / XY_ONE)) << XY_SHIFT;
        x += Math.round(Math.rint(points[i] - x));
        y += Math.round(Math.rint(points[i + 1] - y));
        if (x != previousX || y != previousY) {
          v[n++] = x;
          v[n++] = y;
          previousX = x;
          previousY = y;
        }
      }
      if (n == 2) {
        v = new long[] {cx, cy, cx, cy};
        n = 4;
      }
      polyLine(java.util.Arrays.copyOf(v, n), false, thickness, XY_SHIFT);
    }

    /** {@code PolyLine}: consecutive thick lines, with caps at the joints. */
    void polyLine(long[] v, boolean closed, int thickness, int shift) {
      int count = v.length / 2;
      int i = closed ? count - 1 : 0;
      int flags = 2 + (closed ? 0 : 1);
      long x0 = v[2 * i];
      long y0 = v[2 * i + 1];
      for (i = closed ? 0 : 1; i < count; i++) {
        long x = v[2 * i];
        long y = v[2 * i + 1];
        thickLine(x0, y0, x, y, thickness, flags, shift);
        x0 = x;
        y0 = y;
        flags = 2;
      }
    }

    /**
     * {@code CollectPolyEdges} (shift 0): draws the contour's outline and adds its non-horizontal
     * edges as {y0, y1, x (16-bit fixed point), dx}.
     */
    void collectPolyEdges(int[] v, java.util.List<long[]> edges) {
      int count = v.length / 2;
      long pt0x = (long) v[2 * (count - 1)] << XY_SHIFT;
      long pt0y = v[2 * (count - 1) + 1];
      for (int i = 0; i < count; i++) {
        long pt1x = (long) v[2 * i] << XY_SHIFT;
        long pt1y = v[2 * i + 1];
        long half = XY_ONE >> 1;
        long[] t = {(pt0x + half) >> XY_SHIFT, pt0y, (pt1x + half) >> XY_SHIFT, pt1y};
        line8(t[0], t[1], t[2], t[3]);
        long pt0cy = pt0y;
        long pt1cy = pt1y;
        if (t[0] < 0
            || t[0] >= width
            || t[2] < 0
            || t[2] >= width
            || t[1] < 0
            || t[1] >= height
            || t[3] < 0
            || t[3] >= height) {
          // clipped ends give a more accurate edge, as OpenCV does
          clipLine(width, height, t);
          if (t[1] != t[3]) {
            pt0cy = t[1];
            pt1cy = t[3];
          }
        }
        long pt0cx = t[0] << XY_SHIFT;
        long pt1cx = t[2] << XY_SHIFT;
        if (pt0y != pt1y) {
          long dx = (pt1cx - pt0cx) / (pt1cy - pt0cy);
          if (pt0y < pt1y) {
            edges.add(new long[] {pt0y, pt1y, pt0cx + (pt0y - pt0cy) * dx, dx});
          } else {
            edges.add(new long[] {pt1y, pt0y, pt1cx + (pt1y - pt1cy) * dx, dx});
          }
        }
        pt0x = pt1x;
        pt0y = pt1y;
      }
    }

    /**
     * {@code FillEdgeCollection}: scanlines over an active edge list kept sorted by x, filling
     * between every other pair of edges.
     */
    void fillEdgeCollection(java.util.List<long[]> list) {
      int total = list.size();
      if (total < 2) {
        return;
      }
      long yMin = Long.MAX_VALUE;
      long yMax = Long.MIN_VALUE;
      long xMin = Long.MAX_VALUE;
      long xMax = -1;
      for (long[] e : list) {
        long x1 = e[2] + (e[1] - e[0]) * e[3];
        yMin = Math.min(yMin, e[0]);
        yMax = Math.max(yMax, e[1]);
        xMin = Math.min(xMin, Math.min(e[2], x1));
        xMax = Math.max(xMax, Math.max(e[2], x1));
      }
      if (yMax < 0 || yMin >= height || xMax < 0 || xMin >= ((long) width << XY_SHIFT)) {
        return;
      }
      list.sort(
          (a, b) ->
              a[0] != b[0]
                  ? Long.compare(a[0], b[0])
                  : a[2] != b[2] ? Long.compare(a[2], b[2]) : Long.compare(a[3], b[3]));
      // edges 0..total-1, a sentinel (y0 = max) at total, the list head at total + 1
      long[][] e = new long[total + 2][];
      for (int i = 0; i < total; i++) {
        e[i] = list.get(i).clone();
      }
      e[total] = new long[] {Integer.MAX_VALUE, 0, 0, 0};
      int head = total + 1;
      e[head] = new long[4];
      int[] next = new int[total + 2];
      java.util.Arrays.fill(next, -1);
      int i = 0;
      yMax = Math.min(yMax, height);
      long delta = XY_ONE - 1;
      for (long y = e[0][0]; y < yMax; y++) {
        boolean draw = false;
        boolean clip = y < 0;
        int prelast = head;
        int last = next[head];
        while (last >= 0 || e[i][0] == y) {
          if (last >= 0 && e[last][1] == y) {
            next[prelast] = next[last];
            last = next[last];
            continue;
          }
          int keepPrelast = prelast;
          if (last >= 0 && (e[i][0] > y || e[last][2] < e[i][2])) {
            prelast = last;
            last = next[last];
          } else if (i < total) {
            next[prelast] = i;
            next[i] = last;
            prelast = i;
            i++;
          } else {
            break;
          }
          if (draw) {
            if (!clip) {
              long x1;
              long x2;
              if (e[keepPrelast][2] > e[prelast][2]) {
                x1 = (e[prelast][2] + delta) >> XY_SHIFT;
                x2 = e[keepPrelast][2] >> XY_SHIFT;
              } else {
                x1 = (e[keepPrelast][2] + delta) >> XY_SHIFT;
                x2 = e[prelast][2] >> XY_SHIFT;
              }
              if (x1 < width && x2 >= 0) {
                hline((int) y, (int) Math.max(x1, 0), (int) Math.min(x2, width - 1));
              }
            }
            e[keepPrelast][2] += e[keepPrelast][3];
            e[prelast][2] += e[prelast][3];
          }
          draw = !draw;
        }
        // bubble sort of the active list by x
        int keep = -1;
        do {
          prelast = head;
          last = next[head];
          int lastExchange = -1;
          while (last != keep && next[last] >= 0) {
            int te = next[last];
            if (e[last][2] > e[te][2]) {
              next[prelast] = te;
              next[last] = next[te];
              next[te] = last;
              prelast = te;
              lastExchange = prelast;
            } else {
              prelast = last;
              last = te;
            }
          }
          if (lastExchange < 0) {
            break;
          }
          keep = lastExchange;
        } while (keep != next[head] && keep != head);
      }
    }

    /** {@code FillConvexPoly}: points x0, y0, ... in {@code shift}-bit fixed point. */
    void fillConvexPoly(long[] v, int shift) {
      int npts = v.length / 2;
      long delta = shift == 0 ? 0 : 1L << shift >> 1;
      long delta1 = XY_ONE >> 1;
      long delta2 = XY_ONE >> 1;
      long p0x = v[2 * (npts - 1)] << (XY_SHIFT - shift);
      long p0y = v[2 * (npts - 1) + 1] << (XY_SHIFT - shift);
      long xmin = v[0];
      long xmax = v[0];
      long ymin = v[1];
      long ymax = v[1];
      int imin = 0;
      for (int i = 0; i < npts; i++) {
        long px = v[2 * i];
        long py = v[2 * i + 1];
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
          line8(p0x >> XY_SHIFT, p0y >> XY_SHIFT, px >> XY_SHIFT, py >> XY_SHIFT);
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
      long[] ex = {-XY_ONE, -XY_ONE};
      long[] edx = {0, 0};
      int[] ye = {(int) ymin, (int) ymin};
      int y = (int) ymin;
      int edges = npts;
      do {
        for (int i = 0; i < 2; i++) {
          if (y >= ye[i]) {
            int idx0 = idx[i];
            int next = idx0 + di[i];
            if (next >= npts) {
              next -= npts;
            }
            while (edges-- > 0) {
              int ty = (int) ((v[2 * next + 1] + delta) >> shift);
              if (ty > y) {
                long xs = v[2 * idx0] << (XY_SHIFT - shift);
                long xe = v[2 * next] << (XY_SHIFT - shift);
                ye[i] = ty;
                edx[i] = ((xe - xs) * 2 + ((long) ty - y)) / (2 * ((long) ty - y));
                ex[i] = xs;
                idx[i] = next;
                break;
              }
              idx0 = next;
              next += di[i];
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
          int left = ex[0] > ex[1] ? 1 : 0;
          int right = 1 - left;
          int xx1 = (int) ((ex[left] + delta1) >> XY_SHIFT);
          int xx2 = (int) ((ex[right] + delta2) >> XY_SHIFT);
          if (xx2 >= 0 && xx1 < width) {
            hline(y, Math.max(xx1, 0), Math.min(xx2, width - 1));
          }
        }
        ex[0] += edx[0];
        ex[1] += edx[1];
      } while (++y <= (int) ymax);
    }
  }

  /**
   * {@code clipLine}: clips the segment {@code p} (x1, y1, x2, y2) to {@code [0, width) x [0,
   * height)} in place; false when it lies wholly outside.
   */
  static boolean clipLine(long width, long height, long[] p) {
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

  /** Swaps a segment's ends {@code {x1, y1, x2, y2}} in place. */
  private static void swapEnds(long[] p) {
    long x = p[0];
    long y = p[1];
    p[0] = p[2];
    p[1] = p[3];
    p[2] = x;
    p[3] = y;
  }

  private static int code(long x, long y, long right, long bottom) {
    return (x < 0 ? 1 : 0) + (x > right ? 2 : 0) + (y < 0 ? 4 : 0) + (y > bottom ? 8 : 0);
  }
}
