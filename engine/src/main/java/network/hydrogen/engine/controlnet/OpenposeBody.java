package network.hydrogen.engine.controlnet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.ScipyGaussianFilter;

/**
 * controlnet_aux's OpenPose body estimator ({@code open_pose/body.py}, {@code Body.__call__} and
 * {@code format_body_result}): one scale (0.5 of a 368 box against the image height), the network
 * on the image resized and padded to multiples of 8 with 128, its heatmaps and part affinity fields
 * resized back per channel, peaks of the SciPy-blurred heatmaps, limbs scored by the PAF line
 * integral, and limbs assembled into people.
 */
final class OpenposeBody {

  /** A body part found: pixel position, heatmap value, and its index among all candidates. */
  record Candidate(int x, int y, double score, int id) {}

  /**
   * A person: the candidate of each of the 18 parts (null when missing), the total score and part
   * count of the assembly.
   */
  record Person(Candidate[] parts, double totalScore, double totalParts) {}

  private static final double BOX_SIZE = 368;
  private static final int STRIDE = 8;
  private static final double PEAK_THRESHOLD = 0.1;
  private static final double PAF_THRESHOLD = 0.05;
  private static final int MID_POINTS = 10;

  /** Limbs as 1-based part pairs, and their PAF channel pairs (offset by 19), as body.py has. */
  static final int[][] LIMBS = {
    {2, 3}, {2, 6}, {3, 4}, {4, 5}, {6, 7}, {7, 8}, {2, 9}, {9, 10}, {10, 11}, {2, 12}, {12, 13},
    {13, 14}, {2, 1}, {1, 15}, {15, 17}, {1, 16}, {16, 18}, {3, 17}, {6, 18}
  };

  private static final int[][] PAF_CHANNELS = {
    {31, 32}, {39, 40}, {33, 34}, {35, 36}, {41, 42}, {43, 44}, {19, 20}, {21, 22}, {23, 24},
    {25, 26}, {27, 28}, {29, 30}, {47, 48}, {49, 50}, {53, 54}, {51, 52}, {55, 56}, {37, 38},
    {45, 46}
  };

  private OpenposeBody() {}

  /** The people in {@code bgr} ({@code height x width x 3}, BGR as the estimator receives it). */
  static List<Person> detect(AnnotatorNetwork network, byte[] bgr, int height, int width) {
    double scale = 0.5 * BOX_SIZE / height;
    byte[] resized = OpenposeImages.resizeBy(bgr, height, width, scale);
    int testHeight = (int) (height * scale);
    int testWidth = (int) (width * scale);
    OpenposeImages.Padded padded =
        OpenposeImages.padRightDown(resized, testHeight, testWidth, STRIDE);
    Map<String, FloatTensor> outputs =
        AnnotatorTensors.outputs(network, OpenposeImages.networkInput(padded));
    double[][] heatmaps =
        OpenposeImages.mapsBack(outputs.get("heatmap"), testHeight, testWidth, height, width);
    double[][] pafs =
        OpenposeImages.mapsBack(outputs.get("paf"), testHeight, testWidth, height, width);
    List<List<Candidate>> peaks = peaks(heatmaps, height, width);
    return assemble(peaks, connections(peaks, pafs, height, width));
  }

