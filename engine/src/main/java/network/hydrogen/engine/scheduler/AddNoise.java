package network.hydrogen.engine.scheduler;

/**
 * The schedulers' {@code add_noise}: a clean sample noised to the level of one step, where img2img
 * starts denoising. In float32 operation by operation, as diffusers computes it.
 */
final class AddNoise {

  private AddNoise() {}

  /** Sigma-space methods (Euler): {@code x + noise · sigma}. */
  static float[] bySigma(float[] original, float[] noise, float sigma) {
    float[] noised = new float[original.length];
    for (int k = 0; k < noised.length; k++) {
      noised[k] = original[k] + noise[k] * sigma;
    }
    return noised;
  }

  /** DDIM-style methods: {@code sqrt(abar) · x + sqrt(1 − abar) · noise}. */
  static float[] byAlphaCumprod(float[] original, float[] noise, float alphaCumprod) {
    return mix(
        original, noise, (float) Math.sqrt(alphaCumprod), (float) Math.sqrt(1f - alphaCumprod));
  }

  /**
   * DPM-Solver: {@code alpha_t · x + sigma_t · noise} with {@code alpha_t = 1 / sqrt(sigma² + 1)},
   * {@code sigma_t = sigma · alpha_t}.
   */
  static float[] byDpmSigma(float[] original, float[] noise, float sigma) {
    float alpha = (float) (1 / Math.sqrt(sigma * sigma + 1f));
    return mix(original, noise, alpha, sigma * alpha);
  }

  private static float[] mix(float[] original, float[] noise, float a, float b) {
    float[] noised = new float[original.length];
    for (int k = 0; k < noised.length; k++) {
      noised[k] = a * original[k] + b * noise[k];
    }
    return noised;
  }
}
