package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;

/**
 * controlnet_aux's {@code PidiNetDetector}: {@code softedge_pidinet}, {@code scribble_pidinet},
 * {@code softedge_pidisafe} and {@code scribble_pidisafe} ({@code scribble}, {@code safe}), with
 * the task's {@code apply_filter}. On the padded image ({@link AnnotatorImages#pad64}): BGR scaled
 * to [0, 1], the network's fused edge map, then either {@code edge > 0.5} (apply_filter), or {@code
 * safe_step} (safe), times 255 clipped and truncated to 8 bits; scribble then thins and thickens it
 * ({@link EdgeMaps#scribble}); cropped, in three channels.
 *
 * <p>ONNX contract ({@code annotators/table5_pidinet.onnx}, from {@code tools/annotators/edges.py},
 * its pixel-difference convolutions converted to vanilla ones): input {@code image}, float32 {@code
 * 1x3xHxW}, BGR in [0, 1], H and W multiples of 8; output {@code edge}, {@code 1x1xHxW}, the fused
 * edge probability (sigmoid applied).
 */
record PidiNetDetector(Path model, boolean scribble, boolean safe, boolean applyFilter)
    implements Preprocessor {

  /** The network's file. */
  static final String FILE = "table5_pidinet.onnx";

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    float[] edge =
        EdgeMaps.runToMap(
            "the PiDiNet annotator",
            model,
            AnnotatorTensors.planar(input, true, 255f, 0f),
            "edge",
            options);
    float[] level = applyFilter || !safe ? edge : AnnotatorImages.safeStep(edge, 2);
    byte[] map = new byte[edge.length];
    for (int i = 0; i < edge.length; i++) {
      // apply_filter: edge > 0.5 as 0/1 (safe_step makes that 0/1.5, the same once clipped)
      float value = applyFilter ? (edge[i] > 0.5f ? 1f : 0f) : level[i];
      map[i] = (byte) EdgeMaps.clipToByte(value * 255f);
    }
    if (scribble) {
      map = EdgeMaps.scribble(map, input.width(), input.height());
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }
}
