package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Euler's method on the probability-flow ODE in sigma space (Karras et al. 2022, algorithm 2 with
 * no churn): diffusers' {@code EulerDiscreteScheduler}, with Karras or exponential sigmas,
 * log-linear interpolation, continuous timesteps and a zero or sigma_min final sigma.
 */
public final class EulerDiscreteScheduler implements Scheduler {

  static final String METHOD = "EulerDiscreteScheduler";
  static final String DEFAULTS =
      """
      {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
       "beta_schedule": "linear", "trained_betas": null, "prediction_type": "epsilon",
       "interpolation_type": "linear", "use_karras_sigmas": false,
       "use_exponential_sigmas": false, "use_beta_sigmas": false, "sigma_min": null,
       "sigma_max": null, "timestep_spacing": "linspace", "timestep_type": "discrete",
       "steps_offset": 0, "rescale_betas_zero_snr": false, "final_sigmas_type": "zero"}
      """;

  private final TrainingSchedule training;
  private final Prediction prediction;
  private final boolean logLinear;
  private final boolean karras;
  private final boolean exponential;
  private final double sigmaMin;
  private final double sigmaMax;
  private final String spacing;
  private final boolean continuous;
  private final int stepsOffset;
  private final boolean finalSigmaMin;

  EulerDiscreteScheduler(JsonNode modelConfig, JsonNode args) {
    SchedulerConfig config = SchedulerConfig.resolve(METHOD, DEFAULTS, modelConfig, args);
    training = TrainingSchedule.of(config, true);
    prediction =
        Prediction.read(config, List.of("epsilon", "v_prediction", "sample", "original_sample"));
    logLinear =
        config.choice("interpolation_type", List.of("linear", "log_linear")).equals("log_linear");
    karras = config.bool("use_karras_sigmas");
    exponential = config.bool("use_exponential_sigmas");
    config.requireDefault("use_beta_sigmas", false);
    if (karras && exponential) {
      throw config.problem("only one of use_karras_sigmas and use_exponential_sigmas can be true");
    }
    sigmaMin = config.optionalNumber("sigma_min");
    sigmaMax = config.optionalNumber("sigma_max");
    spacing = config.choice("timestep_spacing", TimestepSpacing.NAMES);
    continuous =
        config.choice("timestep_type", List.of("discrete", "continuous")).equals("continuous")
            && prediction == Prediction.V_PREDICTION;
    stepsOffset = config.integer("steps_offset", 0, training.trainSteps());
    finalSigmaMin =
        config.choice("final_sigmas_type", List.of("zero", "sigma_min")).equals("sigma_min");
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public SchedulerRun start(int steps) {
    Schedule schedule = schedule(steps);
    float[] sigmas = schedule.sigmas();
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
            float sigma = sigmas[i];
            float dt = sigmas[i + 1] - sigma;
            float[] x0 = predictOriginal(prediction, modelOutput, sample, sigma);
            float[] next = new float[sample.length];
            for (int k = 0; k < next.length; k++) {
              next[k] = sample[k] + (sample[k] - x0[k]) / sigma * dt;
            }
            return next;
          }
        });
  }

  /**
   * The denoised sample a sigma-space model output implies, in float32 operation by operation as
   * diffusers computes it (at sigma in the thousands, as with zero terminal SNR, double math would
   * drift from it).
   */
  static float[] predictOriginal(
      Prediction prediction, float[] output, float[] sample, float sigma) {
    float[] x0 = new float[sample.length];
    float sigmaSquaredPlusOne = sigma * sigma + 1f;
    float outputScale = -sigma / (float) Math.sqrt(sigmaSquaredPlusOne);
    for (int k = 0; k < x0.length; k++) {
      x0[k] =
          switch (prediction) {
            case EPSILON -> sample[k] - sigma * output[k];
            case V_PREDICTION -> output[k] * outputScale + sample[k] / sigmaSquaredPlusOne;
            case SAMPLE -> output[k];
          };
    }
    return x0;
  }

  private Schedule schedule(int steps) {
    Steps.check(METHOD, steps, training.trainSteps());
    float[] trainSigmas = training.sigmas();
    float[] logSigmas = NumPy.logs(trainSigmas);
    double[] timesteps = TimestepSpacing.place(spacing, training.trainSteps(), steps, stepsOffset);
    for (int i = 0; i < steps; i++) {
      timesteps[i] = (float) timesteps[i];
    }
    double[] sigmas;
    if (logLinear) {
      float[] logs =
          TrainingSchedule.torchLinspace(logSigmas[logSigmas.length - 1], logSigmas[0], steps + 1);
      sigmas = new double[logs.length];
      for (int i = 0; i < logs.length; i++) {
        sigmas[i] = (float) Math.exp(logs[i]);
      }
    } else {
      sigmas = TimestepSpacing.interpolatedSigmas(timesteps, trainSigmas);
    }
    if (karras || exponential) {
      double min = Double.isNaN(sigmaMin) ? sigmas[sigmas.length - 1] : sigmaMin;
      double max = Double.isNaN(sigmaMax) ? sigmas[0] : sigmaMax;
      sigmas = karras ? NumPy.karras(min, max, steps) : NumPy.exponential(min, max, steps);
      for (int i = 0; i < steps; i++) {
        timesteps[i] = (float) NumPy.sigmaToT(sigmas[i], logSigmas);
      }
    }
    float[] allSigmas = new float[sigmas.length + 1];
    for (int i = 0; i < sigmas.length; i++) {
      allSigmas[i] = (float) sigmas[i];
    }
    allSigmas[sigmas.length] = finalSigmaMin ? trainSigmas[0] : 0f;
    float[] unetTimesteps = new float[steps];
    for (int i = 0; i < steps; i++) {
      unetTimesteps[i] = continuous ? 0.25f * (float) Math.log(allSigmas[i]) : (float) timesteps[i];
    }
    return new Schedule(
        unetTimesteps, allSigmas, TimestepSpacing.eulerInitNoiseSigma(allSigmas, spacing));
  }
}
