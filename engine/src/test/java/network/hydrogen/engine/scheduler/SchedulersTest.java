package network.hydrogen.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Configuration resolution, bad input and run bookkeeping of the schedulers. */
class SchedulersTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonNode sd15Config;

  @BeforeAll
  static void readConfig() throws IOException {
    sd15Config =
        JSON.readTree(
            Path.of(
                    "src/test/resources/engine-reference/sd15/model/scheduler/scheduler_config.json")
                .toFile());
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void createsEachMethodAsItsOwnType() {
    assertThat(Schedulers.create("DPMSolverMultistepScheduler", sd15Config, null))
        .isInstanceOf(DpmSolverMultistepScheduler.class);
    assertThat(Schedulers.create("EulerDiscreteScheduler", sd15Config, null))
        .isInstanceOf(EulerDiscreteScheduler.class);
    assertThat(Schedulers.create("EulerAncestralDiscreteScheduler", sd15Config, null))
        .isInstanceOf(EulerAncestralDiscreteScheduler.class);
    assertThat(Schedulers.create("DDIMScheduler", sd15Config, null))
        .isInstanceOf(DdimScheduler.class);
    assertThat(Schedulers.create("LCMScheduler", sd15Config, null).method())
        .isEqualTo("LCMScheduler");
  }

  @Test
  void unknownMethodIsRejectedWithTheChoices() {
    assertThatThrownBy(() -> Schedulers.create("PNDMScheduler", sd15Config, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'PNDMScheduler'")
        .hasMessageContaining("DPMSolverMultistepScheduler");
    assertThatThrownBy(() -> Schedulers.create(null, sd15Config, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void unknownArgIsRejectedButUnknownModelConfigFieldIsIgnored() {
    // the PNDM config carries skip_prk_steps, which no method here knows: ignored like diffusers
    Schedulers.create("EulerAncestralDiscreteScheduler", sd15Config, null);
    assertThatThrownBy(
            () ->
                Schedulers.create(
                    "EulerAncestralDiscreteScheduler",
                    sd15Config,
                    json("{\"use_karras_sigmas\": true}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'use_karras_sigmas'")
        .hasMessageContaining("EulerAncestralDiscreteScheduler")
        .hasMessageContaining("timestep_spacing");
  }

  @Test
  void argsOverrideTheModelConfigWhichOverridesDefaults() {
    // defaults: linspace spacing; the sd15 config says leading; the args say trailing
    assertThat(Schedulers.create("DDIMScheduler", null, null).start(4).schedule().timesteps())
        .containsExactly(750, 500, 250, 0);
    assertThat(Schedulers.create("DDIMScheduler", sd15Config, null).start(4).schedule().timesteps())
        .containsExactly(751, 501, 251, 1);
    assertThat(
            Schedulers.create(
                    "DDIMScheduler", sd15Config, json("{\"timestep_spacing\": \"trailing\"}"))
                .start(4)
                .schedule()
                .timesteps())
        .containsExactly(999, 749, 499, 249);
  }

  @Test
  void useDefaultValuesListDropsThoseFieldsOfTheModelConfig() {
    JsonNode config =
        json(
            "{\"_class_name\": \"EulerDiscreteScheduler\", \"timestep_spacing\": \"leading\","
                + " \"steps_offset\": 1, \"_use_default_values\": [\"timestep_spacing\"]}");
    // timestep_spacing falls back to Euler's default, linspace
    assertThat(
            Schedulers.create("EulerDiscreteScheduler", config, null)
                .start(2)
                .schedule()
                .timesteps())
        .containsExactly(999, 0);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"solver_order\": 4}",
        "{\"solver_order\": \"two\"}",
        "{\"algorithm_type\": \"deis\"}",
        "{\"prediction_type\": \"flow\"}",
        "{\"use_karras_sigmas\": 1}",
        "{\"beta_schedule\": \"cosine\"}",
        "{\"beta_start\": \"small\"}",
        "{\"timestep_spacing\": \"uniform\"}",
        "{\"steps_offset\": -1}",
        "{\"thresholding\": true}",
        "{\"use_beta_sigmas\": true}",
        "{\"variance_type\": \"learned_range\"}",
        "{\"use_karras_sigmas\": true, \"use_exponential_sigmas\": true}",
        "{\"algorithm_type\": \"dpmsolver\"}",
        "{\"algorithm_type\": \"sde-dpmsolver\", \"final_sigmas_type\": \"sigma_min\","
            + " \"solver_order\": 3}",
        "{\"trained_betas\": [0.1, 0.2]}",
      })
  void badDpmSolverSettingsAreRejectedNamingTheSetting(String args) {
    String firstField = json(args).fieldNames().next();
    assertThatThrownBy(
            () -> Schedulers.create("DPMSolverMultistepScheduler", sd15Config, json(args)))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .satisfiesAnyOf(
            m -> assertThat(m).contains(firstField),
            m -> assertThat(m).contains("DPMSolverMultistepScheduler: "));
  }

  @Test
  void argsMustBeAnObject() {
    assertThatThrownBy(() -> Schedulers.create("DDIMScheduler", sd15Config, json("[1, 2]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a JSON object");
  }

  @Test
  void trainedBetasReplaceTheBetaSchedule() {
    StringBuilder betas = new StringBuilder("[");
    for (int i = 0; i < 10; i++) {
      betas.append(i == 0 ? "" : ",").append(0.05 + 0.01 * i);
    }
    JsonNode args = json("{\"num_train_timesteps\": 10, \"trained_betas\": " + betas + "]}");
    Schedule schedule =
        Schedulers.create("EulerDiscreteScheduler", sd15Config, args).start(10).schedule();
    // leading spacing with offset 1 clamps nothing here: timesteps 10..1; sigma at t = 1 is
    // sqrt((1 - a) / a) with a = (1 - 0.05) (1 - 0.06)
    double a = (1 - 0.05f) * (1 - 0.06f);
    assertThat(schedule.timesteps()[9]).isEqualTo(1f);
    assertThat((double) schedule.sigmas()[9]).isCloseTo(Math.sqrt((1 - a) / a), offset(1e-6));
  }

  @Test
  void stepCountIsChecked() {
    Scheduler lcm = Schedulers.create("LCMScheduler", sd15Config, null);
    assertThatThrownBy(() -> lcm.start(51))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("original_inference_steps (50)");
    assertThatThrownBy(() -> Schedulers.create("DDIMScheduler", sd15Config, null).start(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 0");
  }

  @Test
  void stepsMustComeInOrderOnce() {
    SchedulerRun run = Schedulers.create("DPMSolverMultistepScheduler", sd15Config, null).start(3);
    float[] x = {1f, -1f};
    float[] out = {0.1f, 0.2f};
    assertThatThrownBy(() -> run.step(out, 1, x, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("next step of this run is 0");
    run.step(out, 0, x, null);
    assertThatThrownBy(() -> run.step(out, 0, x, null)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> run.step(out, 3, x, null))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> run.step(new float[3], 1, x, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 values");
  }

  @Test
  void ancestralStepWithoutNoiseSourceFailsClearly() {
    SchedulerRun run =
        Schedulers.create("EulerAncestralDiscreteScheduler", sd15Config, null).start(3);
    assertThatThrownBy(() -> run.step(new float[4], 0, new float[4], null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no noise source");
  }

  @Test
  void seededNoiseIsReproducibleAndStandardNormal() {
    float[] a = NoiseSource.seeded(42).next(100_000);
    float[] b = NoiseSource.seeded(42).next(100_000);
    float[] c = NoiseSource.seeded(43).next(100_000);
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(c);
    double mean = 0;
    double square = 0;
    for (float v : a) {
      mean += v;
      square += v * v;
    }
    mean /= a.length;
    assertThat(mean).isBetween(-0.02, 0.02);
    assertThat(square / a.length - mean * mean).isBetween(0.98, 1.02);
  }

  @Test
  void seededAncestralRunsAreReproducible() {
    Scheduler euler = Schedulers.create("EulerAncestralDiscreteScheduler", sd15Config, null);
    assertThat(denoise(euler, 7)).containsExactly(denoise(euler, 7));
    assertThat(denoise(euler, 7)).isNotEqualTo(denoise(euler, 8));
  }

  @Test
  void scheduleCannotBeChangedFromOutside() {
    SchedulerRun run = Schedulers.create("EulerDiscreteScheduler", sd15Config, null).start(4);
    run.schedule().sigmas()[0] = 1000f;
    assertThat(run.schedule().sigmas()[0]).isLessThan(100f);
  }

  @Test
  void ddimFirstStepFollowsTheClosedForm() {
    // x_prev = sqrt(a_prev) * (x - sqrt(1 - a) eps) / sqrt(a) + sqrt(1 - a_prev) * eps
    Scheduler ddim = Schedulers.create("DDIMScheduler", sd15Config, null);
    SchedulerRun run = ddim.start(10);
    float[] x = {0.5f, -2f, 3f};
    float[] eps = {0.1f, -0.3f, 0.7f};
    float[] next = run.step(eps, 0, x, null);
    float[] alphas = TrainingSchedule.of(resolved(sd15Config), false).alphasCumprod;
    double a = alphas[901];
    double aPrev = alphas[801];
    for (int k = 0; k < x.length; k++) {
      double expected =
          Math.sqrt(aPrev) * (x[k] - Math.sqrt(1 - a) * eps[k]) / Math.sqrt(a)
              + Math.sqrt(1 - aPrev) * eps[k];
      assertThat((double) next[k]).isCloseTo(expected, offset(1e-5));
    }
  }

  @Test
  void eulerFirstStepFollowsTheClosedForm() {
    // epsilon model: x0 = x - sigma eps, so x_next = x + eps (sigma_next - sigma)
    SchedulerRun run = Schedulers.create("EulerDiscreteScheduler", sd15Config, null).start(6);
    float[] sigmas = run.schedule().sigmas();
    float[] x = {10f, -4f};
    float[] eps = {1f, 0.5f};
    float[] next = run.step(eps, 0, x, null);
    for (int k = 0; k < x.length; k++) {
      assertThat((double) next[k]).isCloseTo(x[k] + eps[k] * (sigmas[1] - sigmas[0]), offset(1e-5));
    }
  }

  private static SchedulerConfig resolved(JsonNode config) {
    return SchedulerConfig.resolve(DdimScheduler.METHOD, DdimScheduler.DEFAULTS, config, null);
  }

  private static float[] denoise(Scheduler scheduler, long seed) {
    SchedulerRun run = scheduler.start(5);
    NoiseSource noise = NoiseSource.seeded(seed);
    float[] x = noise.next(16);
    for (int i = 0; i < run.schedule().steps(); i++) {
      float[] in = run.scaleModelInput(x, i);
      x = run.step(SchedulerParityTest.fakeModel(in, run.schedule().timesteps()[i]), i, x, noise);
    }
    return x;
  }
}
