package network.hydrogen.engine.image;

/**
 * OpenCV's {@code cv2.resize} on interleaved {@code height x width x channels} images, as
 * opencv-python-headless 5.0.0 on x86-64 computes it: bit for bit on 8-bit images, within float
 * rounding (1e-5 relative) on float32 images. The controlnet_aux annotators resize with it (their
 * own network input sizes, Lanczos/area in {@code resize_image}, linear back to the image).
 *
 * <p>The 8-bit paths follow OpenCV's arithmetic: coefficients computed in float and rounded to
 * 11-bit fixed point ({@code INTER_RESIZE_COEF_BITS}), horizontal pass in integers, vertical pass
 * rounded from 22 bits; where OpenCV's SSE code (the wheel's baseline, 128-bit vectors) rounds
 * differently from its scalar tail (vertical linear and cubic passes, area 2x2 averaging), the same
 * rounding is used on the same columns. Area downscaling is OpenCV's cell averaging in float.
 */
public final class OpenCvResize {

  /** OpenCV's interpolation flags that {@link #resize} supports. */
  public enum Interpolation {
    /** {@code INTER_NEAREST}: the pixel at floor(x * scale). */
    NEAREST,
    /** {@code INTER_LINEAR}: bilinear; an exact 2x downscale averages 2x2 cells. */
    LINEAR,
    /** {@code INTER_CUBIC}: bicubic convolution with a = -0.75 over 4x4 pixels. */
    CUBIC,
    /** {@code INTER_AREA}: cell averaging when shrinking, a bilinear variant when enlarging. */
    AREA,
    /** {@code INTER_LANCZOS4}: Lanczos over 8x8 pixels. */
    LANCZOS4
  }

  private static final int COEF_BITS = 11;
  private static final int COEF_SCALE = 1 << COEF_BITS;
  private static final double DBL_EPSILON = Math.ulp(1.0);
  private static final float FLT_EPSILON = Math.ulp(1.0f);

  /** Lanes of OpenCV's baseline SIMD registers (128 bits) for 16-bit elements. */
  private static final int LANES_16 = 8;

  private OpenCvResize() {}

  /** {@code cv2.resize(src, (outWidth, outHeight), interpolation=...)} on 8-bit samples. */
  public static byte[] resize(
      byte[] src,
      int height,
      int width,
      int channels,
      int outHeight,
      int outWidth,
      Interpolation interpolation) {
    check(src.length, height, width, channels, outHeight, outWidth, interpolation);
    Image image = new Image(src, null, height, width, channels);
    return run(image, outHeight, outWidth, interpolation).bytes;
  }

  /** {@code cv2.resize(src, (outWidth, outHeight), interpolation=...)} on float32 samples. */
  public static float[] resize(
      float[] src,
      int height,
      int width,
      int channels,
      int outHeight,
      int outWidth,
      Interpolation interpolation) {
    check(src.length, height, width, channels, outHeight, outWidth, interpolation);
    Image image = new Image(null, src, height, width, channels);
    return run(image, outHeight, outWidth, interpolation).floats;
  }

  private static void check(
      int length,
      int height,
      int width,
      int channels,
      int outHeight,
      int outWidth,
      Interpolation interpolation) {
    if (height <= 0 || width <= 0 || channels <= 0 || outHeight <= 0 || outWidth <= 0) {
      throw new IllegalArgumentException(
          "cannot resize "
              + width
              + "x"
              + height
              + "x"
              + channels
              + " to "
              + outWidth
              + "x"
              + outHeight);
    }
    if ((long) height * width * channels != length) {
      throw new IllegalArgumentException(
          length + " samples are no " + width + "x" + height + "x" + channels + " image");
    }
    if (interpolation == null) {
      throw new IllegalArgumentException("no interpolation given");
    }
  }

  /** Samples of one image: exactly one of {@code bytes} (unsigned 8-bit) and {@code floats}. */
  private record Image(byte[] bytes, float[] floats, int height, int width, int channels) {

    boolean fixedPoint() {
      return bytes != null;
    }

    int at(int index) {
      return bytes[index] & 0xff;
    }
  }

