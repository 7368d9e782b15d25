package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvDraw;

/**
 * controlnet_aux's {@code MediapipeFaceDetector} ({@code mediapipe_face}): MediaPipe's FaceMesh
 * (static images, refined landmarks, up to {@code max_faces} faces detected with at least {@code
 * min_confidence} percent) finds each face's 478 landmarks; faces under 64 pixels are dropped and
 * the others drawn as controlnet_aux draws them: the face oval, eyes, eyebrows and lips as
 * two-pixel {@code cv2.line}s in their colours, the two pupils as 4x4 squares.
 *
 * <p>The networks are MediaPipe's models converted to ONNX by {@code mlsd_face.py export} in {@code
 * tools/annotators/} (its own TFLite converter, {@code tflite_onnx.py}, which also rewrites the
 * landmark model's MediaPipe custom operators): {@code annotators/face_detection_short_range.onnx},
 * one input {@code (1, 128, 128, 3)} float32 NHWC RGB in [-1, 1], outputs {@code (1, 896, 16)} (box
 * and six keypoints per anchor) and {@code (1, 896, 1)} (score logits), told apart by their last
 * dimension; and {@code annotators/face_landmark_with_attention.onnx}, one input {@code (1, 192,
 * 192, 3)} in [0, 1], seven outputs in this order: the mesh (468 x 3), lips (80 x 2), left eye (71
 * x 2), right eye (71 x 2), left iris (5 x 2), right iris (5 x 2) in crop pixels, and the face flag
 * logit.
 *
 * <p>MediaPipe's graph steps around the networks are {@link FaceMesh}'s. mediapipe does not install
 * where the tests are made, so the reference is a NumPy port of those calculators; it runs at the
 * image's own padded size, as every annotator here.
 */
