package network.hydrogen.engine.scheduler;

/**
 * What a scheduler prepared for a run of N steps, as diffusers' {@code set_timesteps} leaves it.
 * The arrays are copied in and out, so a caller cannot change a run's schedule.
 *
 * @param timesteps the N values handed to the UNet, in order (whole numbers except for Euler with
 *     Karras or exponential sigmas, or continuous timesteps)
 * @param sigmas the noise levels of the sigma-based methods, one more than the timesteps (ending in
 *     the final sigma; two more with Euler's log_linear interpolation, as in diffusers); empty for
 *     DDIM and LCM
 * @param initNoiseSigma the factor by which the initial unit Gaussian latents are multiplied
 */
public record Schedule(float[] timesteps, float[] sigmas, float initNoiseSigma) {

  public Schedule {
    timesteps = timesteps.clone();
    sigmas = sigmas.clone();
  }

  @Override
  public float[] timesteps() {
    return timesteps.clone();
  }

  @Override
  public float[] sigmas() {
    return sigmas.clone();
  }

  /** The number of denoising steps. */
  public int steps() {
    return timesteps.length;
  }
}
