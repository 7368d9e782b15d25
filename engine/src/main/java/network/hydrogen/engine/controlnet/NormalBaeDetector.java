package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;

/**
 * controlnet_aux's {@code NormalBaeDetector} ({@code normal_bae}): the NNET surface-normal network
 * (EfficientNet-B5 encoder) on the padded image at its own size; the normal's x, y, z become the
 * red, green and blue of the map as {@code ((n + 1) * 0.5).clip(0, 1) * 255}, truncated.
 *
 * <p>ONNX contract ({@code annotators/scannet.onnx}, made by {@code tools/annotators/depth.py}):
 * input {@code image}, float32 (1, 3, H, W), RGB as {@code (x / 255 - mean) / std} with ImageNet's
 * mean and std, H and W multiples of 32; output (1, 4, H, W), NNET's final prediction: the unit
 * normal x, y, z and the concentration kappa (unused).
 */
record NormalBaeDetector(Path network) implements Preprocessor {

  static final String FILE = "scannet.onnx";

  private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] STD = {0.229f, 0.224f, 0.225f};

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    int plane = input.width() * input.height();
    FloatTensor normal =
        AnnotatorTensors.run(
            "the NormalBae annotator",
            network,
            AnnotatorTensors.planar(
                input, false, (channel, value) -> (value / 255f - MEAN[channel]) / STD[channel]),
            new long[] {1, 4, input.height(), input.width()},
            options);
    float[] values = normal.values();
    byte[] map = new byte[3 * plane];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < plane; i++) {
        float unit = Math.min(Math.max((values[c * plane + i] + 1f) * 0.5f, 0f), 1f);
        map[3 * i + c] = AnnotatorTensors.toUint8(unit);
      }
    }
    return new ControlImage(input.width(), input.height(), map);
  }
}
