package network.hydrogen.engine.scheduler;

import network.hydrogen.engine.random.TorchRandom;

/**
 * Standard normal draws for the methods that add fresh noise inside a step (Euler ancestral, LCM,
 * SDE DPM-Solver). Parity tests hand back a reference's draws in order; runs use {@link #seeded}.
 */
@FunctionalInterface
public interface NoiseSource {

  /** Returns {@code count} new independent standard normal values. */
  float[] next(int count);

  /**
   * A deterministic source: the same seed gives the same draws, those of PyTorch's CPU generator
   * after {@code torch.manual_seed(seed)}.
   */
  static NoiseSource seeded(long seed) {
    return new TorchRandom(seed)::randn;
  }
}
