package network.hydrogen.engine.pipeline;

/**
 * The SDXL refiner's aesthetic conditioning ({@code requires_aesthetics_score}): its five time ids
 * are the original height and width, the crop's top and left and this score, in place of the base
 * model's target size. Sizes and crops come from the request's {@link SdxlOptions}.
 *
 * @param score the conditional pass's aesthetic score (the reference pipeline's default 6.0)
 * @param negativeScore the unconditional pass's score (default 2.5)
 */
public record AestheticScore(double score, double negativeScore) {

  /** The reference pipeline's defaults: 6.0, and 2.5 for the unconditional pass. */
  public static final AestheticScore DEFAULT = new AestheticScore(6.0, 2.5);

  public AestheticScore {
    if (!Double.isFinite(score) || !Double.isFinite(negativeScore)) {
      throw new IllegalArgumentException(
          "aesthetic scores must be finite, were " + score + " and " + negativeScore);
    }
  }

  /** The conditional pass's five time ids for an output of {@code height} x {@code width}. */
  public float[] timeIds(SdxlOptions options, int height, int width) {
    return ids(options.timeIds(height, width), score);
  }

  /** The unconditional pass's five time ids. */
  public float[] negativeTimeIds(SdxlOptions options, int height, int width) {
    return ids(options.negativeTimeIds(height, width), negativeScore);
  }

  /** The base model's six ids with the target size replaced by the score. */
  private static float[] ids(float[] baseIds, double score) {
    return new float[] {baseIds[0], baseIds[1], baseIds[2], baseIds[3], (float) score};
  }
}
