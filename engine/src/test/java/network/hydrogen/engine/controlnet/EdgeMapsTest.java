package network.hydrogen.engine.controlnet;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class EdgeMapsTest {

  /** The padded test image's red channel: a map with ridges of every strength. */
  private static byte[] red(ControlImage padded) {
    byte[] red = new byte[padded.width() * padded.height()];
    for (int i = 0; i < red.length; i++) {
      red[i] = padded.rgb()[3 * i];
    }
    return red;
  }

  /**
   * controlnet_aux's {@code nms} and the scribble steps after it, pixel for pixel: nms keeps a
   * pixel where its float32 blur equals the dilated blur, so the blur must be OpenCV's to the last
   * bit (its long kernels fuse multiply-adds; without that 4 of these pixels move).
   */
  @Test
  void scribbleStepsAreControlnetAuxs() throws IOException {
    ControlImage padded = AnnotatorImages.pad64(EdgeReference.input()).image();
    int width = padded.width();
    int height = padded.height();
    byte[] red = red(padded);
    float[] levels = new float[red.length];
    for (int i = 0; i < red.length; i++) {
      levels[i] = red[i] & 0xff;
    }

    byte[] ridges = AnnotatorImages.nms(levels, height, width, 127, 3.0);
    byte[] scribble = EdgeMaps.scribble(red, width, height);

    EdgeReference.assertMatches(
        AnnotatorImages.grey(ridges, width, height), EdgeReference.png("nms_red"), 0);
    EdgeReference.assertMatches(
        AnnotatorImages.grey(scribble, width, height), EdgeReference.png("scribble_red"), 0);
  }
}
