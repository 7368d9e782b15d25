package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelNotFoundException;
import network.hydrogen.task.TaskArgs;

/**
 * controlnet_aux's {@code OpenposeDetector}: people's body keypoints (and optionally hands and
 * faces) found by the CMU OpenPose networks, drawn on a black canvas of the image's size. The
 * methods: {@code openpose} (body), {@code openpose_face} (body and face), {@code
 * openpose_faceonly} (face), {@code openpose_hand} (hand), {@code openpose_full} (body, hand,
 * face); hands and faces are found from the body keypoints, so every method runs the body network.
 *
 * <p>The networks are ONNX files in the models folder's {@code annotators/} ({@code
 * tools/annotators/pose.py export} makes them from lllyasviel/Annotators' checkpoints):
 *
 * <ul>
 *   <li>{@code body_pose_model.onnx}: input {@code image} {@code [1, 3, H, W]} float32, BGR, {@code
 *       pixel / 256 - 0.5}, H and W multiples of 8; outputs {@code paf} {@code [1, 38, H/8, W/8]}
 *       and {@code heatmap} {@code [1, 19, H/8, W/8]} (the sixth stage's);
 *   <li>{@code hand_pose_model.onnx}: the same input; output {@code heatmap} {@code [1, 22, H/8,
 *       W/8]};
 *   <li>{@code facenet.onnx}: input {@code image} {@code [1, 3, 384, 384]} as above; output {@code
 *       heatmap} {@code [1, 71, 48, 48]} (the last stage only).
 * </ul>
 *
 * Everything around the networks is controlnet_aux's, in Java: {@link OpenposeBody}, {@link
 * OpenposeHand}, {@link OpenposeFace}, {@link OpenposeDrawing}.
 */
public final class OpenposeDetector implements Preprocessor {

  static final String BODY_MODEL = "body_pose_model.onnx";
  static final String HAND_MODEL = "hand_pose_model.onnx";
  static final String FACE_MODEL = "facenet.onnx";

  private final Path bodyModel;
  private final Path handModel;
  private final Path faceModel;
  private final boolean drawBody;

  /**
   * A detector that runs the body network, the hand and face networks when given (null: not
   * detected), and draws the body when {@code drawBody}.
   */
  OpenposeDetector(Path bodyModel, Path handModel, Path faceModel, boolean drawBody) {
    this.bodyModel = bodyModel;
    this.handModel = handModel;
    this.faceModel = faceModel;
    this.drawBody = drawBody;
  }

  /**
   * The detector of an {@code openpose*} method, its networks located in {@code files}.
   *
   * @throws ModelNotFoundException naming the files the method needs and the one missing
   */
  static OpenposeDetector of(TaskArgs.PreprocessMethod method, AnnotatorFiles files)
      throws IOException {
    boolean hand =
        method == TaskArgs.PreprocessMethod.OPENPOSE_HAND
            || method == TaskArgs.PreprocessMethod.OPENPOSE_FULL;
    boolean face =
        method == TaskArgs.PreprocessMethod.OPENPOSE_FACE
            || method == TaskArgs.PreprocessMethod.OPENPOSE_FACEONLY
            || method == TaskArgs.PreprocessMethod.OPENPOSE_FULL;
    boolean body =
        method == TaskArgs.PreprocessMethod.OPENPOSE
            || method == TaskArgs.PreprocessMethod.OPENPOSE_FACE
            || method == TaskArgs.PreprocessMethod.OPENPOSE_FULL;
    if (!body && !hand && !face) {
      throw new IllegalArgumentException(method.jsonName() + " is not an openpose method");
    }
    List<String> needed = new ArrayList<>(List.of(BODY_MODEL));
    if (hand) {
      needed.add(HAND_MODEL);
    }
    if (face) {
      needed.add(FACE_MODEL);
    }
    try {
      return new OpenposeDetector(
          files.locate(BODY_MODEL),
          hand ? files.locate(HAND_MODEL) : null,
          face ? files.locate(FACE_MODEL) : null,
          body);
    } catch (ModelNotFoundException e) {
      throw new ModelNotFoundException(
          "controlnet.preprocess.method "
              + method.jsonName()
              + " needs annotators/"
              + String.join(" and annotators/", needed)
              + ": "
              + e.getMessage());
    }
  }