  private static Image run(Image src, int outHeight, int outWidth, Interpolation interpolation) {
    if (outHeight == src.height && outWidth == src.width) {
      // cv::resize copies an image of the same size
      return src.fixedPoint()
          ? new Image(src.bytes.clone(), null, src.height, src.width, src.channels)
          : new Image(null, src.floats.clone(), src.height, src.width, src.channels);
    }
    double invScaleX = (double) outWidth / src.width;
    double invScaleY = (double) outHeight / src.height;
    if (interpolation == Interpolation.NEAREST) {
      return nearest(src, outHeight, outWidth, invScaleX, invScaleY);
    }
    double scaleX = 1.0 / invScaleX;
    double scaleY = 1.0 / invScaleY;
    int iscaleX = (int) Math.rint(scaleX);
    int iscaleY = (int) Math.rint(scaleY);
    boolean areaFast =
        Math.abs(scaleX - iscaleX) < DBL_EPSILON && Math.abs(scaleY - iscaleY) < DBL_EPSILON;
    if (interpolation == Interpolation.LINEAR && areaFast && iscaleX == 2 && iscaleY == 2) {
      interpolation = Interpolation.AREA;
    }
    if (interpolation == Interpolation.AREA && scaleX >= 1 && scaleY >= 1) {
      if (areaFast) {
        return areaFast(src, outHeight, outWidth, iscaleX, iscaleY);
      }
      if (src.channels > 4) {
        throw new IllegalArgumentException(
            "OpenCV's area downscaling takes at most 4 channels, not " + src.channels);
      }
      return area(src, outHeight, outWidth, scaleX, scaleY);
    }
    return separable(src, outHeight, outWidth, interpolation, scaleX, scaleY, invScaleX, invScaleY);
  }

  private static Image nearest(
      Image src, int outHeight, int outWidth, double invScaleX, double invScaleY) {
    double ifx = 1.0 / invScaleX;
    double ify = 1.0 / invScaleY;
    int cn = src.channels;
    int[] xofs = new int[outWidth];
    for (int x = 0; x < outWidth; x++) {
      xofs[x] = Math.min((int) Math.floor(x * ifx), src.width - 1);
    }
    Image out = allocate(src, outHeight, outWidth);
    for (int y = 0; y < outHeight; y++) {
      int sy = Math.min((int) Math.floor(y * ify), src.height - 1);
      for (int x = 0; x < outWidth; x++) {
        int from = (sy * src.width + xofs[x]) * cn;
        int to = (y * outWidth + x) * cn;
        if (src.fixedPoint()) {
          System.arraycopy(src.bytes, from, out.bytes, to, cn);
        } else {
          System.arraycopy(src.floats, from, out.floats, to, cn);
        }
      }
    }
    return out;
  }

  private static Image allocate(Image like, int height, int width) {
    int n = height * width * like.channels;
    return like.fixedPoint()
        ? new Image(new byte[n], null, height, width, like.channels)
        : new Image(null, new float[n], height, width, like.channels);
  }

  /** OpenCV's {@code saturate_cast<uchar>(float)}: round half to even, clamp. */
  private static byte saturate(float value) {
    return saturate((int) Math.max(Math.min(Math.rint(value), 1e9), -1e9));
  }

  private static byte saturate(int value) {
    return (byte) Math.max(0, Math.min(255, value));
  }

  /** Area averaging over exact integer cells ({@code resizeAreaFast_}). */
  private static Image areaFast(Image src, int outHeight, int outWidth, int sx, int sy) {
    int cn = src.channels;
    int area = sx * sy;
    float scale = 1.0f / area;
    Image out = allocate(src, outHeight, outWidth);
    int rowWidth = outWidth * cn;
    for (int dy = 0; dy < outHeight; dy++) {
      // OpenCV 5 rounds 2x2 averages of 1, 3 or 4 channels half up, others half to even
      boolean halfUp = sx == 2 && sy == 2 && cn != 2;
      for (int dx = 0; dx < rowWidth; dx++) {
        int c = dx % cn;
        int x0 = (dx / cn) * sx;
        int to = dy * rowWidth + dx;
        if (src.fixedPoint()) {
          int sum = 0;
          for (int y = 0; y < sy; y++) {
            for (int x = 0; x < sx; x++) {
              sum += src.at(((dy * sy + y) * src.width + x0 + x) * cn + c);
            }
          }
          out.bytes[to] = halfUp ? saturate((sum + 2) >> 2) : saturate(sum * scale);
        } else {
          float sum = 0;
          for (int y = 0; y < sy; y++) {
            for (int x = 0; x < sx; x++) {
              sum += src.floats[((dy * sy + y) * src.width + x0 + x) * cn + c];
            }
          }
          out.floats[to] = sum * scale;
        }
      }
    }
    return out;
  }

  private record Cell(int dst, int src, float alpha) {}

