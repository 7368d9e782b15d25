package network.hydrogen.engine.controlnet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.NumpySum;
import network.hydrogen.engine.image.OpenCvFilter;
import network.hydrogen.engine.image.ScipyGaussianFilter;

/**
 * controlnet_aux's OpenPose hand estimator ({@code util.handDetect} and {@code hand.py}): a square
 * box beyond each wrist from the arm's keypoints, the box blurred (sigma 0.8) and run at four
 * scales of a 368 box, the heatmaps averaged at 128x128, and per keypoint the maximum of the
 * largest blob above 0.05 (by its sum) of the SciPy-blurred heatmap.
 */
final class OpenposeHand {

  /** A square box ({@code x, y} top left, side {@code size}) and which hand it holds. */
  record Box(int x, int y, int size, boolean left) {}

  private static final double[] SCALES = {0.5, 1.0, 1.5, 2.0};
  private static final int BOX_SIZE = 368;
  private static final int STRIDE = 8;
  private static final int MAP_SIZE = 128;
  private static final double THRESHOLD = 0.05;

  private OpenposeHand() {}

  /** {@code util.handDetect}: the left hand's box first, then the right's; at least 20 pixels. */
  static List<Box> boxes(OpenposeBody.Person person, int height, int width) {
    OpenposeBody.Candidate[] parts = person.parts();
    List<Box> boxes = new ArrayList<>();
    for (boolean left : new boolean[] {true, false}) {
      OpenposeBody.Candidate shoulder = parts[left ? 5 : 2];
      OpenposeBody.Candidate elbow = parts[left ? 6 : 3];
      OpenposeBody.Candidate wrist = parts[left ? 7 : 4];
      if (shoulder == null || elbow == null || wrist == null) {
        continue;
      }
      double x = wrist.x() + 0.33 * (wrist.x() - elbow.x());
      double y = wrist.y() + 0.33 * (wrist.y() - elbow.y());
      double wristElbow = distance(wrist, elbow);
      double elbowShoulder = distance(elbow, shoulder);
      double size = 1.5 * Math.max(wristElbow, 0.9 * elbowShoulder);
      x -= size / 2;
      y -= size / 2;
      x = Math.max(x, 0);
      y = Math.max(y, 0);
      double size1 = x + size > width ? width - x : size;
      double size2 = y + size > height ? height - y : size;
      size = Math.min(size1, size2);
      if (size >= 20) {
        boxes.add(new Box((int) x, (int) y, (int) size, left));
      }
    }
    return boxes;
  }

  private static double distance(OpenposeBody.Candidate a, OpenposeBody.Candidate b) {
    double dx = a.x() - b.x();
    double dy = a.y() - b.y();
    return Math.sqrt(dx * dx + dy * dy);
  }

  /**
   * The 21 keypoints ({@code [x, y]} in box pixels; {@code [0, 0]} where nothing is above the
   * threshold) of the hand in {@code box} ({@code size x size x 3}, BGR).
   */
  static int[][] keypoints(AnnotatorNetwork network, byte[] box, int size) {
    byte[] blurred = OpenCvFilter.gaussianBlur(box, size, size, 3, 0, 0, 0.8, 0);
    double[][] average = new double[22][MAP_SIZE * MAP_SIZE];
    for (double scale : SCALES) {
      int side = (int) (scale * BOX_SIZE);
      byte[] resized = OpenposeImages.resizeTo(blurred, size, size, side, side);
      OpenposeImages.Padded padded = OpenposeImages.padRightDown(resized, side, side, STRIDE);
      Map<String, FloatTensor> outputs =
          AnnotatorTensors.outputs(network, OpenposeImages.networkInput(padded));
      double[][] maps =
          OpenposeImages.mapsBack(outputs.get("heatmap"), side, side, MAP_SIZE, MAP_SIZE);
      for (int c = 0; c < 22; c++) {
        for (int i = 0; i < MAP_SIZE * MAP_SIZE; i++) {
          average[c][i] += maps[c][i] / SCALES.length;
        }
      }
    }
    int[][] peaks = new int[21][];
    for (int part = 0; part < 21; part++) {
      peaks[part] = peak(average[part], size);
    }
    return peaks;
  }

  /** One part: the largest blob of the blurred map above 0.05, its maximum in box pixels. */
  private static int[] peak(double[] map, int size) {
    double[] blurred = ScipyGaussianFilter.filter(map, MAP_SIZE, MAP_SIZE, 3);
    boolean[] above = new boolean[map.length];
    boolean any = false;
    for (int i = 0; i < map.length; i++) {
      above[i] = blurred[i] > THRESHOLD;
      any |= above[i];
    }
    if (!any) {
      return new int[] {0, 0};
    }
    int[] labels = new int[map.length];
    int count = label(above, labels);
    int best = 0;
    double bestSum = Double.NEGATIVE_INFINITY;
    for (int l = 1; l <= count; l++) {
      double[] values = new double[map.length];
      int n = 0;
      for (int i = 0; i < map.length; i++) {
        if (labels[i] == l) {
          values[n++] = map[i];
        }
      }
      double sum = NumpySum.pairwise(values, 0, n);
      if (sum > bestSum) {
        bestSum = sum;
        best = l;
      }
    }
    int argmax = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < map.length; i++) {
      double v = labels[i] == best ? map[i] : 0;
      if (v > max) {
        max = v;
        argmax = i;
      }
    }
    int y = (int) ((double) (argmax / MAP_SIZE) * size / MAP_SIZE);
    int x = (int) ((double) (argmax % MAP_SIZE) * size / MAP_SIZE);
    return new int[] {x, y};
  }

  /**
   * skimage's {@code label(binary, connectivity=2)}: 8-connected blobs numbered from 1 in the order
   * of their first pixel in row-major order.
   */
  private static int label(boolean[] above, int[] labels) {
    int count = 0;
    int[] stack = new int[above.length];
    for (int start = 0; start < above.length; start++) {
      if (!above[start] || labels[start] != 0) {
        continue;
      }
      labels[start] = ++count;
      int top = 0;
      stack[top++] = start;
      while (top > 0) {
        int i = stack[--top];
        int y = i / MAP_SIZE;
        int x = i % MAP_SIZE;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int ny = y + dy;
            int nx = x + dx;
            if (ny < 0 || ny >= MAP_SIZE || nx < 0 || nx >= MAP_SIZE) {
              continue;
            }
            int j = ny * MAP_SIZE + nx;
            if (above[j] && labels[j] == 0) {
              labels[j] = count;
              stack[top++] = j;
            }
          }
        }
      }
    }
    return count;
  }
}
