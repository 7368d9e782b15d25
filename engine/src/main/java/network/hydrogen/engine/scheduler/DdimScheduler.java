package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Denoising diffusion implicit models (Song et al. 2020) with eta = 0, as Stable Diffusion
 * pipelines run it: diffusers' {@code DDIMScheduler}. Deterministic; draws no noise.
 */
public final class DdimScheduler implements Scheduler {

  static final String METHOD = "DDIMScheduler";
  static final String DEFAULTS =
      """
      {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
       "beta_schedule": "linear", "trained_betas": null, "clip_sample": true,
       "set_alpha_to_one": true, "steps_offset": 0, "prediction_type": "epsilon",
       "thresholding": false, "dynamic_thresholding_ratio": 0.995, "clip_sample_range": 1.0,
       "sample_max_value": 1.0, "timestep_spacing": "leading", "rescale_betas_zero_snr": false}
      """;

  private final TrainingSchedule training;
  private final AlphaPrediction prediction;
  private final float finalAlphaCumprod;
  private final String spacing;
  private final int stepsOffset;

  DdimScheduler(JsonNode modelConfig, JsonNode args) {
    SchedulerConfig config = SchedulerConfig.resolve(METHOD, DEFAULTS, modelConfig, args);
    training = TrainingSchedule.of(config, false);
    prediction = AlphaPrediction.of(config);
    finalAlphaCumprod = config.bool("set_alpha_to_one") ? 1f : training.alphasCumprod[0];
    spacing = config.choice("timestep_spacing", TimestepSpacing.NAMES);
    stepsOffset = config.integer("steps_offset", 0, training.trainSteps());
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public SchedulerRun start(int steps) {
    int trainSteps = training.trainSteps();
    Steps.check(METHOD, steps, trainSteps);
    double[] placed = TimestepSpacing.place(spacing, trainSteps, steps, stepsOffset);
    int[] timesteps = new int[steps];
    float[] unetTimesteps = new float[steps];
    for (int i = 0; i < steps; i++) {
      timesteps[i] = (int) NumPy.round(placed[i]);
      unetTimesteps[i] = timesteps[i];
      if (timesteps[i] >= trainSteps) {
        throw new IllegalArgumentException(
            METHOD
                + ": steps_offset "
                + stepsOffset
                + " puts timestep "
                + timesteps[i]
                + " past the "
                + trainSteps
                + " training timesteps");
      }
    }
    int stride = trainSteps / steps;
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
            int previous = t - stride;
            double alphaPrev = previous >= 0 ? alphas[previous] : finalAlphaCumprod;
            float[] next = new float[sample.length];
            for (int k = 0; k < next.length; k++) {
              double x0 = prediction.originalSample(modelOutput[k], sample[k], alphas[t]);
              double epsilon = prediction.noise(modelOutput[k], sample[k], alphas[t]);
              next[k] = (float) (Math.sqrt(alphaPrev) * x0 + Math.sqrt(1 - alphaPrev) * epsilon);
            }
            return next;
          }
        });
  }
}
