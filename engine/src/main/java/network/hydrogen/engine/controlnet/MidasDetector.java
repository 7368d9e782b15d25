package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;

/**
 * controlnet_aux's {@code MidasDetector} ({@code depth_midas}): the DPT-Hybrid MiDaS network on the
 * padded image at its own size, its relative inverse depth shifted and scaled to 0..1 by its
 * minimum and maximum, times 255 truncated to a grey map (the detector's defaults: depth only).
 *
 * <p>ONNX contract ({@code annotators/dpt_hybrid-midas-501f0c75.onnx}, made by {@code
 * tools/annotators/depth.py}): input {@code image}, float32 (1, 3, H, W), RGB as {@code x / 127.5 -
 * 1}, H and W multiples of 32; output (1, H, W), the depth.
 */
record MidasDetector(Path network) implements Preprocessor {

  static final String FILE = "dpt_hybrid-midas-501f0c75.onnx";

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    FloatTensor depth =
        AnnotatorTensors.run(
            "the MiDaS annotator",
            network,
            AnnotatorTensors.planar(input, false, 127.5f, 1f),
            new long[] {1, input.height(), input.width()},
            options);
    float[] values = depth.values();
    float min = Float.POSITIVE_INFINITY;
    for (float value : values) {
      min = Math.min(min, value);
    }
    float max = Float.NEGATIVE_INFINITY;
    for (float value : values) {
      max = Math.max(max, value - min);
    }
    byte[] map = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      map[i] = AnnotatorTensors.toUint8((values[i] - min) / max);
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }
}
