package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Latent consistency model sampling (Luo et al. 2023): each step predicts the clean sample with the
 * consistency boundary condition and re-noises it to the next timestep with fresh noise (all steps
 * but the last). diffusers' {@code LCMScheduler}; timesteps are taken from the
 * original_inference_steps schedule the model was distilled on.
 */
public final class LcmScheduler implements Scheduler {

  static final String METHOD = "LCMScheduler";
  static final String DEFAULTS =
      """
      {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
       "beta_schedule": "scaled_linear", "trained_betas": null, "original_inference_steps": 50,
       "clip_sample": false, "clip_sample_range": 1.0, "set_alpha_to_one": true,
       "steps_offset": 0, "prediction_type": "epsilon", "thresholding": false,
       "dynamic_thresholding_ratio": 0.995, "sample_max_value": 1.0,
       "timestep_spacing": "leading", "timestep_scaling": 10.0, "rescale_betas_zero_snr": false}
      """;

  private static final double SIGMA_DATA = 0.5;

  private final TrainingSchedule training;
  private final AlphaPrediction prediction;
  private final int originalSteps;
  private final float finalAlphaCumprod;
  private final double timestepScaling;

  LcmScheduler(JsonNode modelConfig, JsonNode args) {
    SchedulerConfig config = SchedulerConfig.resolve(METHOD, DEFAULTS, modelConfig, args);
    training = TrainingSchedule.of(config, false);
    prediction = AlphaPrediction.of(config);
    originalSteps = config.integer("original_inference_steps", 1, training.trainSteps());
    finalAlphaCumprod = config.bool("set_alpha_to_one") ? 1f : training.alphasCumprod[0];
    timestepScaling = config.number("timestep_scaling");
    config.choice("timestep_spacing", TimestepSpacing.NAMES);
    config.integer("steps_offset", 0, training.trainSteps());
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public SchedulerRun start(int steps) {
    if (steps < 1 || steps > originalSteps) {
      throw new IllegalArgumentException(
          METHOD
              + " takes from 1 to original_inference_steps ("
              + originalSteps
              + ") steps, got "
              + steps);
    }
    int k = training.trainSteps() / originalSteps;
    double[] indices = NumPy.linspace(0, originalSteps, steps, false);
    int[] timesteps = new int[steps];
    float[] unetTimesteps = new float[steps];
    for (int i = 0; i < steps; i++) {
      // the distillation schedule k-1, 2k-1, ..., originalSteps*k - 1, walked from the end
      int fromEnd = (int) Math.floor(indices[i]);
      timesteps[i] = (originalSteps - fromEnd) * k - 1;
      unetTimesteps[i] = timesteps[i];
    }
    float[] alphas = training.alphasCumprod;
    return new SchedulerRun(
        new Schedule(unetTimesteps, new float[0], 1f),
        new SchedulerRun.Stepper() {
          @Override
          public float[] scaleModelInput(float[] sample, int i) {
            return sample;
          }

          @Override
          public float[] addNoise(float[] original, float[] noise, int i) {
            return AddNoise.byAlphaCumprod(original, noise, alphas[timesteps[i]]);
          }

          @Override
          public float[] step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
            int t = timesteps[i];
            boolean last = i == steps - 1;
            int previous = last ? t : timesteps[i + 1];
            double alphaPrev = previous >= 0 ? alphas[previous] : finalAlphaCumprod;
            double scaled = t * timestepScaling;
            double cSkip = SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
            double cOut = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);
            float[] fresh = last ? null : noise.next(sample.length);
            float[] next = new float[sample.length];
            for (int j = 0; j < next.length; j++) {
              double x0 = prediction.originalSample(modelOutput[j], sample[j], alphas[t]);
              double denoised = cOut * x0 + cSkip * sample[j];
              next[j] =
                  (float)
                      (last
                          ? denoised
                          : Math.sqrt(alphaPrev) * denoised + Math.sqrt(1 - alphaPrev) * fresh[j]);
            }
            return next;
          }
        });
  }
}
