package network.hydrogen.engine.scheduler;

import java.util.List;

/**
 * The noise schedule a model was trained with: betas and their cumulative alpha products over the
 * training timesteps, in float32 exactly as diffusers builds them with torch (float32 linspace,
 * cumulative product accumulated in double), so that sigmas match diffusers to the last bit.
 */
final class TrainingSchedule {

  static final List<String> BETA_SCHEDULES =
      List.of("linear", "scaled_linear", "squaredcos_cap_v2");

  /** alphas_cumprod[t] for t = 0 .. num_train_timesteps - 1. */
  final float[] alphasCumprod;

  private final boolean flooredZeroSnr;

  private TrainingSchedule(float[] alphasCumprod, boolean flooredZeroSnr) {
    this.alphasCumprod = alphasCumprod;
    this.flooredZeroSnr = flooredZeroSnr;
  }

  /**
   * Reads num_train_timesteps, beta_start, beta_end, beta_schedule, trained_betas and
   * rescale_betas_zero_snr. {@code floorZeroSnr}: the sigma-based methods replace the last
   * alphas_cumprod of a zero-terminal-SNR schedule by 2^-24 so that its sigma stays finite.
   */
  static TrainingSchedule of(SchedulerConfig config, boolean floorZeroSnr) {
    int trainSteps = config.integer("num_train_timesteps", 2, 100_000);
    float[] betas = config.optionalFloats("trained_betas");
    if (betas == null) {
      double start = config.number("beta_start");
      double end = config.number("beta_end");
      betas =
          switch (config.choice("beta_schedule", BETA_SCHEDULES)) {
            case "linear" -> torchLinspace((float) start, (float) end, trainSteps);
            case "scaled_linear" -> {
              float[] roots =
                  torchLinspace((float) Math.sqrt(start), (float) Math.sqrt(end), trainSteps);
              for (int i = 0; i < roots.length; i++) {
                roots[i] = roots[i] * roots[i];
              }
              yield roots;
            }
            default -> squaredCosine(trainSteps);
          };
    } else if (betas.length != trainSteps) {
      throw config.problem(
          "trained_betas has " + betas.length + " values but num_train_timesteps is " + trainSteps);
    }
    boolean zeroSnr = config.bool("rescale_betas_zero_snr");
    if (zeroSnr) {
      betas = rescaleZeroTerminalSnr(betas);
    }
    float[] alphasCumprod = cumprod(oneMinus(betas));
    if (zeroSnr && floorZeroSnr) {
      alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
    }
    return new TrainingSchedule(alphasCumprod, zeroSnr && floorZeroSnr);
  }

  int trainSteps() {
    return alphasCumprod.length;
  }

  /** sigma[t] = sqrt((1 - alphas_cumprod[t]) / alphas_cumprod[t]) in float32. */
  float[] sigmas() {
    float[] sigmas = new float[alphasCumprod.length];
    for (int t = 0; t < sigmas.length; t++) {
      float a = alphasCumprod[t];
      sigmas[t] = (float) Math.sqrt((1f - a) / a);
    }
    if (flooredZeroSnr) {
      // sqrt(2^24 - 1) rounds to 4095.9998 but torch's float32 sqrt gives 4096, and at this sigma
      // the Euler steps amplify that last bit; take torch's value
      sigmas[sigmas.length - 1] = 4096f;
    }
    return sigmas;
  }

  /** torch.linspace in float32 on CPU: each value is one fused multiply-add from the near end. */
  static float[] torchLinspace(float start, float end, int steps) {
    float[] out = new float[steps];
    if (steps == 1) {
      out[0] = start;
      return out;
    }
    float step = (end - start) / (steps - 1);
    int halfway = steps / 2;
    for (int i = 0; i < steps; i++) {
      out[i] =
          i < halfway
              ? Math.fma(step, (float) i, start)
              : Math.fma(-step, (float) (steps - i - 1), end);
    }
    return out;
  }

  private static float[] squaredCosine(int trainSteps) {
    float[] betas = new float[trainSteps];
    for (int i = 0; i < trainSteps; i++) {
      double t1 = (double) i / trainSteps;
      double t2 = (double) (i + 1) / trainSteps;
      betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
    }
    return betas;
  }

  private static double alphaBar(double t) {
    double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  /** Rescales betas to zero terminal SNR (Lin et al. 2023), in float32 as diffusers does. */
  private static float[] rescaleZeroTerminalSnr(float[] betas) {
    float[] sqrtCumprod = cumprod(oneMinus(betas));
    for (int i = 0; i < sqrtCumprod.length; i++) {
      sqrtCumprod[i] = (float) Math.sqrt(sqrtCumprod[i]);
    }
    float first = sqrtCumprod[0];
    float last = sqrtCumprod[sqrtCumprod.length - 1];
    float scale = first / (first - last);
    float[] alphasBar = new float[sqrtCumprod.length];
    for (int i = 0; i < alphasBar.length; i++) {
      float shifted = (sqrtCumprod[i] - last) * scale;
      alphasBar[i] = shifted * shifted;
    }
    float[] rescaled = new float[betas.length];
    rescaled[0] = 1f - alphasBar[0];
    for (int i = 1; i < rescaled.length; i++) {
      rescaled[i] = 1f - alphasBar[i] / alphasBar[i - 1];
    }
    return rescaled;
  }

  private static float[] oneMinus(float[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = 1f - values[i];
    }
    return out;
  }

  private static float[] cumprod(float[] values) {
    float[] out = new float[values.length];
    double product = 1;
    for (int i = 0; i < out.length; i++) {
      product *= values[i];
      out[i] = (float) product;
    }
    return out;
  }
}
