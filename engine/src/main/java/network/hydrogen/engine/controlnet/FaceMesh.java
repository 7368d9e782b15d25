package network.hydrogen.engine.controlnet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.image.OpenCvPerspective;

/**
 * The steps of MediaPipe's FaceMesh solution graph ({@code static_image_mode=True,
 * refine_landmarks= True}; google/mediapipe at 9d88077,
 * modules/face_landmark/face_landmark_front_cpu.pbtxt) around its two networks, in float as the C++
 * computes them: the short-range detector's letterboxed 128x128 input, its SSD anchors and box
 * decoding, weighted non-maximum suppression, the projection out of the letterbox, each detection's
 * rotated and enlarged region of interest, the 192x192 crop of it, and the landmark model's refined
 * 478 landmarks projected back to the image. Mirrors the NumPy port in {@code
 * tools/annotators/mlsd_face.py}, which is the reference (mediapipe itself does not run here).
 */
final class FaceMesh {

  static final int DETECTOR_SIZE = 128;
  static final int LANDMARK_SIZE = 192;
  static final int LANDMARKS = 478;
  private static final int BOXES = 896;
  private static final int KEYPOINTS = 6;
  private static final float[] ANCHORS = anchors();

  /** Landmark indices each refinement tensor's points go to (the mesh's 468 map to themselves). */
  private static final int[][] REFINEMENTS = {
    IntStream.range(0, 468).toArray(),
    {
      61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78,
      95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77,
      90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89,
      179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12, 268, 271, 272, 407
    },
    {
      33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24,
      23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233,
      244, 113, 225, 224, 223, 222, 221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120,
      121, 128, 245, 156, 70, 63, 105, 66, 107, 55, 193
    },
    {
      263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339,
      254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451,
      452, 453, 464, 342, 445, 444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346,
      347, 348, 349, 350, 357, 465, 383, 300, 293, 334, 296, 336, 285, 417
    },
    {468, 469, 470, 471, 472},
    {473, 474, 475, 476, 477}
  };

  private FaceMesh() {}

  /** A face detection in normalized image coordinates: box and six keypoints (x, y). */
  record Detection(float score, float[] box, float[] keypoints) {}

  /** A rotated rectangle: centre, size and rotation (radians); normalized or in pixels. */
  record Rect(float xCenter, float yCenter, float width, float height, float rotation) {}

