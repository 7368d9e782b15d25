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
    AnnotatorImages.Padded padded = AnnotatorImages.pad64(image);
    ControlImage input = padded.image();
    byte[] edges =
        Canny.edges(input.rgb(), input.height(), input.width(), 3, lowThreshold, highThreshold);
    return padded.grey(edges);
  }
}
