package network.hydrogen.engine.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * DPM-Solver and DPM-Solver++ (Lu et al. 2022), multistep, of order 1 to 3, with the midpoint or
 * Heun second-order form, the SDE variant, lower-order final steps and Karras, exponential or
 * lambda-uniform sigmas: diffusers' {@code DPMSolverMultistepScheduler}, the default method.
 */
public final class DpmSolverMultistepScheduler implements Scheduler {

  static final String METHOD = "DPMSolverMultistepScheduler";
  static final String DEFAULTS =
      """
      {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
       "beta_schedule": "linear", "trained_betas": null, "solver_order": 2,
       "prediction_type": "epsilon", "thresholding": false, "dynamic_thresholding_ratio": 0.995,
       "sample_max_value": 1.0, "algorithm_type": "dpmsolver++", "solver_type": "midpoint",
       "lower_order_final": true, "euler_at_final": false, "use_karras_sigmas": false,
       "use_exponential_sigmas": false, "use_beta_sigmas": false, "use_lu_lambdas": false,
       "use_flow_sigmas": false, "flow_shift": 1.0, "final_sigmas_type": "zero",
       "lambda_min_clipped": null, "variance_type": null, "timestep_spacing": "linspace",
       "steps_offset": 0, "rescale_betas_zero_snr": false, "use_dynamic_shifting": false,
       "time_shift_type": "exponential"}
      """;

  private final TrainingSchedule training;
  private final int order;
  private final Prediction prediction;
  private final Algorithm algorithm;
  private final boolean heun;
  private final boolean lowerOrderFinal;
  private final boolean eulerAtFinal;
  private final SigmaSpacing sigmaSpacing;
  private final boolean finalSigmaZero;
  private final double lambdaMinClipped;
  private final String spacing;
  private final int stepsOffset;
  private final boolean roundTimesteps;

  DpmSolverMultistepScheduler(JsonNode modelConfig, JsonNode args) {
    SchedulerConfig config = SchedulerConfig.resolve(METHOD, DEFAULTS, modelConfig, args);
    training = TrainingSchedule.of(config, true);
    order = config.integer("solver_order", 1, 3);
    prediction = Prediction.read(config, List.of("epsilon", "v_prediction", "sample"));
    config.requireDefault("thresholding", false);
    config.requireDefault("use_beta_sigmas", false);
    config.requireDefault("use_flow_sigmas", false);
    config.requireDefault("use_dynamic_shifting", false);
    config.requireDefault("variance_type", null);
    algorithm = Algorithm.read(config);
    heun = config.choice("solver_type", List.of("midpoint", "heun")).equals("heun");
    lowerOrderFinal = config.bool("lower_order_final");
    eulerAtFinal = config.bool("euler_at_final");
    boolean karras = config.bool("use_karras_sigmas");
    boolean exponential = config.bool("use_exponential_sigmas");
    boolean lu = config.bool("use_lu_lambdas");
    if (karras && exponential) {
      throw config.problem("only one of use_karras_sigmas and use_exponential_sigmas can be true");
    }
    // diffusers' precedence when several are set: Karras, then lambda-uniform, then exponential
    sigmaSpacing =
        karras
            ? SigmaSpacing.KARRAS
            : lu
                ? SigmaSpacing.LAMBDA_UNIFORM
                : exponential ? SigmaSpacing.EXPONENTIAL : SigmaSpacing.INTERPOLATED;
    finalSigmaZero =
        config.choice("final_sigmas_type", List.of("zero", "sigma_min")).equals("zero");
    if (finalSigmaZero && !algorithm.predictsData) {
      throw config.problem(
          "final_sigmas_type zero needs algorithm_type dpmsolver++ or sde-dpmsolver++; use sigma_min");
    }
    if (order == 3 && algorithm == Algorithm.SDE_DPMSOLVER) {
      throw config.problem("solver_order 3 is not defined for algorithm_type sde-dpmsolver");
    }
    double clipped = config.optionalNumber("lambda_min_clipped");
    lambdaMinClipped = Double.isNaN(clipped) ? Double.NEGATIVE_INFINITY : clipped;
    spacing = config.choice("timestep_spacing", TimestepSpacing.NAMES);
    stepsOffset = config.integer("steps_offset", 0, training.trainSteps());
    roundTimesteps =
        !config
            .choice("beta_schedule", TrainingSchedule.BETA_SCHEDULES)
            .equals("squaredcos_cap_v2");
  }

