package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvDraw;

/**
 * controlnet_aux's {@code MLSDdetector} ({@code mlsd}): M-LSD's MobileV2_MLSD_Large finds straight
 * line segments, drawn white, one pixel wide, on black.
 *
 * <p>The network is {@code annotators/mlsd_large_512_fp32.onnx} (exported by {@code
 * tools/annotators/mlsd_face.py} from lllyasviel/Annotators' {@code mlsd_large_512_fp32.pth}). Its
 * contract: one input {@code (1, 4, H, W)} float32, H and W multiples of 64, the RGB planes and a
 * plane of ones, each value {@code v / 127.5 - 1}; its first output {@code (1, C >= 5, H/2, W/2)}:
 * channel 0 the line-centre logit, channels 1 to 4 the displacements from the centre to the
 * segment's start (x, y) and end (x, y), in output pixels.
 *
 * <p>As controlnet_aux's {@code pred_lines} at the image's own resolution (so its {@code
 * INTER_AREA} resize to the network size is a copy): the sigmoid of the centre map, a 3x3 max-pool
 * non-maximum suppression, the 200 best centres, those scoring above {@code thr_v / 100} whose
 * segment is longer than {@code thr_d / 100} output pixels (the task's percent, the seed's {@code
 * FloatFractionAsInt}), scaled by 2 to image pixels, truncated to integers and drawn with {@code
 * cv2.line}. The thresholds compare in float32, as numpy 2 compares a float32 score with a Python
 * float; ties at the 200th score are broken by position (torch's {@code topk} leaves their order
 * open).
 */
record MlsdDetector(int thrV, int thrD, Path model) implements Preprocessor {

  /** The network's file in {@code annotators/}. */
  static final String FILE = "mlsd_large_512_fp32.onnx";

  private static final int TOP_K = 200;
  private static final double[] WHITE = {255, 255, 255};

  MlsdDetector {
    if (thrV < 0 || thrD < 0) {
      throw new IllegalArgumentException(
          "mlsd thresholds must be >= 0, were thr_v " + thrV + " and thr_d " + thrD);
    }
  }

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    FloatTensor output =
        AnnotatorTensors.run("the M-LSD annotator", model, networkInput(input), null, options);
    byte[] map = new byte[3 * input.width() * input.height()];
    for (int[] line : lines(output)) {
      OpenCvDraw.line(
          map, input.height(), input.width(), line[0], line[1], line[2], line[3], WHITE, 1);
    }
    return new ControlImage(input.width(), input.height(), map);
  }

  /**
   * {@code pred_lines}' network input for an image whose sides are multiples of 64: the RGB planes
   * and a plane of ones, {@code v / 127.5 - 1}.
   */
  static FloatTensor networkInput(ControlImage image) {
    int plane = image.width() * image.height();
    float[] values =
        Arrays.copyOf(AnnotatorTensors.planar(image, false, 127.5f, 1f).values(), 4 * plane);
    Arrays.fill(values, 3 * plane, 4 * plane, 1f / 127.5f - 1f);
    return new FloatTensor(new long[] {1, 4, image.height(), image.width()}, values);
  }

  /**
   * The segments {@code (x_start, y_start, x_end, y_end)} in image pixels that pass the thresholds:
   * controlnet_aux's {@code deccode_output_score_and_ptss} and the filter of {@code pred_lines}.
   */
  List<int[]> lines(FloatTensor output) {
    if (output.rank() != 4 || output.dim(0) != 1 || output.dim(1) < 5) {
      throw new IllegalArgumentException(
          "the M-LSD network gave " + output + ", not (1, >= 5, H/2, W/2)");
    }
    int height = (int) output.dim(2);
    int width = (int) output.dim(3);
    int plane = height * width;
    float[] values = output.values();
    float[] heat = new float[plane];
    for (int i = 0; i < plane; i++) {
      heat[i] = 1f / (1f + (float) Math.exp(-values[i]));
    }
    float[] kept = suppressNonMaxima(heat, width, height);
    float scoreThreshold = (float) (thrV / 100.0);
    float distanceThreshold = (float) (thrD / 100.0);
    List<int[]> lines = new ArrayList<>();
    for (int index : topK(kept, TOP_K)) {
      float xStart = values[plane + index];
      float yStart = values[2 * plane + index];
      float xEnd = values[3 * plane + index];
      float yEnd = values[4 * plane + index];
      float dx = xStart - xEnd;
      float dy = yStart - yEnd;
      float distance = (float) Math.sqrt(dx * dx + dy * dy);
      if (kept[index] > scoreThreshold && distance > distanceThreshold) {
        int x = index % width;
        int y = index / width;
        lines.add(
            new int[] {
              (int) (2 * (x + (double) xStart)),
              (int) (2 * (y + (double) yStart)),
              (int) (2 * (x + (double) xEnd)),
              (int) (2 * (y + (double) yEnd))
            });
      }
    }
    return lines;
  }

  /** {@code heat} where it is the maximum of its 3x3 neighbourhood, 0 elsewhere. */
  private static float[] suppressNonMaxima(float[] heat, int width, int height) {
    float[] kept = new float[heat.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        float value = heat[y * width + x];
        float max = value;
        for (int ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
          for (int nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
            max = Math.max(max, heat[ny * width + nx]);
          }
        }
        kept[y * width + x] = max == value ? value : 0f;
      }
    }
    return kept;
  }

  /** The indices of the {@code k} highest scores, ties by index. */
  private static int[] topK(float[] scores, int k) {
    Integer[] order = new Integer[scores.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : compare(scores, a, b));
    int[] top = new int[Math.min(k, order.length)];
    Arrays.setAll(top, i -> order[i]);
    return top;
  }

  private static int compare(float[] scores, int a, int b) {
    int byScore = Float.compare(scores[b], scores[a]);
    return byScore != 0 ? byScore : Integer.compare(a, b);
  }
}
