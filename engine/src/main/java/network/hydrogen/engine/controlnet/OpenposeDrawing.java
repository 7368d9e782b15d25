package network.hydrogen.engine.controlnet;

import network.hydrogen.engine.image.OpenCvDraw;

/**
 * controlnet_aux's OpenPose drawing ({@code open_pose/util.py}: {@code draw_bodypose}, {@code
 * draw_handpose}, {@code draw_facepose}) on an RGB canvas ({@code height x width x 3}): limbs as
 * filled ellipses at 60% of their colour and joints as dots, hands as coloured lines and blue dots,
 * faces as white dots. Keypoints are fractions of the canvas size.
 */
final class OpenposeDrawing {

  private static final double EPS = 0.01;

  /** draw_bodypose's 18 colours (limb k and joint k share colour k). */
  static final double[][] BODY_COLOURS = {
    {255, 0, 0}, {255, 85, 0}, {255, 170, 0}, {255, 255, 0}, {170, 255, 0}, {85, 255, 0},
    {0, 255, 0}, {0, 255, 85}, {0, 255, 170}, {0, 255, 255}, {0, 170, 255}, {0, 85, 255},
    {0, 0, 255}, {85, 0, 255}, {170, 0, 255}, {255, 0, 255}, {255, 0, 170}, {255, 0, 85}
  };

  /** The hand's 20 edges (keypoint pairs). */
  static final int[][] HAND_EDGES = {
    {0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 5}, {5, 6}, {6, 7}, {7, 8}, {0, 9}, {9, 10}, {10, 11},
    {11, 12}, {0, 13}, {13, 14}, {14, 15}, {15, 16}, {0, 17}, {17, 18}, {18, 19}, {19, 20}
  };

  /**
   * The hand edges' colours: matplotlib's {@code hsv_to_rgb([i / 20, 1, 1]) * 255} as {@code
   * cv2.line} rounds them.
   */
  static final double[][] HAND_EDGE_COLOURS = {
    {255, 0, 0}, {255, 77, 0}, {255, 153, 0}, {255, 229, 0}, {204, 255, 0}, {128, 255, 0},
    {51, 255, 0}, {0, 255, 25}, {0, 255, 102}, {0, 255, 179}, {0, 255, 255}, {0, 178, 255},
    {0, 102, 255}, {0, 25, 255}, {51, 0, 255}, {128, 0, 255}, {204, 0, 255}, {255, 0, 230},
    {255, 0, 153}, {255, 0, 77}
  };

  private static final int STICK_WIDTH = 4;
  private static final double[] BLUE = {0, 0, 255};
  private static final double[] WHITE = {255, 255, 255};

  private OpenposeDrawing() {}

  /** draw_bodypose: the first 17 limbs whose ends are both there, then the joints. */
  static void body(byte[] canvas, int height, int width, double[][] keypoints) {
    for (int k = 0; k < 17; k++) {
      double[] a = keypoints[OpenposeBody.LIMBS[k][0] - 1];
      double[] b = keypoints[OpenposeBody.LIMBS[k][1] - 1];
      if (a == null || b == null) {
        continue;
      }
      double[] colour = new double[3];
      for (int c = 0; c < 3; c++) {
        colour[c] = (int) (BODY_COLOURS[k][c] * 0.6);
      }
      limb(canvas, height, width, a, b, colour);
    }
    for (int k = 0; k < 18; k++) {
      double[] p = keypoints[k];
      if (p != null) {
        OpenCvDraw.circle(
            canvas,
            height,
            width,
            (int) (p[0] * width),
            (int) (p[1] * height),
            4,
            BODY_COLOURS[k],
            -1);
      }
    }
  }

  /**
   * One limb: an ellipse from {@code a} to {@code b}, {@code stickwidth} 4 across, as {@code
   * cv2.ellipse2Poly} and {@code cv2.fillConvexPoly} draw it.
   */
  static void limb(byte[] canvas, int height, int width, double[] a, double[] b, double[] colour) {
    double y0 = a[0] * width;
    double y1 = b[0] * width;
    double x0 = a[1] * height;
    double x1 = b[1] * height;
    double meanX = (x0 + x1) / 2;
    double meanY = (y0 + y1) / 2;
    double length = Math.sqrt((x0 - x1) * (x0 - x1) + (y0 - y1) * (y0 - y1));
    double angle = Math.toDegrees(StrictMath.atan2(x0 - x1, y0 - y1));
    int[] polygon =
        OpenCvDraw.ellipse2Poly(
            (int) meanY, (int) meanX, (int) (length / 2), STICK_WIDTH, (int) angle, 0, 360, 1);
    OpenCvDraw.fillConvexPoly(canvas, height, width, polygon, colour);
  }

  /** draw_handpose: the edges whose ends are both inside the canvas, then the keypoints. */
  static void hand(byte[] canvas, int height, int width, float[][] keypoints) {
    if (keypoints == null || keypoints.length == 0) {
      return;
    }
    for (int e = 0; e < HAND_EDGES.length; e++) {
      float[] k1 = keypoints[HAND_EDGES[e][0]];
      float[] k2 = keypoints[HAND_EDGES[e][1]];
      int x1 = (int) (k1[0] * width);
      int y1 = (int) (k1[1] * height);
      int x2 = (int) (k2[0] * width);
      int y2 = (int) (k2[1] * height);
      if (x1 > EPS && y1 > EPS && x2 > EPS && y2 > EPS) {
        OpenCvDraw.line(canvas, height, width, x1, y1, x2, y2, HAND_EDGE_COLOURS[e], 2);
      }
    }
    for (float[] k : keypoints) {
      int x = (int) (k[0] * width);
      int y = (int) (k[1] * height);
      if (x > EPS && y > EPS) {
        OpenCvDraw.circle(canvas, height, width, x, y, 4, BLUE, -1);
      }
    }
  }

  /** draw_facepose: white dots of radius 3. */
  static void face(byte[] canvas, int height, int width, float[][] keypoints) {
    if (keypoints == null) {
      return;
    }
    for (float[] k : keypoints) {
      int x = (int) (k[0] * width);
      int y = (int) (k[1] * height);
      if (x > EPS && y > EPS) {
        OpenCvDraw.circle(canvas, height, width, x, y, 3, WHITE, -1);
      }
    }
  }
}
