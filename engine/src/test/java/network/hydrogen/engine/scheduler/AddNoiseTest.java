package network.hydrogen.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The schedulers' {@code add_noise} and starting a run part-way ({@code set_begin_index}). */
class AddNoiseTest {

  private static final float[] SAMPLE = {0.5f, -1f, 2f};
  private static final float[] NOISE = {1f, 0.25f, -0.5f};
  private static JsonNode config;

  @BeforeAll
  static void readConfig() throws IOException {
    config =
        new ObjectMapper()
            .readTree(
                Path.of(
                        "src/test/resources/engine-reference/sdxl-refiner/model/scheduler/"
                            + "scheduler_config.json")
                    .toFile());
  }

  private static SchedulerRun run(String method) {
    return Schedulers.create(method, config, null).start(10);
  }

  @Test
  void eulerAddsNoiseScaledByTheStepsSigma() {
    SchedulerRun run = run("EulerDiscreteScheduler");
    float sigma = run.schedule().sigmas()[7];

    float[] noised = run.addNoise(SAMPLE, NOISE, 7);

    for (int k = 0; k < SAMPLE.length; k++) {
      assertThat(noised[k]).isEqualTo(SAMPLE[k] + NOISE[k] * sigma);
    }
  }

  @Test
  void ddimMixesByTheCumulativeAlphaOfTheStepsTimestep() {
    SchedulerRun run = run("DDIMScheduler");
    int t = (int) run.schedule().timesteps()[7];
    // scaled_linear betas 0.00085..0.012 over 1000 steps
    double alphaCumprod = 1;
    for (int i = 0; i <= t; i++) {
      double sqrtBeta = Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * i / 999;
      alphaCumprod *= 1 - sqrtBeta * sqrtBeta;
    }

    float[] noised = run.addNoise(SAMPLE, NOISE, 7);

    for (int k = 0; k < SAMPLE.length; k++) {
      double expected =
          Math.sqrt(alphaCumprod) * SAMPLE[k] + Math.sqrt(1 - alphaCumprod) * NOISE[k];
      assertThat((double) noised[k]).isCloseTo(expected, within(1e-5));
    }
  }

  @Test
  void dpmSolverScalesTheSampleDownAsItAddsNoise() {
    SchedulerRun run = run("DPMSolverMultistepScheduler");
    float sigma = run.schedule().sigmas()[3];
    double alpha = 1 / Math.sqrt(sigma * sigma + 1);

    float[] noised = run.addNoise(SAMPLE, NOISE, 3);

    for (int k = 0; k < SAMPLE.length; k++) {
      assertThat((double) noised[k])
          .isCloseTo(alpha * SAMPLE[k] + sigma * alpha * NOISE[k], within(1e-5));
    }
  }

  @Test
  void aRunBegunLaterStepsFromThere() {
    SchedulerRun run = run("EulerDiscreteScheduler");
    float[] model = new float[SAMPLE.length];

    run.beginAt(8);

    assertThatThrownBy(() -> run.step(model, 0, SAMPLE, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the next step of this run is 8");
    float[] next = run.step(model, 8, SAMPLE, null);
    assertThat(next).hasSize(SAMPLE.length);
    assertThatThrownBy(() -> run.beginAt(9))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("beginAt after step 8 was taken");
    assertThatThrownBy(() -> run.beginAt(10)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> run.addNoise(SAMPLE, new float[2], 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise has 2 values but the sample has 3");
  }
}
