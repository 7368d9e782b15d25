package network.hydrogen.engine.controlnet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.OpenCvResize;
import network.hydrogen.engine.image.OpenCvWarp;

/**
 * DWPose's whole-body estimation as its ControlNet annotator runs the two ONNX networks ({@code
 * onnxdet.py}, {@code onnxpose.py}, {@code wholebody.py}): YOLOX on the image letterboxed into
 * 640x640 (padding 114), its grid decoded, people above 0.3 after class-wise NMS (0.45); for each
 * person (or the whole image when none) the box grown 1.25 times to 3:4, cut out by {@code
 * warpAffine} to 288x384 and normalised; RTMPose's SimCC vectors decoded by their maxima; the neck
 * added and the keypoints put in OpenPose's order.
 */
final class DwposeWholebody {

  /** Keypoints {@code [person][134][x, y]} in image pixels and their scores. */
  record People(double[][][] keypoints, double[][] scores) {}

  private static final int DETECT_SIZE = 640;
  private static final int[] STRIDES = {8, 16, 32};
  private static final int POSE_WIDTH = 288;
  private static final int POSE_HEIGHT = 384;
  private static final double[] MEAN = {123.675, 116.28, 103.53};
  private static final double[] STD = {58.395, 57.12, 57.375};
  private static final int[] MMPOSE_INDEX = {17, 6, 8, 10, 7, 9, 12, 14, 16, 13, 15, 2, 1, 4, 3};
  private static final int[] OPENPOSE_INDEX = {1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17};

  private DwposeWholebody() {}

  /** The people in {@code bgr} ({@code height x width x 3}). */
  static People detect(
      AnnotatorNetwork detector, AnnotatorNetwork pose, byte[] bgr, int height, int width) {
    List<double[]> boxes = boxes(detector, bgr, height, width);
    if (boxes.isEmpty()) {
      boxes = List.of(new double[] {0, 0, width, height});
    }
    double[][][] keypoints = new double[boxes.size()][][];
    double[][] scores = new double[boxes.size()][];
    for (int p = 0; p < boxes.size(); p++) {
      double[][] info = keypoints(pose, bgr, height, width, boxes.get(p));
      double[][] reordered = openposeOrder(info);
      keypoints[p] = new double[reordered.length][];
      scores[p] = new double[reordered.length];
      for (int k = 0; k < reordered.length; k++) {
        keypoints[p][k] = new double[] {reordered[k][0], reordered[k][1]};
        scores[p][k] = reordered[k][2];
      }
    }
    return new People(keypoints, scores);
  }

  /** {@code inference_detector}: the person boxes (x0, y0, x1, y1), best first. */
  static List<double[]> boxes(AnnotatorNetwork detector, byte[] bgr, int height, int width) {
    double ratio = Math.min((double) DETECT_SIZE / height, (double) DETECT_SIZE / width);
    int resizedHeight = (int) (height * ratio);
    int resizedWidth = (int) (width * ratio);
    byte[] resized =
        OpenCvResize.resize(
            bgr, height, width, 3, resizedHeight, resizedWidth, OpenCvResize.Interpolation.LINEAR);
    int plane = DETECT_SIZE * DETECT_SIZE;
    float[] input = new float[3 * plane];
    Arrays.fill(input, 114f);
    for (int y = 0; y < resizedHeight; y++) {
      for (int x = 0; x < resizedWidth; x++) {
        for (int c = 0; c < 3; c++) {
          input[c * plane + y * DETECT_SIZE + x] = resized[3 * (y * resizedWidth + x) + c] & 0xff;
        }
      }
    }
    FloatTensor output =
        AnnotatorTensors.outputs(
                detector, new FloatTensor(new long[] {1, 3, DETECT_SIZE, DETECT_SIZE}, input))
            .values()
            .iterator()
            .next();
    float[] values = output.values();
    int fields = (int) output.dim(2);
    List<float[]> candidates = new ArrayList<>();
    int anchor = 0;
    float ratioF = (float) ratio;
    for (int stride : STRIDES) {
      int rows = DETECT_SIZE / stride;
      int columns = DETECT_SIZE / stride;
      for (int gy = 0; gy < rows; gy++) {
        for (int gx = 0; gx < columns; gx++, anchor++) {
          int o = anchor * fields;
          float score = values[o + 4] * values[o + 5];
          if (!(score > 0.1f)) {
            continue;
          }
          float cx = (float) (((double) values[o] + gx) * stride);
          float cy = (float) (((double) values[o + 1] + gy) * stride);
          float w = (float) ((double) (float) Math.exp(values[o + 2]) * stride);
          float h = (float) ((double) (float) Math.exp(values[o + 3]) * stride);
          candidates.add(
              new float[] {
                (cx - w / 2f) / ratioF,
                (cy - h / 2f) / ratioF,
                (cx + w / 2f) / ratioF,
                (cy + h / 2f) / ratioF,
                score,
                candidates.size()
              });
        }
      }
    }
    List<double[]> kept = new ArrayList<>();
    for (float[] box : nms(candidates, 0.45f)) {
      if (box[4] > 0.3) {
        kept.add(new double[] {box[0], box[1], box[2], box[3]});
      }
    }
    return kept;
  }

