package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Ancestral Euler sampling: each step goes down to sigma_down by Euler's method and adds fresh
 * noise of scale sigma_up. diffusers' {@code EulerAncestralDiscreteScheduler}; it draws noise on
 * every step, the last one included.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler {

  static final String METHOD = "EulerAncestralDiscreteScheduler";
  static final String DEFAULTS =
      """
      {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
       "beta_schedule": "linear", "trained_betas": null, "prediction_type": "epsilon",
       "timestep_spacing": "linspace", "steps_offset": 0, "rescale_betas_zero_snr": false}
      """;

  private final TrainingSchedule training;
  private final Prediction prediction;
  private final String spacing;
  private final int stepsOffset;

  EulerAncestralDiscreteScheduler(JsonNode modelConfig, JsonNode args) {
    SchedulerConfig config = SchedulerConfig.resolve(METHOD, DEFAULTS, modelConfig, args);
    training = TrainingSchedule.of(config, true);
    prediction = Prediction.read(config, List.of("epsilon", "v_prediction"));
    spacing = config.choice("timestep_spacing", TimestepSpacing.NAMES);
    stepsOffset = config.integer("steps_offset", 0, training.trainSteps());
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public SchedulerRun start(int steps) {
    Steps.check(METHOD, steps, training.trainSteps());
    double[] timesteps = TimestepSpacing.place(spacing, training.trainSteps(), steps, stepsOffset);
    double[] interpolated = TimestepSpacing.interpolatedSigmas(timesteps, training.sigmas());
    float[] sigmas = new float[steps + 1];
    float[] unetTimesteps = new float[steps];
    for (int i = 0; i < steps; i++) {
      sigmas[i] = (float) interpolated[i];
      unetTimesteps[i] = (float) timesteps[i];
    }
    Schedule schedule =
        new Schedule(unetTimesteps, sigmas, TimestepSpacing.eulerInitNoiseSigma(sigmas, spacing));
    return new SchedulerRun(
        schedule,
        new SchedulerRun.Stepper() {
          @Override
          public float[] scaleModelInput(float[] sample, int i) {
            return TimestepSpacing.scaleBySigma(sample, sigmas[i]);
          }

          @Override
          public float[] addNoise(float[] original, float[] noise, int i) {
            return AddNoise.bySigma(original, noise, sigmas[i]);
          }

          @Override
          public float[] step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
            float from = sigmas[i];
            float to = sigmas[i + 1];
            float up = (float) Math.sqrt(to * to * (from * from - to * to) / (from * from));
            float down = (float) Math.sqrt(to * to - up * up);
            float[] x0 =
                EulerDiscreteScheduler.predictOriginal(prediction, modelOutput, sample, from);
            float[] fresh = noise.next(sample.length);
            float[] next = new float[sample.length];
            for (int k = 0; k < next.length; k++) {
              float derivative = (sample[k] - x0[k]) / from;
              next[k] = sample[k] + derivative * (down - from) + fresh[k] * up;
            }
            return next;
          }
        });
  }
}
