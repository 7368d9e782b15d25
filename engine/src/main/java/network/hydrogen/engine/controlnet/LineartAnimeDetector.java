package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvResize;

/**
 * controlnet_aux's {@code LineartAnimeDetector} ({@code lineart_anime}). On the padded image
 * ({@link AnnotatorImages#pad64}) of size H x W: resized ({@code cv2.resize}, bicubic) to the next
 * multiples of 256 (the U-Net halves the size eight times), RGB scaled to [-1, 1], the network,
 * {@code line * 127.5 + 127.5} resized back to H x W (bicubic, float32), clipped and truncated to 8
 * bits, inverted ({@code 255 - map}), cropped, in three channels.
 *
 * <p>ONNX contract ({@code annotators/netG.onnx}, from {@code tools/annotators/edges.py}): input
 * {@code image}, float32 {@code 1x3xHxW}, RGB in [-1, 1], H and W multiples of 256; output {@code
 * line}, {@code 1x1xHxW} in [-1, 1] (the U-Net's tanh).
 */
record LineartAnimeDetector(Path model) implements Preprocessor {

  /** The network's file. */
  static final String FILE = "netG.onnx";

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    int height = input.height();
    int width = input.width();
    int feedHeight = multipleOf256(height);
    int feedWidth = multipleOf256(width);
    byte[] feed =
        OpenCvResize.resize(
            input.rgb(), height, width, 3, feedHeight, feedWidth, OpenCvResize.Interpolation.CUBIC);
    float[] line =
        EdgeMaps.runToMap(
            "the lineart_anime annotator",
            model,
            AnnotatorTensors.planar(
                new ControlImage(feedWidth, feedHeight, feed), false, 127.5f, 1f),
            "line",
            options);
    for (int i = 0; i < line.length; i++) {
      line[i] = line[i] * 127.5f + 127.5f;
    }
    float[] resized =
        OpenCvResize.resize(
            line, feedHeight, feedWidth, 1, height, width, OpenCvResize.Interpolation.CUBIC);
    byte[] map = new byte[resized.length];
    for (int i = 0; i < resized.length; i++) {
      map[i] = (byte) (255 - EdgeMaps.clipToByte(resized[i]));
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }

  private static int multipleOf256(int size) {
    return (size + 255) / 256 * 256;
  }
}