  /** diffusers' algorithm_type: which DPM-Solver, and whether it adds noise. */
  private enum Algorithm {
    DPMSOLVER_PLUS_PLUS("dpmsolver++", true, false),
    SDE_DPMSOLVER_PLUS_PLUS("sde-dpmsolver++", true, true),
    DPMSOLVER("dpmsolver", false, false),
    SDE_DPMSOLVER("sde-dpmsolver", false, true);

    final String configName;

    /** Works with the predicted clean sample (++) rather than the predicted noise. */
    final boolean predictsData;

    final boolean stochastic;

    Algorithm(String configName, boolean predictsData, boolean stochastic) {
      this.configName = configName;
      this.predictsData = predictsData;
      this.stochastic = stochastic;
    }

    static Algorithm read(SchedulerConfig config) {
      List<String> names = List.of(values()).stream().map(a -> a.configName).toList();
      return values()[names.indexOf(config.choice("algorithm_type", names))];
    }
  }

  /** How the sigmas of the N steps are placed. */
  private enum SigmaSpacing {
    /** At the timesteps, interpolated from the training sigmas. */
    INTERPOLATED,
    /** Karras et al. (2022), rho = 7. */
    KARRAS,
    /** Evenly in log-SNR (Lu et al. 2022, use_lu_lambdas). */
    LAMBDA_UNIFORM,
    /** Evenly in log-sigma. */
    EXPONENTIAL
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public SchedulerRun start(int steps) {
    Schedule schedule = schedule(steps);
    return new SchedulerRun(schedule, new Solver(schedule.sigmas(), steps));
  }

  private Schedule schedule(int steps) {
    int trainSteps = training.trainSteps();
    Steps.check(METHOD, steps, trainSteps);
    float[] trainSigmas = training.sigmas();
    float[] logSigmas = NumPy.logs(trainSigmas);
    int lastTimestep = trainSteps - clippedIndex();
    double[] timesteps = new double[steps];
    switch (spacing) {
      case "linspace" -> {
        double[] values = NumPy.linspace(0, lastTimestep - 1, steps + 1, true);
        for (int i = 0; i < steps; i++) {
          timesteps[i] = NumPy.round(values[steps - i]);
        }
      }
      case "leading" -> {
        int ratio = lastTimestep / (steps + 1);
        for (int i = 0; i < steps; i++) {
          timesteps[i] = (double) (steps - i) * ratio + stepsOffset;
        }
      }
      default -> {
        double[] values = NumPy.arange(lastTimestep, 0, -(double) trainSteps / steps);
        if (values.length != steps) {
          throw new IllegalArgumentException(
              METHOD
                  + ": trailing spacing with lambda_min_clipped gives "
                  + values.length
                  + " timesteps for "
                  + steps
                  + " steps");
        }
        for (int i = 0; i < steps; i++) {
          timesteps[i] = NumPy.round(values[i]) - 1;
        }
      }
    }
    double sigmaMin = trainSigmas[0];
    double sigmaMax = trainSigmas[trainSteps - 1];
    double[] sigmas =
        switch (sigmaSpacing) {
          case INTERPOLATED -> TimestepSpacing.interpolatedSigmas(timesteps, trainSigmas);
          case KARRAS -> NumPy.karras(sigmaMin, sigmaMax, steps);
          case EXPONENTIAL -> NumPy.exponential(sigmaMin, sigmaMax, steps);
          case LAMBDA_UNIFORM -> {
            double[] ramp = NumPy.linspace(0, 1, steps, true);
            double lambdaMax = logSigmas[trainSteps - 1];
            double lambdaMin = logSigmas[0];
            double[] out = new double[steps];
            for (int i = 0; i < steps; i++) {
              out[i] = Math.exp(lambdaMax + ramp[i] * (lambdaMin - lambdaMax));
            }
            yield out;
          }
        };
    if (sigmaSpacing != SigmaSpacing.INTERPOLATED) {
      // the timesteps follow the sigmas; diffusers rounds them except for exponential sigmas and
      // the cosine schedule, and truncates to integers below
      boolean round = roundTimesteps && sigmaSpacing != SigmaSpacing.EXPONENTIAL;
      for (int i = 0; i < steps; i++) {
        double t = NumPy.sigmaToT(sigmas[i], logSigmas);
        timesteps[i] = round ? NumPy.round(t) : t;
      }
    }
    float[] unetTimesteps = new float[steps];
    float[] allSigmas = new float[steps + 1];
    for (int i = 0; i < steps; i++) {
      unetTimesteps[i] = (long) timesteps[i];
      allSigmas[i] = (float) sigmas[i];
    }
    allSigmas[steps] = finalSigmaZero ? 0f : trainSigmas[0];
    return new Schedule(unetTimesteps, allSigmas, 1f);
  }

