package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvDraw;
import network.hydrogen.engine.library.ModelNotFoundException;

/**
 * controlnet_aux's {@code DWposeDetector} ({@code dwpose}): whole-body keypoints (body, hands,
 * face) of every person, drawn as OpenPose draws them on a black canvas of the image's size.
 * controlnet_aux 0.0.10 runs DWPose through mmdet/mmpose; the networks here are the ONNX ones of
 * DWPose's ControlNet annotator (lllyasviel/Annotators, yzd-v/DWPose), run as its {@code
 * onnxdet.py}/{@code onnxpose.py} do ({@link DwposeWholebody}), in the models folder's {@code
 * annotators/}:
 *
 * <ul>
 *   <li>{@code yolox_l.onnx}: YOLOX-L, input {@code [1, 3, 640, 640]} float32 BGR 0..255
 *       (letterboxed, padding 114); output {@code [1, 8400, 85]} (x/y offsets on the stride 8, 16,
 *       32 grids, log width/height, objectness, 80 class scores; person = class 0);
 *   <li>{@code dw-ll_ucoco_384.onnx}: RTMPose-L whole body, input {@code [1, 3, 384, 288]} float32
 *       BGR normalised by mean (123.675, 116.28, 103.53) and std (58.395, 57.12, 57.375); outputs
 *       {@code simcc_x} {@code [1, 133, 576]} and {@code simcc_y} {@code [1, 133, 768]}.
 * </ul>
 */
public final class DwposeDetector implements Preprocessor {

  static final String DETECTOR_MODEL = "yolox_l.onnx";
  static final String POSE_MODEL = "dw-ll_ucoco_384.onnx";

  private final Path detectorModel;
  private final Path poseModel;

  DwposeDetector(Path detectorModel, Path poseModel) {
    this.detectorModel = detectorModel;
    this.poseModel = poseModel;
  }

  /**
   * The detector with its two networks located in {@code files}.
   *
   * @throws ModelNotFoundException naming both files and the one missing
   */
  static DwposeDetector of(AnnotatorFiles files) throws IOException {
    try {
      return new DwposeDetector(files.locate(DETECTOR_MODEL), files.locate(POSE_MODEL));
    } catch (ModelNotFoundException e) {
      throw new ModelNotFoundException(
          "controlnet.preprocess.method dwpose needs annotators/"
              + DETECTOR_MODEL
              + " and annotators/"
              + POSE_MODEL
              + ": "
              + e.getMessage());
    }
  }

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    int height = input.height();
    int width = input.width();
    byte[] bgr = OpenposeImages.bgr(input.rgb());
    DwposeWholebody.People people;
    try (AnnotatorNetwork detector =
            AnnotatorNetwork.open("the DWPose person detector", detectorModel, options);
        AnnotatorNetwork pose =
            AnnotatorNetwork.open("the DWPose whole-body network", poseModel, options)) {
      people = DwposeWholebody.detect(detector, pose, bgr, height, width);
    }
    byte[] canvas = new byte[3 * width * height];
    draw(canvas, height, width, people);
    return new ControlImage(width, height, canvas);
  }

  /**
   * DWposeDetector's {@code __call__} from the keypoints on: coordinates as fractions of the image,
   * body parts above 0.3 drawn (limbs at full colour, then the canvas at 60%, then the joints),
   * hands (every left, then every right) and faces with their points under 0.3 hidden.
   */
  static void draw(byte[] canvas, int height, int width, DwposeWholebody.People people) {
    int count = people.keypoints().length;
    double[][][] points = new double[count][][];
    for (int p = 0; p < count; p++) {
      points[p] = new double[people.keypoints()[p].length][];
      for (int k = 0; k < points[p].length; k++) {
        double[] xy = people.keypoints()[p][k];
        points[p][k] = new double[] {xy[0] / width, xy[1] / height};
      }
    }
    for (int limb = 0; limb < 17; limb++) {
      for (int p = 0; p < count; p++) {
        int a = OpenposeBody.LIMBS[limb][0] - 1;
        int b = OpenposeBody.LIMBS[limb][1] - 1;
        if (visible(people, p, a) && visible(people, p, b)) {
          OpenposeDrawing.limb(
              canvas,
              height,
              width,
              points[p][a],
              points[p][b],
              OpenposeDrawing.BODY_COLOURS[limb]);
        }
      }
    }
    for (int i = 0; i < canvas.length; i++) {
      canvas[i] = (byte) (int) ((canvas[i] & 0xff) * 0.6);
    }
    for (int k = 0; k < 18; k++) {
      for (int p = 0; p < count; p++) {
        if (visible(people, p, k)) {
          OpenCvDraw.circle(
              canvas,
              height,
              width,
              (int) (points[p][k][0] * width),
              (int) (points[p][k][1] * height),
              4,
              OpenposeDrawing.BODY_COLOURS[k],
              -1);
        }
      }
    }
    for (int side = 0; side < 2; side++) {
      for (int p = 0; p < count; p++) {
        hand(canvas, height, width, shown(people, points, p, side == 0 ? 92 : 113, 21));
      }
    }
    for (int p = 0; p < count; p++) {
      for (double[] point : shown(people, points, p, 24, 68)) {
        int x = (int) (point[0] * width);
        int y = (int) (point[1] * height);
        if (x > 0.01 && y > 0.01) {
          OpenCvDraw.circle(canvas, height, width, x, y, 3, new double[] {255, 255, 255}, -1);
        }
      }
    }
  }

  private static boolean visible(DwposeWholebody.People people, int person, int part) {
    return people.scores()[person][part] > 0.3;
  }

  /** Keypoints {@code from..from+n} of a person, (-1, -1) where the score is under 0.3. */
  private static double[][] shown(
      DwposeWholebody.People people, double[][][] points, int person, int from, int n) {
    double[][] shown = new double[n][];
    for (int i = 0; i < n; i++) {
      shown[i] =
          people.scores()[person][from + i] < 0.3
              ? new double[] {-1, -1}
              : points[person][from + i];
    }
    return shown;
  }

  /** dwpose's draw_handpose for one hand: coloured edges 2 wide, blue dots of radius 4. */
  private static void hand(byte[] canvas, int height, int width, double[][] peaks) {
    for (int e = 0; e < OpenposeDrawing.HAND_EDGES.length; e++) {
      double[] k1 = peaks[OpenposeDrawing.HAND_EDGES[e][0]];
      double[] k2 = peaks[OpenposeDrawing.HAND_EDGES[e][1]];
      int x1 = (int) (k1[0] * width);
      int y1 = (int) (k1[1] * height);
      int x2 = (int) (k2[0] * width);
      int y2 = (int) (k2[1] * height);
      if (x1 > 0.01 && y1 > 0.01 && x2 > 0.01 && y2 > 0.01) {
        OpenCvDraw.line(
            canvas, height, width, x1, y1, x2, y2, OpenposeDrawing.HAND_EDGE_COLOURS[e], 2);
      }
    }
    for (double[] k : peaks) {
      int x = (int) (k[0] * width);
      int y = (int) (k[1] * height);
      if (x > 0.01 && y > 0.01) {
        OpenCvDraw.circle(canvas, height, width, x, y, 4, new double[] {0, 0, 255}, -1);
      }
    }
  }
}
