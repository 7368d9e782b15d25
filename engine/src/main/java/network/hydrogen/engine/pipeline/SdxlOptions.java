package network.hydrogen.engine.pipeline;

/**
 * The inputs only SDXL models take; each null means the reference pipeline's default, so {@link
 * #DEFAULTS} suits most requests.
 *
 * @param prompt2 the second text encoder's prompt; null for the prompt
 * @param negativePrompt2 the second text encoder's negative prompt; null for the negative prompt
 * @param size the size and crop conditioning; null for no crop and both sizes = the output size
 * @param negativeSize the unconditional pass's size and crop conditioning; null for {@code size}
 */
public record SdxlOptions(
    String prompt2, String negativePrompt2, SizeConditioning size, SizeConditioning negativeSize) {

  /** Everything at its default: the prompts for both encoders, no crop, sizes = output size. */
  public static final SdxlOptions DEFAULTS = new SdxlOptions(null, null, null, null);

  private static final SizeConditioning NO_CROP = new SizeConditioning(null, 0, 0, null);

  /** The six time ids of the conditional pass for an output of {@code height} x {@code width}. */
  public float[] timeIds(int height, int width) {
    return (size == null ? NO_CROP : size).timeIds(height, width);
  }

  /** The six time ids of the unconditional pass. */
  public float[] negativeTimeIds(int height, int width) {
    return negativeSize == null ? timeIds(height, width) : negativeSize.timeIds(height, width);
  }

  /**
   * SDXL base's micro-conditioning: the size of the training image the output should look like it
   * was taken from, the crop's top-left corner, and the target size.
   *
   * @param originalSize null for the output size
   * @param cropTop the crop's top, in pixels
   * @param cropLeft the crop's left, in pixels
   * @param targetSize null for the output size
   */
  public record SizeConditioning(
      PixelSize originalSize, int cropTop, int cropLeft, PixelSize targetSize) {

    public SizeConditioning {
      if (cropTop < 0 || cropLeft < 0) {
        throw new IllegalArgumentException(
            "crop coordinates must not be negative, were (" + cropTop + ", " + cropLeft + ")");
      }
    }

    /**
     * The time ids for an output of {@code height} x {@code width}: original height and width, crop
     * top and left, target height and width.
     */
    public float[] timeIds(int height, int width) {
      PixelSize original = originalSize == null ? new PixelSize(height, width) : originalSize;
      PixelSize target = targetSize == null ? new PixelSize(height, width) : targetSize;
      return new float[] {
        original.height(), original.width(), cropTop, cropLeft, target.height(), target.width()
      };
    }
  }

  /** A height and width in pixels. */
  public record PixelSize(int height, int width) {
    public PixelSize {
      if (height <= 0 || width <= 0) {
        throw new IllegalArgumentException(
            "a size must be positive, was " + height + "x" + width + " (height x width)");
      }
    }
  }
}
