package network.hydrogen.engine.pipeline;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import network.hydrogen.engine.image.PngImages;

/**
 * The result of a generation: the final latents, the decoded RGB images in [0, 1] (NCHW) and the
 * parameters text that goes into each PNG, and where the time went.
 */
public record GeneratedImages(
    float[] latents,
    float[] images,
    int count,
    int width,
    int height,
    String[] parameters,
    GenerationTimings timings) {

  /** Image {@code index} as an 8-bit picture. */
  public BufferedImage image(int index) {
    return PngImages.toImage(images, index, height, width);
  }

  /** Writes image {@code index} as PNG with its generation parameters. */
  public void writePng(int index, OutputStream out) throws IOException {
    PngImages.write(image(index), parameters[index], out);
  }
}
