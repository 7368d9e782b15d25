package network.hydrogen.engine.scheduler;

import java.util.SplittableRandom;

/**
 * Standard normal draws for the methods that add fresh noise inside a step (Euler ancestral, LCM,
 * SDE DPM-Solver). Parity tests hand back a reference's draws in order; runs use {@link #seeded}.
 */
@FunctionalInterface
public interface NoiseSource {

  /** Returns {@code count} new independent standard normal values. */
  float[] next(int count);

  /** A deterministic source: the same seed gives the same draws. */
  static NoiseSource seeded(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return count -> {
      float[] noise = new float[count];
      for (int i = 0; i < count; i++) {
        noise[i] = (float) random.nextGaussian();
      }
      return noise;
    };
  }
}