  /** How many of the smallest-noise training timesteps lambda_min_clipped cuts off. */
  private int clippedIndex() {
    float[] alphasCumprod = training.alphasCumprod;
    int below = 0;
    for (float a : alphasCumprod) {
      float lambda =
          (float) Math.log((float) Math.sqrt(a)) - (float) Math.log((float) Math.sqrt(1f - a));
      if (lambda < lambdaMinClipped) {
        below++;
      }
    }
    return below;
  }

  /** The multistep state of one run: the converted model outputs of the last steps. */
  private final class Solver implements SchedulerRun.Stepper {
    private final float[] sigmas;
    private final int steps;
    private final double[][] history;
    private int lowerOrderCount;

    Solver(float[] sigmas, int steps) {
      this.sigmas = sigmas;
      this.steps = steps;
      this.history = new double[order][];
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
      return sample;
    }

    @Override
    public float[] addNoise(float[] original, float[] noise, int stepIndex) {
      return AddNoise.byDpmSigma(original, noise, sigmas[stepIndex]);
    }

    @Override
    public float[] step(float[] modelOutput, int i, float[] sample, NoiseSource noise) {
      boolean finalLower =
          i == steps - 1 && (eulerAtFinal || (lowerOrderFinal && steps < 15) || finalSigmaZero);
      boolean secondLower = i == steps - 2 && lowerOrderFinal && steps < 15;
      double[] converted = convert(modelOutput, sample, sigmas[i]);
      System.arraycopy(history, 1, history, 0, order - 1);
      history[order - 1] = converted;
      float[] fresh = algorithm.stochastic ? noise.next(sample.length) : null;
      int stepOrder;
      if (order == 1 || lowerOrderCount < 1 || finalLower) {
        stepOrder = 1;
      } else if (order == 2 || lowerOrderCount < 2 || secondLower) {
        stepOrder = 2;
      } else {
        stepOrder = 3;
      }
      float[] next = update(stepOrder, i, sample, fresh);
      if (lowerOrderCount < order) {
        lowerOrderCount++;
      }
      return next;
    }

    /** The model output as the algorithm works with it: x0 for ++, epsilon otherwise. */
    private double[] convert(float[] output, float[] sample, double sigma) {
      double alpha = 1 / Math.sqrt(sigma * sigma + 1);
      double sigmaT = sigma * alpha;
      double[] out = new double[output.length];
      for (int k = 0; k < out.length; k++) {
        double m = output[k];
        double x = sample[k];
        if (algorithm.predictsData) {
          out[k] =
              switch (prediction) {
                case EPSILON -> (x - sigmaT * m) / alpha;
                case V_PREDICTION -> alpha * x - sigmaT * m;
                case SAMPLE -> m;
              };
        } else {
          out[k] =
              switch (prediction) {
                case EPSILON -> m;
                case V_PREDICTION -> alpha * m + sigmaT * x;
                case SAMPLE -> (x - alpha * m) / sigmaT;
              };
        }
      }
      return out;
    }

