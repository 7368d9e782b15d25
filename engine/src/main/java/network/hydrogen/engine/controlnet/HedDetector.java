package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvResize;

/**
 * controlnet_aux's {@code HEDdetector} (ControlNetHED_Apache2): {@code softedge_hed}, {@code
 * scribble_hed}, {@code softedge_hedsafe} and {@code scribble_hedsafe} ({@code scribble}, {@code
 * safe}). On the padded image ({@link AnnotatorImages#pad64}): RGB 0..255, the network's five side
 * projections each resized to the image ({@code cv2.resize}, bilinear, float32), their float32
 * mean, a sigmoid in float64, {@code safe_step} when safe, times 255 clipped and truncated to 8
 * bits; scribble then thins and thickens it ({@link EdgeMaps#scribble}); cropped, in three
 * channels.
 *
 * <p>ONNX contract ({@code annotators/ControlNetHED.onnx}, from {@code tools/annotators/edges.py}):
 * input {@code image}, float32 {@code 1x3xHxW}, RGB 0..255 (the network subtracts its own mean), H
 * and W multiples of 16; outputs {@code p1} to {@code p5}, {@code 1x1x(H/2^k)x(W/2^k)} for k = 0 to
 * 4, the side projections before any sigmoid.
 */
record HedDetector(Path model, boolean scribble, boolean safe) implements Preprocessor {

  /** The network's file. */
  static final String FILE = "ControlNetHED.onnx";

  private static final int SIDES = 5;

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    int height = input.height();
    int width = input.width();
    Map<String, FloatTensor> outputs =
        AnnotatorTensors.outputs(
            "the HED annotator", model, AnnotatorTensors.planar(input, false, 1f, 0f), options);
    float[] sum = new float[width * height];
    for (int k = 0; k < SIDES; k++) {
      int sideHeight = height >> k;
      int sideWidth = width >> k;
      float[] side = EdgeMaps.map(outputs, "p" + (k + 1), model, sideHeight, sideWidth);
      float[] resized =
          OpenCvResize.resize(
              side, sideHeight, sideWidth, 1, height, width, OpenCvResize.Interpolation.LINEAR);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += resized[i];
      }
    }
    byte[] map = new byte[sum.length];
    float[] edges = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      double edge = 1 / (1 + Math.exp(-(double) (sum[i] / SIDES)));
      map[i] = (byte) Math.min(255, edge * 255); // numpy's float64 edge * 255, truncated
      edges[i] = (float) edge;
    }
    if (safe) { // safe_step's float32 levels times 255
      float[] stepped = AnnotatorImages.safeStep(edges, 2);
      for (int i = 0; i < sum.length; i++) {
        map[i] = (byte) EdgeMaps.clipToByte(stepped[i] * 255f);
      }
    }
    if (scribble) {
      map = EdgeMaps.scribble(map, width, height);
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }
}
