package network.hydrogen.engine.pipeline;

import network.hydrogen.engine.random.TorchRandom;
import network.hydrogen.engine.scheduler.NoiseSource;

/**
 * Where each image's random numbers come from: its initial latent noise and the fresh noise that
 * ancestral and consistency schedulers draw inside steps. Normal runs use {@link #seeded}; parity
 * checks supply the reference implementation's draws.
 */
public interface BatchNoise {

  /** The standard normal initial noise of image {@code image}, {@code count} values. */
  float[] initial(int image, int count);

  /** The in-step noise source of image {@code image}, used after its initial noise was drawn. */
  NoiseSource steps(int image);

  /**
   * Image {@code i} draws everything from one PyTorch CPU generator seeded with {@code seed + i},
   * as diffusers does when given one generator per image.
   */
  static BatchNoise seeded(long seed, int images) {
    TorchRandom[] generators = new TorchRandom[images];
    for (int i = 0; i < images; i++) {
      generators[i] = new TorchRandom(seed + i);
    }
    return new BatchNoise() {
      @Override
      public float[] initial(int image, int count) {
        return generators[image].randn(count);
      }

      @Override
      public NoiseSource steps(int image) {
        return generators[image]::randn;
      }
    };
  }
}