    private float[] update(int stepOrder, int i, float[] sample, float[] noise) {
      double sigmaNext = sigmas[i + 1];
      double alphaT = 1 / Math.sqrt(sigmaNext * sigmaNext + 1);
      double sigmaT = sigmaNext * alphaT;
      double lambdaT = Math.log(alphaT) - Math.log(sigmaT);
      double[] lambda = new double[stepOrder];
      double[] alphaS = new double[stepOrder];
      double[] sigmaS = new double[stepOrder];
      for (int j = 0; j < stepOrder; j++) {
        double sigma = sigmas[i - j];
        alphaS[j] = 1 / Math.sqrt(sigma * sigma + 1);
        sigmaS[j] = sigma * alphaS[j];
        lambda[j] = Math.log(alphaS[j]) - Math.log(sigmaS[j]);
      }
      double h = lambdaT - lambda[0];
      double[] m0 = history[order - 1];
      double[] d1 = null;
      double[] d2 = null;
      if (stepOrder >= 2) {
        double r0 = (lambda[0] - lambda[1]) / h;
        double[] m1 = history[order - 2];
        d1 = new double[m0.length];
        for (int k = 0; k < m0.length; k++) {
          d1[k] = (1.0 / r0) * (m0[k] - m1[k]);
        }
        if (stepOrder == 3) {
          double r1 = (lambda[1] - lambda[2]) / h;
          double[] m2 = history[order - 3];
          d2 = new double[m0.length];
          for (int k = 0; k < m0.length; k++) {
            double d10 = d1[k];
            double d11 = (1.0 / r1) * (m1[k] - m2[k]);
            d1[k] = d10 + (r0 / (r0 + r1)) * (d10 - d11);
            d2[k] = (1.0 / (r0 + r1)) * (d10 - d11);
          }
        }
      }
      double expMinusH = Math.exp(-h);
      double expH = Math.exp(h);
      float[] next = new float[sample.length];
      for (int k = 0; k < next.length; k++) {
        double x = sample[k];
        double d0 = m0[k];
        double v =
            switch (algorithm) {
              case DPMSOLVER_PLUS_PLUS -> {
                double r = (sigmaT / sigmaS[0]) * x - (alphaT * (expMinusH - 1.0)) * d0;
                if (stepOrder == 2) {
                  r +=
                      heun
                          ? (alphaT * ((expMinusH - 1.0) / h + 1.0)) * d1[k]
                          : -0.5 * (alphaT * (expMinusH - 1.0)) * d1[k];
                } else if (stepOrder == 3) {
                  r +=
                      (alphaT * ((expMinusH - 1.0) / h + 1.0)) * d1[k]
                          - (alphaT * ((expMinusH - 1.0 + h) / (h * h) - 0.5)) * d2[k];
                }
                yield r;
              }
              case DPMSOLVER -> {
                double r = (alphaT / alphaS[0]) * x - (sigmaT * (expH - 1.0)) * d0;
                if (stepOrder == 2) {
                  r -=
                      heun
                          ? (sigmaT * ((expH - 1.0) / h - 1.0)) * d1[k]
                          : 0.5 * (sigmaT * (expH - 1.0)) * d1[k];
                } else if (stepOrder == 3) {
                  r -=
                      (sigmaT * ((expH - 1.0) / h - 1.0)) * d1[k]
                          + (sigmaT * ((expH - 1.0 - h) / (h * h) - 0.5)) * d2[k];
                }
                yield r;
              }
              case SDE_DPMSOLVER_PLUS_PLUS -> {
                double expMinus2H = Math.exp(-2.0 * h);
                double r =
                    (sigmaT / sigmaS[0] * expMinusH) * x
                        + (alphaT * (1 - expMinus2H)) * d0
                        + sigmaT * Math.sqrt(1.0 - expMinus2H) * noise[k];
                if (stepOrder == 2) {
                  r +=
                      heun
                          ? (alphaT * ((1.0 - expMinus2H) / (-2.0 * h) + 1.0)) * d1[k]
                          : 0.5 * (alphaT * (1 - expMinus2H)) * d1[k];
                } else if (stepOrder == 3) {
                  r +=
                      (alphaT * ((1.0 - expMinus2H) / (-2.0 * h) + 1.0)) * d1[k]
                          + (alphaT
                                  * ((1.0 - expMinus2H - 2.0 * h) / ((2.0 * h) * (2.0 * h)) - 0.5))
                              * d2[k];
                }
                yield r;
              }
              case SDE_DPMSOLVER -> {
                double r =
                    (alphaT / alphaS[0]) * x
                        - 2.0 * (sigmaT * (expH - 1.0)) * d0
                        + sigmaT * Math.sqrt(Math.exp(2 * h) - 1.0) * noise[k];
                if (stepOrder == 2) {
                  r -=
                      heun
                          ? 2.0 * (sigmaT * ((expH - 1.0) / h - 1.0)) * d1[k]
                          : (sigmaT * (expH - 1.0)) * d1[k];
                }
                yield r;
              }
            };
        next[k] = (float) v;
      }
      return next;
    }
  }
}
