package network.hydrogen.engine.pipeline;

/**
 * Where a generation's time went, in nanoseconds: encoding the prompts, the UNet calls, the whole
 * denoising loop (UNet calls plus the scheduler, guidance and copies around them) and decoding.
 */
public record GenerationTimings(
    long textEncoderNanos, long unetNanos, long denoiseNanos, long vaeNanos, int steps) {

  /** The share of the denoising loop spent outside the UNet calls (the engine's own overhead). */
  public double loopOverheadShare() {
    return denoiseNanos == 0 ? 0 : (double) (denoiseNanos - unetNanos) / denoiseNanos;
  }

  /** Seconds per denoising step. */
  public double secondsPerStep() {
    return denoiseNanos / 1e9 / steps;
  }

  /** Seconds of the whole generation. */
  public double totalSeconds() {
    return (textEncoderNanos + denoiseNanos + vaeNanos) / 1e9;
  }
}