  private static Cell[] areaTable(int ssize, int dsize, int cn, double scale) {
    java.util.List<Cell> tab = new java.util.ArrayList<>();
    for (int dx = 0; dx < dsize; dx++) {
      double fsx1 = dx * scale;
      double fsx2 = fsx1 + scale;
      double cellWidth = Math.min(scale, ssize - fsx1);
      int sx1 = (int) Math.ceil(fsx1);
      int sx2 = (int) Math.floor(fsx2);
      sx2 = Math.min(sx2, ssize - 1);
      sx1 = Math.min(sx1, sx2);
      if (sx1 - fsx1 > 1e-3) {
        tab.add(new Cell(dx * cn, (sx1 - 1) * cn, (float) ((sx1 - fsx1) / cellWidth)));
      }
      for (int sx = sx1; sx < sx2; sx++) {
        tab.add(new Cell(dx * cn, sx * cn, (float) (1.0 / cellWidth)));
      }
      if (fsx2 - sx2 > 1e-3) {
        tab.add(
            new Cell(
                dx * cn,
                sx2 * cn,
                (float) (Math.min(Math.min(fsx2 - sx2, 1.0), cellWidth) / cellWidth)));
      }
    }
    return tab.toArray(Cell[]::new);
  }

  /** Area averaging over fractional cells ({@code resizeArea_}), in float. */
  private static Image area(Image src, int outHeight, int outWidth, double scaleX, double scaleY) {
    int cn = src.channels;
    Cell[] xtab = areaTable(src.width, outWidth, cn, scaleX);
    Cell[] ytab = areaTable(src.height, outHeight, 1, scaleY);
    int rowWidth = outWidth * cn;
    float[] buf = new float[rowWidth];
    float[] sum = new float[rowWidth];
    Image out = allocate(src, outHeight, outWidth);
    int prevDy = ytab[0].dst;
    for (Cell row : ytab) {
      java.util.Arrays.fill(buf, 0);
      int base = row.src * src.width * cn;
      for (Cell cell : xtab) {
        for (int c = 0; c < cn; c++) {
          float s =
              src.fixedPoint() ? src.at(base + cell.src + c) : src.floats[base + cell.src + c];
          buf[cell.dst + c] += s * cell.alpha;
        }
      }
      if (row.dst != prevDy) {
        store(sum, out, prevDy);
        for (int i = 0; i < rowWidth; i++) {
          sum[i] = buf[i] * row.alpha;
        }
        prevDy = row.dst;
      } else {
        for (int i = 0; i < rowWidth; i++) {
          sum[i] += buf[i] * row.alpha;
        }
      }
    }
    store(sum, out, prevDy);
    return out;
  }

  private static void store(float[] row, Image out, int y) {
    int base = y * row.length;
    for (int i = 0; i < row.length; i++) {
      if (out.fixedPoint()) {
        out.bytes[base + i] = saturate(row[i]);
      } else {
        out.floats[base + i] = row[i];
      }
    }
  }

