package network.hydrogen.engine.controlnet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.TorchInterpolate;

/**
 * controlnet_aux's OpenPose face estimator ({@code util.faceDetect} and {@code face.py}): a square
 * box around the nose sized by the eyes and ears, resized to 384x384 for the network, its last
 * stage's 71 heatmaps interpolated bilinearly (corners aligned, {@link
 * TorchInterpolate#bilinearAlignCorners}) back to the box, and per heatmap the first maximum of the
 * values above 0.05.
 */
final class OpenposeFace {

  /** A box: top left {@code x, y}, side {@code size} (cut at the image's edges when cropped). */
  record Box(int x, int y, int size) {}

  private static final int INPUT_SIZE = 384;
  private static final double THRESHOLD = 0.05;

  private OpenposeFace() {}

  /** {@code util.faceDetect}: null without a nose and an eye or ear, or under 20 pixels. */
  static Box box(OpenposeBody.Person person, int height, int width) {
    OpenposeBody.Candidate[] parts = person.parts();
    OpenposeBody.Candidate head = parts[0];
    if (head == null
        || (parts[14] == null && parts[15] == null && parts[16] == null && parts[17] == null)) {
      return null;
    }
    double size = 0;
    for (int part = 14; part < 18; part++) {
      OpenposeBody.Candidate p = parts[part];
      if (p != null) {
        double d = Math.max(Math.abs(head.x() - p.x()), Math.abs(head.y() - p.y()));
        size = Math.max(size, d * (part < 16 ? 3.0 : 1.5));
      }
    }
    double x = Math.max(head.x() - size, 0);
    double y = Math.max(head.y() - size, 0);
    double size1 = x + size > width ? width - x : size * 2;
    double size2 = y + size > height ? height - y : size * 2;
    size = Math.min(size1, size2);
    return size >= 20 ? new Box((int) x, (int) y, (int) size) : null;
  }

  /**
   * The face keypoints ({@code [x, y]} in crop pixels) of the BGR crop {@code height x width x 3}:
   * one per heatmap with a value above the threshold, in heatmap order.
   */
  static List<int[]> keypoints(AnnotatorNetwork network, byte[] crop, int height, int width) {
    byte[] resized = OpenposeImages.resizeTo(crop, height, width, INPUT_SIZE, INPUT_SIZE);
    Map<String, FloatTensor> outputs =
        AnnotatorTensors.outputs(
            network,
            OpenposeImages.networkInput(
                new OpenposeImages.Padded(resized, INPUT_SIZE, INPUT_SIZE)));
    FloatTensor heatmaps = outputs.get("heatmap");
    int channels = (int) heatmaps.dim(1);
    int mapHeight = (int) heatmaps.dim(2);
    int mapWidth = (int) heatmaps.dim(3);
    float[] maps =
        TorchInterpolate.bilinearAlignCorners(
            heatmaps.values(), channels, mapHeight, mapWidth, height, width);
    int plane = height * width;
    List<int[]> peaks = new ArrayList<>();
    for (int c = 0; c < channels; c++) {
      int best = -1;
      for (int i = 0; i < plane; i++) {
        float value = maps[c * plane + i];
        if (value > THRESHOLD && (best < 0 || value > maps[c * plane + best])) {
          best = i;
        }
      }
      if (best >= 0) {
        peaks.add(new int[] {best % width, best / width});
      }
    }
    return peaks;
  }
}