  /** Local maxima above 0.1 of each blurred part heatmap, in row-major order, numbered in turn. */
  static List<List<Candidate>> peaks(double[][] heatmaps, int height, int width) {
    List<List<Candidate>> peaks = new ArrayList<>();
    int counter = 0;
    for (int part = 0; part < 18; part++) {
      double[] original = heatmaps[part];
      double[] blurred = ScipyGaussianFilter.filter(original, height, width, 3);
      List<Candidate> found = new ArrayList<>();
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = y * width + x;
          double v = blurred[i];
          if (v > PEAK_THRESHOLD
              && v >= (y > 0 ? blurred[i - width] : 0)
              && v >= (y < height - 1 ? blurred[i + width] : 0)
              && v >= (x > 0 ? blurred[i - 1] : 0)
              && v >= (x < width - 1 ? blurred[i + 1] : 0)) {
            found.add(new Candidate(x, y, original[i], counter++));
          }
        }
      }
      peaks.add(found);
    }
    return peaks;
  }

  /** A limb between candidate {@code a} and {@code b}, as (a's id, b's id, score, i, j). */
  private record Connection(int idA, int idB, double score, int i, int j) {}

  private record Scored(int i, int j, double score) {}

  /** Per limb, the connections the PAF supports (null where a part has no candidates). */
  private static List<List<Connection>> connections(
      List<List<Candidate>> peaks, double[][] pafs, int height, int width) {
    List<List<Connection>> all = new ArrayList<>();
    for (int k = 0; k < LIMBS.length; k++) {
      double[] pafX = pafs[PAF_CHANNELS[k][0] - 19];
      double[] pafY = pafs[PAF_CHANNELS[k][1] - 19];
      List<Candidate> candA = peaks.get(LIMBS[k][0] - 1);
      List<Candidate> candB = peaks.get(LIMBS[k][1] - 1);
      if (candA.isEmpty() || candB.isEmpty()) {
        all.add(null);
        continue;
      }
      List<Scored> scored = new ArrayList<>();
      for (int i = 0; i < candA.size(); i++) {
        for (int j = 0; j < candB.size(); j++) {
          Candidate a = candA.get(i);
          Candidate b = candB.get(j);
          double vx = b.x() - a.x();
          double vy = b.y() - a.y();
          double norm = Math.max(0.001, Math.sqrt(vx * vx + vy * vy));
          vx /= norm;
          vy /= norm;
          double[] xs = linspace(a.x(), b.x());
          double[] ys = linspace(a.y(), b.y());
          double[] midScores = new double[MID_POINTS];
          int above = 0;
          for (int s = 0; s < MID_POINTS; s++) {
            int index = (int) Math.rint(ys[s]) * width + (int) Math.rint(xs[s]);
            midScores[s] = pafX[index] * vx + pafY[index] * vy;
            if (midScores[s] > PAF_THRESHOLD) {
              above++;
            }
          }
          double score = pythonSum(midScores) / MID_POINTS + Math.min(0.5 * height / norm - 1, 0);
          if (above > 0.8 * MID_POINTS && score > 0) {
            scored.add(new Scored(i, j, score));
          }
        }
      }
      scored.sort((p, q) -> Double.compare(q.score(), p.score()));
      List<Connection> connection = new ArrayList<>();
      for (Scored s : scored) {
        boolean usedA = connection.stream().anyMatch(c -> c.i() == s.i());
        boolean usedB = connection.stream().anyMatch(c -> c.j() == s.j());
        if (!usedA && !usedB) {
          connection.add(
              new Connection(
                  candA.get(s.i()).id(), candB.get(s.j()).id(), s.score(), s.i(), s.j()));
          if (connection.size() >= Math.min(candA.size(), candB.size())) {
            break;
          }
        }
      }
      all.add(connection);
    }
    return all;
  }

  /** {@code np.linspace(start, stop, num=10)}. */
  private static double[] linspace(double start, double stop) {
    double[] values = new double[MID_POINTS];
    double step = (stop - start) / (MID_POINTS - 1);
    for (int i = 0; i < MID_POINTS; i++) {
      values[i] = start + i * step;
    }
    values[MID_POINTS - 1] = stop;
    return values;
  }

  /** Python's built-in {@code sum} over an array: left to right from 0. */
  private static double pythonSum(double[] values) {
    double sum = 0;
    for (double value : values) {
      sum += value;
    }
    return sum;
  }

  /** body.py's subset assembly: rows of 18 candidate ids, then total score and part count. */
  private static List<Person> assemble(
      List<List<Candidate>> peaks, List<List<Connection>> connections) {
    List<Candidate> candidates = peaks.stream().flatMap(List::stream).toList();
    List<double[]> subset = new ArrayList<>();
    for (int k = 0; k < LIMBS.length; k++) {
      List<Connection> limb = connections.get(k);
      if (limb == null) {
        continue;
      }
      int indexA = LIMBS[k][0] - 1;
      int indexB = LIMBS[k][1] - 1;
      for (Connection c : limb) {
        int found = 0;
        int[] subsetIdx = {-1, -1};
        for (int j = 0; j < subset.size(); j++) {
          if (subset.get(j)[indexA] == c.idA() || subset.get(j)[indexB] == c.idB()) {
            subsetIdx[found] = j;
            found++;
          }
        }
        if (found == 1) {
          double[] row = subset.get(subsetIdx[0]);
          if (row[indexB] != c.idB()) {
            row[indexB] = c.idB();
            row[19] += 1;
            row[18] += candidates.get(c.idB()).score() + c.score();
          }
        } else if (found == 2) {
          double[] row1 = subset.get(subsetIdx[0]);
          double[] row2 = subset.get(subsetIdx[1]);
          boolean disjoint = true;
          for (int p = 0; p < 18; p++) {
            if (row1[p] >= 0 && row2[p] >= 0) {
              disjoint = false;
            }
          }
          if (disjoint) {
            for (int p = 0; p < 18; p++) {
              row1[p] += row2[p] + 1;
            }
            row1[18] += row2[18];
            row1[19] += row2[19];
            row1[18] += c.score();
            subset.remove(subsetIdx[1]);
          } else {
            row1[indexB] = c.idB();
            row1[19] += 1;
            row1[18] += candidates.get(c.idB()).score() + c.score();
          }
        } else if (found == 0 && k < 17) {
          double[] row = new double[20];
          Arrays.fill(row, -1);
          row[indexA] = c.idA();
          row[indexB] = c.idB();
          row[19] = 2;
          row[18] = candidates.get(c.idA()).score() + candidates.get(c.idB()).score() + c.score();
          subset.add(row);
        }
      }
    }
    List<Person> people = new ArrayList<>();
    for (double[] row : subset) {
      if (row[19] < 4 || row[18] / row[19] < 0.4) {
        continue;
      }
      Candidate[] parts = new Candidate[18];
      for (int p = 0; p < 18; p++) {
        int index = (int) row[p];
        parts[p] = index == -1 ? null : candidates.get(index);
      }
      people.add(new Person(parts, row[18], row[19]));
    }
    return people;
  }
}