  /**
   * A person found: body keypoints ({@code [x, y]} as fractions of the image size, null where a
   * part is missing), and the left hand's, right hand's and face's keypoints (null when not
   * detected; a coordinate is negative where a hand keypoint was not found).
   */
  record Pose(double[][] body, float[][] leftHand, float[][] rightHand, float[][] face) {}

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    List<Pose> poses = detect(input, options);
    byte[] canvas = new byte[3 * input.width() * input.height()];
    for (Pose pose : poses) {
      if (drawBody) {
        OpenposeDrawing.body(canvas, input.height(), input.width(), pose.body());
      }
      if (handModel != null) {
        OpenposeDrawing.hand(canvas, input.height(), input.width(), pose.leftHand());
        OpenposeDrawing.hand(canvas, input.height(), input.width(), pose.rightHand());
      }
      if (faceModel != null) {
        OpenposeDrawing.face(canvas, input.height(), input.width(), pose.face());
      }
    }
    return new ControlImage(input.width(), input.height(), canvas);
  }

  /** {@code detect_poses} on an RGB image: the people found, with hands and faces as configured. */
  List<Pose> detect(ControlImage image, InferenceOptions options) throws IOException {
    int height = image.height();
    int width = image.width();
    byte[] bgr = OpenposeImages.bgr(image.rgb());
    List<OpenposeBody.Person> people;
    try (AnnotatorNetwork body =
        AnnotatorNetwork.open("the OpenPose body network", bodyModel, options)) {
      people = OpenposeBody.detect(body, bgr, height, width);
    }
    List<float[][][]> hands = new ArrayList<>();
    if (handModel != null) {
      try (AnnotatorNetwork hand =
          AnnotatorNetwork.open("the OpenPose hand network", handModel, options)) {
        for (OpenposeBody.Person person : people) {
          float[][][] found = new float[2][][];
          for (OpenposeHand.Box box : OpenposeHand.boxes(person, height, width)) {
            byte[] crop =
                OpenposeImages.crop(bgr, height, width, box.x(), box.y(), box.size(), box.size());
            int[][] peaks = OpenposeHand.keypoints(hand, crop, box.size());
            found[box.left() ? 0 : 1] = normalised(peaks, box.x(), box.y(), height, width);
          }
          hands.add(found);
        }
      }
    }
    List<float[][]> faces = new ArrayList<>();
    if (faceModel != null) {
      try (AnnotatorNetwork face =
          AnnotatorNetwork.open("the OpenPose face network", faceModel, options)) {
        for (OpenposeBody.Person person : people) {
          OpenposeFace.Box box = OpenposeFace.box(person, height, width);
          float[][] found = null;
          if (box != null) {
            int cropWidth = Math.min(box.size(), width - box.x());
            int cropHeight = Math.min(box.size(), height - box.y());
            byte[] crop =
                OpenposeImages.crop(bgr, height, width, box.x(), box.y(), cropWidth, cropHeight);
            List<int[]> peaks = OpenposeFace.keypoints(face, crop, cropHeight, cropWidth);
            if (!peaks.isEmpty()) {
              found = normalised(peaks.toArray(int[][]::new), box.x(), box.y(), height, width);
            }
          }
          faces.add(found);
        }
      }
    }
    List<Pose> poses = new ArrayList<>();
    for (int p = 0; p < people.size(); p++) {
      OpenposeBody.Candidate[] parts = people.get(p).parts();
      double[][] body = new double[parts.length][];
      for (int i = 0; i < parts.length; i++) {
        if (parts[i] != null) {
          body[i] = new double[] {parts[i].x() / (double) width, parts[i].y() / (double) height};
        }
      }
      float[][][] hand = handModel != null ? hands.get(p) : new float[2][][];
      poses.add(new Pose(body, hand[0], hand[1], faceModel != null ? faces.get(p) : null));
    }
    return poses;
  }

  /**
   * Box keypoints as fractions of the image, in float32 as controlnet_aux computes them: {@code -1
   * / size} where a coordinate is 0 (not found).
   */
  private static float[][] normalised(int[][] peaks, int x, int y, int height, int width) {
    float[][] points = new float[peaks.length][];
    for (int i = 0; i < peaks.length; i++) {
      float px = peaks[i][0] < 1e-6 ? -1f : (float) (peaks[i][0] + x);
      float py = peaks[i][1] < 1e-6 ? -1f : (float) (peaks[i][1] + y);
      points[i] = new float[] {px / (float) width, py / (float) height};
    }
    return points;
  }
}