  private static void cubicCoefficients(float x, float[] coeffs) {
    final float a = -0.75f;
    coeffs[0] = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
    coeffs[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
    coeffs[2] = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
    coeffs[3] = 1.f - coeffs[0] - coeffs[1] - coeffs[2];
  }

  private static final double S45 = 0.70710678118654752440084436210485;
  private static final double[][] LANCZOS_CS = {
    {1, 0}, {-S45, -S45}, {0, 1}, {S45, -S45}, {-1, 0}, {S45, S45}, {0, -1}, {-S45, S45}
  };

  private static void lanczosCoefficients(float x, float[] coeffs) {
    float sum = 0;
    double y0 = -(double) (x + 3) * Math.PI * 0.25;
    double s0 = StrictMath.sin(y0);
    double c0 = StrictMath.cos(y0);
    for (int i = 0; i < 8; i++) {
      float y0i = x + 3 - i;
      if (Math.abs(y0i) >= FLT_EPSILON) {
        double y = -y0i * Math.PI * 0.25;
        coeffs[i] = (float) ((LANCZOS_CS[i][0] * s0 + LANCZOS_CS[i][1] * c0) / (y * y));
      } else {
        coeffs[i] = 1e30f;
      }
      sum += coeffs[i];
    }
    sum = 1.f / sum;
    for (int i = 0; i < 8; i++) {
      coeffs[i] *= sum;
    }
  }

  /** Per-output-position source offsets and coefficients along one axis. */
  private record Taps(int[] offsets, float[] coefficients, short[] fixed, int min, int max) {}

  private static Taps taps(
      int inSize,
      int outSize,
      int ksize,
      Interpolation interpolation,
      double scale,
      double invScale,
      boolean clampLinear) {
    boolean areaMode = interpolation == Interpolation.AREA;
    int half = ksize / 2;
    int[] offsets = new int[outSize];
    float[] coefficients = new float[outSize * ksize];
    short[] fixed = new short[outSize * ksize];
    int min = 0;
    int max = outSize;
    float[] cbuf = new float[8];
    for (int d = 0; d < outSize; d++) {
      int s;
      float f;
      if (!areaMode) {
        f = (float) ((d + 0.5) * scale - 0.5);
        s = (int) Math.floor(f);
        f -= s;
      } else {
        s = (int) Math.floor(d * scale);
        f = (float) ((d + 1) - (s + 1) * invScale);
        f = f <= 0 ? 0.f : f - (float) Math.floor(f);
      }
      boolean smooth =
          interpolation == Interpolation.CUBIC || interpolation == Interpolation.LANCZOS4;
      if (clampLinear) {
        if (s < half - 1) {
          min = d + 1;
          if (s < 0 && !smooth) {
            f = 0;
            s = 0;
          }
        }
        if (s + half >= inSize) {
          max = Math.min(max, d);
          if (s >= inSize - 1 && !smooth) {
            f = 0;
            s = inSize - 1;
          }
        }
      }
      offsets[d] = s;
      switch (interpolation) {
        case CUBIC -> cubicCoefficients(f, cbuf);
        case LANCZOS4 -> lanczosCoefficients(f, cbuf);
        default -> {
          cbuf[0] = 1.f - f;
          cbuf[1] = f;
        }
      }
      for (int k = 0; k < ksize; k++) {
        coefficients[d * ksize + k] = cbuf[k];
        fixed[d * ksize + k] = saturateShort(cbuf[k] * COEF_SCALE);
      }
    }
    return new Taps(offsets, coefficients, fixed, min, max);
  }

  private static short saturateShort(float value) {
    return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.rint(value)));
  }

  /**
   * Linear, cubic, Lanczos and enlarging area: a horizontal then a vertical pass. 8-bit images take
   * the fixed-point passes, except cubic, which OpenCV 5 computes in float as for float images and
   * rounds at the end.
   */
  private static Image separable(
      Image src,
      int outHeight,
      int outWidth,
      Interpolation interpolation,
      double scaleX,
      double scaleY,
      double invScaleX,
      double invScaleY) {
    int ksize =
        switch (interpolation) {
          case CUBIC -> 4;
          case LANCZOS4 -> 8;
          default -> 2;
        };
    int cn = src.channels;
    Taps xt = taps(src.width, outWidth, ksize, interpolation, scaleX, invScaleX, true);
    Taps yt = taps(src.height, outHeight, ksize, interpolation, scaleY, invScaleY, false);
    int rowWidth = outWidth * cn;
    boolean fixedPoint =
        src.fixedPoint() && (interpolation != Interpolation.CUBIC || !ippCubic(src.channels));
    // horizontally resampled source rows, computed once each
    int[][] intRows = new int[src.height][];
    float[][] floatRows = new float[src.height][];
    Image out = allocate(src, outHeight, outWidth);
    int half = ksize / 2;
    float[] row = new float[rowWidth];
    for (int dy = 0; dy < outHeight; dy++) {
      int sy0 = yt.offsets[dy];
      int[] rows = new int[ksize];
      for (int k = 0; k < ksize; k++) {
        rows[k] = Math.max(0, Math.min(src.height - 1, sy0 - half + 1 + k));
        if (fixedPoint && intRows[rows[k]] == null) {
          intRows[rows[k]] = horizontalFixed(src, rows[k], xt, ksize, outWidth);
        } else if (!fixedPoint && floatRows[rows[k]] == null) {
          floatRows[rows[k]] = horizontalFloat(src, rows[k], xt, ksize, outWidth);
        }
      }
      int base = dy * rowWidth;
      if (fixedPoint) {
        int[][] s = new int[ksize][];
        for (int k = 0; k < ksize; k++) {
          s[k] = intRows[rows[k]];
        }
        verticalFixed(s, yt.fixed, dy * ksize, ksize, out.bytes, base, rowWidth);
        continue;
      }
      for (int x = 0; x < rowWidth; x++) {
        float v;
        if (ksize == 4) {
          // VResizeCubicVec_32f sums from the last row
          v = floatRows[rows[3]][x] * yt.coefficients[dy * ksize + 3];
          for (int k = 2; k >= 0; k--) {
            v = floatRows[rows[k]][x] * yt.coefficients[dy * ksize + k] + v;
          }
        } else {
          v = floatRows[rows[0]][x] * yt.coefficients[dy * ksize];
          for (int k = 1; k < ksize; k++) {
            v += floatRows[rows[k]][x] * yt.coefficients[dy * ksize + k];
          }
        }
        row[x] = v;
      }
      store(row, out, dy);
    }
    return out;
  }

  /** Whether OpenCV hands an 8-bit cubic resize of this many channels to Intel IPP. */
  private static boolean ippCubic(int channels) {
    return channels == 1 || channels == 3 || channels == 4;
  }

  /** Index of the same channel's sample at pixel {@code x}, replicating the border pixels. */
  private static int clampedPixel(int x, int width) {
    return Math.max(0, Math.min(width - 1, x));
  }

  private static int[] horizontalFixed(Image src, int y, Taps xt, int ksize, int outWidth) {
    int cn = src.channels;
    int[] row = new int[outWidth * cn];
    int base = y * src.width * cn;
    for (int dx = 0; dx < outWidth; dx++) {
      int sx = xt.offsets[dx];
      for (int c = 0; c < cn; c++) {
        int v;
        if (ksize == 2) {
          v =
              dx < xt.max
                  ? src.at(base + sx * cn + c) * xt.fixed[dx * 2]
                      + src.at(base + Math.min(sx + 1, src.width - 1) * cn + c)
                          * xt.fixed[dx * 2 + 1]
                  : src.at(base + sx * cn + c) * COEF_SCALE;
        } else {
          v = 0;
          int first = sx - (ksize / 2 - 1);
          for (int k = 0; k < ksize; k++) {
            v +=
                src.at(base + clampedPixel(first + k, src.width) * cn + c)
                    * xt.fixed[dx * ksize + k];
          }
        }
        row[dx * cn + c] = v;
      }
    }
    return row;
  }

  private static float[] horizontalFloat(Image src, int y, Taps xt, int ksize, int outWidth) {
    int cn = src.channels;
    float[] samples = src.floats;
    if (samples == null) {
      samples = new float[src.width * cn];
      for (int i = 0; i < samples.length; i++) {
        samples[i] = src.at(y * src.width * cn + i);
      }
      src = new Image(null, samples, 1, src.width, cn);
      y = 0;
    }
    float[] row = new float[outWidth * cn];
    int base = y * src.width * cn;
    for (int dx = 0; dx < outWidth; dx++) {
      int sx = xt.offsets[dx];
      for (int c = 0; c < cn; c++) {
        float v;
        if (ksize == 2) {
          v =
              dx < xt.max
                  ? src.floats[base + sx * cn + c] * xt.coefficients[dx * 2]
                      + src.floats[base + Math.min(sx + 1, src.width - 1) * cn + c]
                          * xt.coefficients[dx * 2 + 1]
                  : src.floats[base + sx * cn + c];
        } else {
          v = 0;
          int first = sx - (ksize / 2 - 1);
          for (int k = 0; k < ksize; k++) {
            v +=
                src.floats[base + clampedPixel(first + k, src.width) * cn + c]
                    * xt.coefficients[dx * ksize + k];
          }
        }
        row[dx * cn + c] = v;
      }
    }
    return row;
  }

  private static void verticalFixed(
      int[][] s, short[] beta, int at, int ksize, byte[] out, int base, int width) {
    int x = 0;
    if (ksize == 2) {
      // VResizeLinearVec_32s8u: 16-bit products of the rows shifted by 4, rounded by 2 bits
      int end = width;
      int b0 = beta[at];
      int b1 = beta[at + 1];
      for (; x < end; x++) {
        int v = addSaturate16(mulHi(pack16(s[0][x] >> 4), b0), mulHi(pack16(s[1][x] >> 4), b1));
        out[base + x] = saturate(addSaturate16(v, 2) >> 2);
      }
    } else if (ksize == 4) {
      // VResizeCubicVec_32s8u: in float, the last row first
      float scale = 1.f / (COEF_SCALE * COEF_SCALE);
      float b0 = beta[at] * scale;
      float b1 = beta[at + 1] * scale;
      float b2 = beta[at + 2] * scale;
      float b3 = beta[at + 3] * scale;
      int end = width >= LANES_16 ? width : 0;
      for (; x < end; x++) {
        float v = (float) s[3][x] * b3;
        v = (float) s[2][x] * b2 + v;
        v = (float) s[1][x] * b1 + v;
        v = (float) s[0][x] * b0 + v;
        out[base + x] = saturate(pack16((int) Math.rint(v)));
      }
    }
    for (; x < width; x++) {
      int v = 0;
      for (int k = 0; k < ksize; k++) {
        v += s[k][x] * beta[at + k];
      }
      out[base + x] = saturate((v + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS));
    }
  }

  private static int pack16(int value) {
    return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, value));
  }

  private static int addSaturate16(int a, int b) {
    return pack16(a + b);
  }

  private static int mulHi(int a, int b) {
    return (a * b) >> 16;
  }
}