  /** onnxdet's {@code nms}: boxes by falling score, dropping those overlapping a kept one. */
  private static List<float[]> nms(List<float[]> boxes, float threshold) {
    List<float[]> order = new ArrayList<>(boxes);
    // numpy's argsort()[::-1]: falling score, equal scores by falling index
    order.sort((a, b) -> a[4] != b[4] ? Float.compare(b[4], a[4]) : Float.compare(b[5], a[5]));
    List<float[]> keep = new ArrayList<>();
    while (!order.isEmpty()) {
      float[] best = order.get(0);
      keep.add(best);
      float area = (best[2] - best[0] + 1) * (best[3] - best[1] + 1);
      List<float[]> rest = new ArrayList<>();
      for (float[] other : order.subList(1, order.size())) {
        float xx1 = Math.max(best[0], other[0]);
        float yy1 = Math.max(best[1], other[1]);
        float xx2 = Math.min(best[2], other[2]);
        float yy2 = Math.min(best[3], other[3]);
        float w = Math.max(0f, xx2 - xx1 + 1);
        float h = Math.max(0f, yy2 - yy1 + 1);
        float inter = w * h;
        float otherArea = (other[2] - other[0] + 1) * (other[3] - other[1] + 1);
        float overlap = inter / (area + otherArea - inter);
        if (overlap <= threshold) {
          rest.add(other);
        }
      }
      order = rest;
    }
    return keep;
  }

  /** {@code inference_pose} for one box: 133 rows of (x, y, score) in image pixels. */
  private static double[][] keypoints(
      AnnotatorNetwork pose, byte[] bgr, int height, int width, double[] box) {
    double centerX = (box[0] + box[2]) * 0.5;
    double centerY = (box[1] + box[3]) * 0.5;
    double scaleW = (box[2] - box[0]) * 1.25;
    double scaleH = (box[3] - box[1]) * 1.25;
    double aspect = (double) POSE_WIDTH / POSE_HEIGHT;
    if (scaleW > scaleH * aspect) {
      scaleH = scaleW / aspect;
    } else {
      scaleW = scaleH * aspect;
    }
    float[] src = new float[6];
    src[0] = (float) centerX;
    src[1] = (float) centerY;
    src[2] = (float) (centerX + 0.0);
    src[3] = (float) (centerY + scaleW * -0.5);
    float dirX = src[0] - src[2];
    float dirY = src[1] - src[3];
    src[4] = src[2] - dirY;
    src[5] = src[3] + dirX;
    float[] dst = {144, 192, 144, 48, 0, 48};
    double[] matrix = OpenCvWarp.affineTransform(src, dst);
    byte[] crop =
        OpenCvWarp.warpAffine(
            bgr, height, width, 3, matrix, POSE_HEIGHT, POSE_WIDTH, new double[] {0, 0, 0});
    FloatTensor input =
        AnnotatorTensors.planar(
            new ControlImage(POSE_WIDTH, POSE_HEIGHT, crop),
            false,
            (channel, value) -> (float) ((value - MEAN[channel]) / STD[channel]));
    Map<String, FloatTensor> outputs = AnnotatorTensors.outputs(pose, input);
    FloatTensor simccX = outputs.get(pose.outputNames().get(0));
    FloatTensor simccY = outputs.get(pose.outputNames().get(1));
    int count = (int) simccX.dim(1);
    int lengthX = (int) simccX.dim(2);
    int lengthY = (int) simccY.dim(2);
    double[][] result = new double[count][];
    for (int k = 0; k < count; k++) {
      int bestX = argmax(simccX.values(), k * lengthX, lengthX);
      int bestY = argmax(simccY.values(), k * lengthY, lengthY);
      float maxX = simccX.values()[k * lengthX + bestX];
      float maxY = simccY.values()[k * lengthY + bestY];
      float value = maxX > maxY ? maxY : maxX;
      float locX = value <= 0f ? -1f : bestX;
      float locY = value <= 0f ? -1f : bestY;
      float kx = locX / 2f;
      float ky = locY / 2f;
      result[k] =
          new double[] {
            (double) kx / POSE_WIDTH * scaleW + centerX - scaleW / 2,
            (double) ky / POSE_HEIGHT * scaleH + centerY - scaleH / 2,
            value
          };
    }
    return result;
  }

  private static int argmax(float[] values, int offset, int length) {
    int best = 0;
    for (int i = 1; i < length; i++) {
      if (values[offset + i] > values[offset + best]) {
        best = i;
      }
    }
    return best;
  }

  /** The neck (mean of the shoulders) inserted at 17, the first 18 in OpenPose's order. */
  private static double[][] openposeOrder(double[][] info) {
    double[][] withNeck = new double[info.length + 1][];
    double[] left = info[5];
    double[] right = info[6];
    double[] neck = {
      (left[0] + right[0]) / 2, (left[1] + right[1]) / 2, left[2] > 0.3 && right[2] > 0.3 ? 1 : 0
    };
    for (int k = 0; k < withNeck.length; k++) {
      withNeck[k] = k < 17 ? info[k] : k == 17 ? neck : info[k - 1];
    }
    double[][] reordered = withNeck.clone();
    for (int i = 0; i < MMPOSE_INDEX.length; i++) {
      reordered[OPENPOSE_INDEX[i]] = withNeck[MMPOSE_INDEX[i]];
    }
    return reordered;
  }
}