  /** {@code SsdAnchorsCalculator} for the short-range detector: centres (x, y), size 1. */
  private static float[] anchors() {
    int[] strides = {8, 16, 16, 16};
    float[] anchors = new float[2 * BOXES];
    int at = 0;
    int layer = 0;
    while (layer < strides.length) {
      int last = layer;
      int perCell = 0;
      while (last < strides.length && strides[last] == strides[layer]) {
        perCell += 2;
        last++;
      }
      int size = (int) Math.ceil((float) DETECTOR_SIZE / strides[layer]);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          for (int k = 0; k < perCell; k++) {
            anchors[at++] = (x + 0.5f) * 1.0f / size;
            anchors[at++] = (y + 0.5f) * 1.0f / size;
          }
        }
      }
      layer = last;
    }
    return anchors;
  }

  /** The detector's region of the image: the whole image padded to a square (keep aspect). */
  static Rect letterbox(int width, int height) {
    float w = width;
    float h = height;
    float tensorAspect = (float) DETECTOR_SIZE / DETECTOR_SIZE;
    return tensorAspect > h / w
        ? new Rect(0.5f * width, 0.5f * height, w, w * tensorAspect, 0f)
        : new Rect(0.5f * width, 0.5f * height, h / tensorAspect, h, 0f);
  }

  /**
   * The NHWC float tensor of the pixel rectangle {@code roi} warped to {@code size x size}, values
   * mapped from [0, 255] to [min, max].
   */
  static FloatTensor crop(
      ControlImage image, Rect roi, int size, boolean replicate, float min, float max) {
    float angle = (float) (roi.rotation() * 180f / Math.PI);
    float[] src =
        OpenCvPerspective.boxPoints(roi.xCenter(), roi.yCenter(), roi.width(), roi.height(), angle);
    float[] dst = {0, size, 0, 0, size, 0, size, size};
    byte[] warped =
        OpenCvPerspective.warp(
            image.rgb(),
            image.width(),
            image.height(),
            OpenCvPerspective.transform(src, dst),
            size,
            size,
            replicate);
    float scale = (max - min) / (255f - 0f);
    float offset = min - 0f * scale;
    float[] values = new float[warped.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = (warped[i] & 0xff) * scale + offset;
    }
    return new FloatTensor(new long[] {1, size, size, 3}, values);
  }

  static float sigmoid(float x) {
    return 1f / (1f + (float) Math.exp(-x));
  }

  /** {@code TensorsToDetectionsCalculator}: the detections scoring at least {@code minScore}. */
  static List<Detection> decode(float[] regressors, float[] classificators, float minScore) {
    if (regressors.length != 16 * BOXES || classificators.length != BOXES) {
      throw new IllegalArgumentException(
          "the face detector gave "
              + regressors.length
              + " box and "
              + classificators.length
              + " score values, not (896, 16) and (896, 1)");
    }
    List<Detection> detections = new ArrayList<>();
    for (int i = 0; i < BOXES; i++) {
      float logit = Math.min(Math.max(classificators[i], -100f), 100f);
      float score = sigmoid(logit);
      if (score < minScore) {
        continue;
      }
      float ax = ANCHORS[2 * i];
      float ay = ANCHORS[2 * i + 1];
      int r = 16 * i;
      float xCenter = regressors[r] / 128f * 1f + ax;
      float yCenter = regressors[r + 1] / 128f * 1f + ay;
      float w = regressors[r + 2] / 128f * 1f;
      float h = regressors[r + 3] / 128f * 1f;
      float ymin = yCenter - h / 2f;
      float xmin = xCenter - w / 2f;
      float ymax = yCenter + h / 2f;
      float xmax = xCenter + w / 2f;
      float width = xmax - xmin;
      float height = ymax - ymin;
      if (width < 0 || height < 0 || Float.isNaN(width) || Float.isNaN(height)) {
        continue;
      }
      float[] keypoints = new float[2 * KEYPOINTS];
      for (int k = 0; k < KEYPOINTS; k++) {
        keypoints[2 * k] = regressors[r + 4 + 2 * k] / 128f * 1f + ax;
        keypoints[2 * k + 1] = regressors[r + 5 + 2 * k] / 128f * 1f + ay;
      }
      detections.add(new Detection(score, new float[] {xmin, ymin, width, height}, keypoints));
    }
    return detections;
  }

  /**
   * {@code NonMaxSuppressionCalculator} (WEIGHTED, IoU above 0.3): highest score first (ties in
   * anchor order), each kept detection the score-weighted mean of those it suppresses.
   */
  static List<Detection> weightedNms(List<Detection> detections) {
    List<Detection> remaining = new ArrayList<>(detections);
    remaining.sort(Comparator.comparingDouble(d -> -d.score()));
    List<Detection> kept = new ArrayList<>();
    while (!remaining.isEmpty()) {
      Detection top = remaining.getFirst();
      List<Detection> candidates = new ArrayList<>();
      List<Detection> rest = new ArrayList<>();
      for (Detection d : remaining) {
        (iou(d.box(), top.box()) > 0.3f ? candidates : rest).add(d);
      }
      float total = 0f;
      float[] sums = new float[4];
      float[] keypoints = new float[2 * KEYPOINTS];
      for (Detection d : candidates) {
        float s = d.score();
        total += s;
        float[] b = d.box();
        sums[0] += b[0] * s;
        sums[1] += b[1] * s;
        sums[2] += (b[0] + b[2]) * s;
        sums[3] += (b[1] + b[3]) * s;
        for (int k = 0; k < keypoints.length; k++) {
          keypoints[k] += d.keypoints()[k] * s;
        }
      }
      if (candidates.isEmpty()) {
        kept.add(top);
      } else {
        float xmin = sums[0] / total;
        float ymin = sums[1] / total;
        float[] box = {xmin, ymin, sums[2] / total - xmin, sums[3] / total - ymin};
        for (int k = 0; k < keypoints.length; k++) {
          keypoints[k] /= total;
        }
        kept.add(new Detection(top.score(), box, keypoints));
      }
      if (rest.size() == remaining.size()) {
        break;
      }
      remaining = rest;
    }
    return kept;
  }

  /** IoU of two (xmin, ymin, width, height) boxes as MediaPipe's {@code Rectangle_f} gives it. */
  static float iou(float[] box1, float[] box2) {
    float ax0 = box1[0];
    float ay0 = box1[1];
    float ax1 = box1[0] + box1[2];
    float ay1 = box1[1] + box1[3];
    float bx0 = box2[0];
    float by0 = box2[1];
    float bx1 = box2[0] + box2[2];
    float by1 = box2[1] + box2[3];
    if (ax0 > ax1 || ay0 > ay1 || bx0 > bx1 || by0 > by1) {
      return 0f;
    }
    if (bx1 < ax0 || ax1 < bx0 || by1 < ay0 || ay1 < by0) {
      return 0f;
    }
    float ix0 = Math.max(ax0, bx0);
    float iy0 = Math.max(ay0, by0);
    float ix1 = Math.min(ax1, bx1);
    float iy1 = Math.min(ay1, by1);
    float intersection = ix0 > ix1 || iy0 > iy1 ? 0f : (ix1 - ix0) * (iy1 - iy0);
    float normalization = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - intersection;
    return normalization > 0f ? intersection / normalization : 0f;
  }

  /**
   * {@code DetectionProjectionCalculator} with the letterbox's matrix ({@code
   * GetRotatedSubRectToRectTransformMatrix}, rotation 0): back to image-normalized coordinates.
   */
  static Detection unletterbox(Detection d, Rect letterbox, int width, int height) {
    float a = letterbox.width();
    float b = letterbox.height();
    float c = (float) Math.cos(letterbox.rotation());
    float s = (float) Math.sin(letterbox.rotation());
    float g = 1f / width;
    float h = 1f / height;
    float m0 = a * c * g;
    float m1 = -b * s * g;
    float m3 = (-0.5f * a * c + 0.5f * b * s + letterbox.xCenter()) * g;
    float m4 = a * s * h;
    float m5 = b * c * h;
    float m7 = (-0.5f * b * c - 0.5f * a * s + letterbox.yCenter()) * h;
    float[] box = d.box();
    float[] corners = {
      box[0],
      box[1],
      box[0] + box[2],
      box[1],
      box[0] + box[2],
      box[1] + box[3],
      box[0],
      box[1] + box[3]
    };
    float x0 = Float.MAX_VALUE;
    float y0 = Float.MAX_VALUE;
    float x1 = -Float.MAX_VALUE;
    float y1 = -Float.MAX_VALUE;
    for (int i = 0; i < 8; i += 2) {
      float x = corners[i] * m0 + corners[i + 1] * m1 + m3;
      float y = corners[i] * m4 + corners[i + 1] * m5 + m7;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    float[] keypoints = new float[2 * KEYPOINTS];
    for (int k = 0; k < keypoints.length; k += 2) {
      float x = d.keypoints()[k];
      float y = d.keypoints()[k + 1];
      keypoints[k] = x * m0 + y * m1 + m3;
      keypoints[k + 1] = x * m4 + y * m5 + m7;
    }
    return new Detection(d.score(), new float[] {x0, y0, x1 - x0, y1 - y0}, keypoints);
  }

  /**
   * {@code FaceDetectionFrontDetectionToRoi}: the box's centre, rotated so that keypoint 0 to 1
   * (the eyes) is level, squared on its long side and enlarged 1.5 times.
   */
  static Rect regionOfInterest(Detection d, int width, int height) {
    float[] box = d.box();
    float xCenter = box[0] + box[2] / 2;
    float yCenter = box[1] + box[3] / 2;
    float[] k = d.keypoints();
    float x0 = k[0] * width;
    float y0 = k[1] * height;
    float x1 = k[2] * width;
    float y1 = k[3] * height;
    float atan = (float) Math.atan2(-(y1 - y0), x1 - x0);
    float rotation = normalizeRadians(0f - atan);
    float longSide = Math.max(box[2] * width, box[3] * height);
    return new Rect(xCenter, yCenter, longSide / width * 1.5f, longSide / height * 1.5f, rotation);
  }

  private static float normalizeRadians(float angle) {
    double a = angle;
    return (float) (a - 2 * Math.PI * Math.floor((a - (-Math.PI)) / (2 * Math.PI)));
  }

  /**
   * {@code AssociationNormRectCalculator} (IoU above 0.5): each region replaces the earlier ones it
   * overlaps.
   */
  static List<Rect> associate(List<Rect> rois) {
    List<Rect> result = new ArrayList<>();
    for (Rect roi : rois) {
      float[] box = unrotatedBox(roi);
      result.removeIf(other -> iou(box, unrotatedBox(other)) > 0.5f);
      result.add(roi);
    }
    return result;
  }

  private static float[] unrotatedBox(Rect r) {
    return new float[] {
      (float) (r.xCenter() - r.width() / 2.0),
      (float) (r.yCenter() - r.height() / 2.0),
      r.width(),
      r.height()
    };
  }

  /**
   * The landmark model's seven outputs (mesh, lips, left eye, right eye, left iris, right iris,
   * face flag) to 478 image-normalized landmarks (x, y interleaved), or null when the face flag's
   * sigmoid is not above 0.5.
   */
  static float[] landmarks(List<float[]> outputs, Rect roi) {
    if (outputs.size() != 7) {
      throw new IllegalArgumentException(
          "the face landmark network gave " + outputs.size() + " outputs, not 7");
    }
    double presence = sigmoid(outputs.get(6)[0]);
    if (!(presence > 0.5)) {
      return null;
    }
    float[] refined = new float[2 * LANDMARKS];
    for (int t = 0; t < REFINEMENTS.length; t++) {
      int[] mapping = REFINEMENTS[t];
      float[] values = outputs.get(t);
      if (values.length % mapping.length != 0 || values.length / mapping.length < 2) {
        throw new IllegalArgumentException(
            "face landmark output "
                + t
                + " has "
                + values.length
                + " values, not (x, y, ...) for "
                + mapping.length
                + " landmarks");
      }
      int stride = values.length / mapping.length;
      for (int i = 0; i < mapping.length; i++) {
        refined[2 * mapping[i]] = values[stride * i] / LANDMARK_SIZE;
        refined[2 * mapping[i] + 1] = values[stride * i + 1] / LANDMARK_SIZE;
      }
    }
    float cos = (float) Math.cos(roi.rotation());
    float sin = (float) Math.sin(roi.rotation());
    float[] out = new float[2 * LANDMARKS];
    for (int i = 0; i < LANDMARKS; i++) {
      float x = refined[2 * i] - 0.5f;
      float y = refined[2 * i + 1] - 0.5f;
      out[2 * i] = (cos * x - sin * y) * roi.width() + roi.xCenter();
      out[2 * i + 1] = (sin * x + cos * y) * roi.height() + roi.yCenter();
    }
    return out;
  }
}
