package network.hydrogen.engine.scheduler;

/**
 * What a scheduler prepared for a run of N steps, as diffusers' {@code set_timesteps} leaves it.
 *
 * @param timesteps the N values handed to the UNet, in order (whole numbers except for Euler with
 *     Karras or exponential sigmas, or continuous timesteps)
 * @param sigmas the noise levels, one more than the timesteps (ending in the final sigma), for the
 *     sigma-based methods; empty for DDIM and LCM
 * @param initNoiseSigma the factor by which the initial unit Gaussian latents are multiplied
 */
public record Schedule(float[] timesteps, float[] sigmas, float initNoiseSigma) {

  /** The number of denoising steps. */
  public int steps() {
    return timesteps.length;
  }
}