record MediapipeFaceDetector(int maxFaces, int minConfidence, Path detector, Path landmarker)
    implements Preprocessor {

  static final String DETECTOR_FILE = "face_detection_short_range.onnx";
  static final String LANDMARK_FILE = "face_landmark_with_attention.onnx";

  private static final int MIN_FACE_SIZE_PIXELS = 64;
  private static final int[] CONNECTIONS = connections();
  private static final int[] PUPILS = {468, 473};
  private static final byte[][] PUPIL_COLORS = {rgb(250, 200, 10), rgb(10, 200, 250)};

  MediapipeFaceDetector {
    if (maxFaces < 1) {
      throw new IllegalArgumentException("max_faces must be >= 1, was " + maxFaces);
    }
    if (minConfidence < 0 || minConfidence > 100) {
      throw new IllegalArgumentException("min_confidence must be a percent, was " + minConfidence);
    }
  }

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    List<float[]> faces = faces(input, options);
    int width = input.width();
    int height = input.height();
    byte[] map = new byte[3 * width * height];
    for (float[] face : faces) {
      if (size(face, width, height) >= MIN_FACE_SIZE_PIXELS) {
        draw(map, width, height, face);
      }
    }
    return new ControlImage(width, height, map);
  }

  /** FaceMesh's landmarks (x, y normalized, interleaved) of each face found in {@code image}. */
  List<float[]> faces(ControlImage image, InferenceOptions options) throws IOException {
    int width = image.width();
    int height = image.height();
    FaceMesh.Rect letterbox = FaceMesh.letterbox(width, height);
    List<FaceMesh.Detection> detections;
    try (AnnotatorNetwork network =
        AnnotatorNetwork.open("the MediaPipe face detector", detector, options)) {
      FloatTensor input = FaceMesh.crop(image, letterbox, FaceMesh.DETECTOR_SIZE, false, -1f, 1f);
      float[] boxes = null;
      float[] scores = null;
      for (FloatTensor output : AnnotatorTensors.outputs(network, input).values()) {
        if (output.dim(output.rank() - 1) == 16) {
          boxes = output.values();
        } else {
          scores = output.values();
        }
      }
      if (boxes == null || scores == null) {
        throw new IllegalArgumentException(
            "the MediaPipe face detector " + detector + " has no (1, 896, 16) box output");
      }
      detections =
          FaceMesh.weightedNms(FaceMesh.decode(boxes, scores, (float) (minConfidence / 100.0)));
    }
    List<FaceMesh.Rect> rois = new ArrayList<>();
    for (FaceMesh.Detection d : detections.subList(0, Math.min(maxFaces, detections.size()))) {
      rois.add(
          FaceMesh.regionOfInterest(
              FaceMesh.unletterbox(d, letterbox, width, height), width, height));
    }
    List<float[]> faces = new ArrayList<>();
    if (rois.isEmpty()) {
      return faces;
    }
    try (AnnotatorNetwork network =
        AnnotatorNetwork.open("the MediaPipe face landmark model", landmarker, options)) {
      for (FaceMesh.Rect roi : FaceMesh.associate(rois)) {
        FaceMesh.Rect pixels =
            new FaceMesh.Rect(
                roi.xCenter() * width,
                roi.yCenter() * height,
                roi.width() * width,
                roi.height() * height,
                roi.rotation());
        FloatTensor crop = FaceMesh.crop(image, pixels, FaceMesh.LANDMARK_SIZE, true, 0f, 1f);
        List<float[]> outputs = new ArrayList<>();
        AnnotatorTensors.outputs(network, crop)
            .values()
            .forEach(tensor -> outputs.add(tensor.values()));
        float[] landmarks = FaceMesh.landmarks(outputs, roi);
        if (landmarks != null) {
          faces.add(landmarks);
        }
      }
    }
    return faces;
  }

  /** The smaller side, in pixels, of the box around a face's landmarks. */
  private static double size(float[] face, int width, int height) {
    double xmin = face[0];
    double xmax = face[0];
    double ymin = face[1];
    double ymax = face[1];
    for (int i = 0; i < face.length; i += 2) {
      xmin = Math.min(xmin, face[i]);
      xmax = Math.max(xmax, face[i]);
      ymin = Math.min(ymin, face[i + 1]);
      ymax = Math.max(ymax, face[i + 1]);
    }
    return Math.min(Math.abs(xmax - xmin) * width, Math.abs(ymax - ymin) * height);
  }

  /**
   * mediapipe's {@code draw_landmarks} for controlnet_aux's contours (landmarks inside the image,
   * at the floor of their pixel position) and controlnet_aux's {@code draw_pupils}.
   */
  private static void draw(byte[] map, int width, int height, float[] face) {
    int[] px = new int[FaceMesh.LANDMARKS];
    int[] py = new int[FaceMesh.LANDMARKS];
    boolean[] shown = new boolean[FaceMesh.LANDMARKS];
    for (int i = 0; i < FaceMesh.LANDMARKS; i++) {
      double x = face[2 * i];
      double y = face[2 * i + 1];
      shown[i] = x >= 0 && x <= 1 && y >= 0 && y <= 1;
      px[i] = (int) Math.min(Math.floor(x * width), width - 1);
      py[i] = (int) Math.min(Math.floor(y * height), height - 1);
    }
    for (int c = 0; c < CONNECTIONS.length; c += 5) {
      int a = CONNECTIONS[c];
      int b = CONNECTIONS[c + 1];
      if (shown[a] && shown[b]) {
        double[] color = {CONNECTIONS[c + 2], CONNECTIONS[c + 3], CONNECTIONS[c + 4]};
        OpenCvDraw.line(map, height, width, px[a], py[a], px[b], py[b], color, 2);
      }
    }
    for (int p = 0; p < PUPILS.length; p++) {
      double x = face[2 * PUPILS[p]];
      double y = face[2 * PUPILS[p] + 1];
      if (x >= 1.0 || x < 0 || y >= 1.0 || y < 0) {
        continue;
      }
      int cx = (int) (width * x);
      int cy = (int) (height * y);
      // numpy's image[cy-2:cy+2, cx-2:cx+2]: a negative start wraps around, leaving nothing
      if (cx < 2 || cy < 2) {
        continue;
      }
      for (int y1 = cy - 2; y1 < Math.min(cy + 2, height); y1++) {
        for (int x1 = cx - 2; x1 < Math.min(cx + 2, width); x1++) {
          System.arraycopy(PUPIL_COLORS[p], 0, map, 3 * (y1 * width + x1), 3);
        }
      }
    }
  }

  private static byte[] rgb(int r, int g, int b) {
    return new byte[] {(byte) r, (byte) g, (byte) b};
  }

  /**
   * controlnet_aux's contour edges in its drawing order, as start, end, R, G, B (from {@code
   * mediapipe_face_connections.txt}, written by {@code tools/annotators/mlsd_face.py}).
   */
  private static int[] connections() {
    try (InputStream in =
        MediapipeFaceDetector.class.getResourceAsStream("mediapipe_face_connections.txt")) {
      if (in == null) {
        throw new IllegalStateException("mediapipe_face_connections.txt is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.startsWith("#") && !line.isBlank())
          .flatMap(line -> Arrays.stream(line.trim().split(" ")))
          .mapToInt(Integer::parseInt)
          .toArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
