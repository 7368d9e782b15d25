package network.hydrogen.engine.controlnet;

import network.hydrogen.engine.graph.InferenceOptions;

/**
 * controlnet_aux's {@code CannyDetector} with the detection resolution at the image's short side
 * (so no resize): padded to multiples of 64 ({@link AnnotatorImages#pad64}), {@code cv2.Canny} on
 * the RGB image ({@link Canny}), crop the padding, the 0/255 map in three channels.
 */
record CannyDetector(int lowThreshold, int highThreshold) implements Preprocessor {

  CannyDetector {
    if (lowThreshold < 0 || highThreshold < 0) {
      throw new IllegalArgumentException(
          "canny thresholds must be >= 0, were " + lowThreshold + " and " + highThreshold);
    }
  }

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) {
    byte[] edges =
        Canny.edges(input.rgb(), input.height(), input.width(), 3, lowThreshold, highThreshold);
    return AnnotatorImages.grey(edges, input.width(), input.height());
  }
}
