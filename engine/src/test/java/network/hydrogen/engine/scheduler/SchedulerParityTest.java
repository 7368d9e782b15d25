package network.hydrogen.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole denoising loops against diffusers (tools/scheduler_reference.py): the same config, latent,
 * fake model and noise draws must give the same schedule and samples.
 */
class SchedulerParityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SD15_CONFIG =
      Path.of("src/test/resources/engine-reference/sd15/model/scheduler/scheduler_config.json");
  private static final Path RUNS = Path.of("src/test/resources/scheduler-reference/runs.json");
  private static final Path GOLDEN =
      Path.of("src/test/resources/engine-reference/sd15/golden/index.json");

  static Stream<Arguments> referenceRuns() throws IOException {
    JsonNode reference = JSON.readTree(RUNS.toFile());
    List<Arguments> runs = new ArrayList<>();
    for (JsonNode run : reference.get("runs")) {
      runs.add(
          Arguments.of(
              run.get("method").asText() + " " + run.get("args") + " " + run.get("steps"),
              run,
              floats(reference.get("latent"))));
    }
    return runs.stream();
  }

  static Stream<Arguments> goldenRuns() throws IOException {
    List<Arguments> runs = new ArrayList<>();
    for (JsonNode run : JSON.readTree(GOLDEN.toFile()).get("txt2img")) {
      runs.add(Arguments.of(run.get("scheduler").asText() + " " + run.get("args"), run));
    }
    return runs.stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("goldenRuns")
  void goldenTimestepsAndSigmasMatchDiffusers(String name, JsonNode run) throws IOException {
    Scheduler scheduler =
        Schedulers.create(
            run.get("scheduler").asText(), JSON.readTree(SD15_CONFIG.toFile()), run.get("args"));
    Schedule schedule = scheduler.start(run.get("steps").asInt()).schedule();
    assertThat(schedule.timesteps()).containsExactly(floats(run.get("timesteps")));
    if (run.get("sigmas").isNull()) {
      assertThat(schedule.sigmas()).isEmpty();
    } else {
      assertClose(schedule.sigmas(), floats(run.get("sigmas")), 1e-6, 0);
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("referenceRuns")
  void denoisingLoopMatchesDiffusers(String name, JsonNode run, float[] latent) throws IOException {
    Scheduler scheduler =
        Schedulers.create(
            run.get("method").asText(), JSON.readTree(SD15_CONFIG.toFile()), run.get("args"));
    SchedulerRun sampling = scheduler.start(run.get("steps").asInt());
    Schedule schedule = sampling.schedule();

    float[] expectedTimesteps = floats(run.get("timesteps"));
    if (isWhole(expectedTimesteps)) {
      assertThat(schedule.timesteps()).containsExactly(expectedTimesteps);
    } else {
      // fractional timesteps come through float32 logs; numpy's may differ in the last bit
      assertClose(schedule.timesteps(), expectedTimesteps, 1e-5, 1e-5);
    }
    if (run.get("sigmas").isNull()) {
      assertThat(schedule.sigmas()).isEmpty();
    } else {
      assertClose(schedule.sigmas(), floats(run.get("sigmas")), 1e-6, 0);
    }
    assertThat((double) schedule.initNoiseSigma())
        .isCloseTo(run.get("init_noise_sigma").asDouble(), withinPercentage(1e-4));

    List<float[]> draws = new ArrayList<>();
    run.get("step_noise").forEach(n -> draws.add(floats(n)));
    ReplayedNoise noise = new ReplayedNoise(draws);
    float[] sample = new float[latent.length];
    for (int k = 0; k < sample.length; k++) {
      sample[k] = latent[k] * schedule.initNoiseSigma();
    }
    for (int i = 0; i < schedule.steps(); i++) {
      float[] input = sampling.scaleModelInput(sample, i);
      sample = sampling.step(fakeModel(input, schedule.timesteps()[i]), i, sample, noise);
      if (i == 0) {
        assertClose(sample, floats(run.get("first_sample")), 1e-5, 1e-5);
      }
    }
    assertThat(noise.used).as("noise draws used").isEqualTo(draws.size());
    assertClose(sample, floats(run.get("final_sample")), 1e-5, 1e-5);
  }

  @Test
  void coversEveryMethod() throws IOException {
    List<String> methods = new ArrayList<>();
    JSON.readTree(RUNS.toFile()).get("runs").forEach(r -> methods.add(r.get("method").asText()));
    assertThat(methods).containsAll(Schedulers.METHODS);
  }

  /** The reference's stand-in for a UNet: 0.5 * input + 0.1 * sin(t / 100), in float32. */
  static float[] fakeModel(float[] input, float timestep) {
    float offset = (float) (0.1 * Math.sin(timestep / 100.0));
    float[] out = new float[input.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = input[k] * 0.5f + offset;
    }
    return out;
  }

  /** Hands out the reference's noise draws in order and counts them. */
  static final class ReplayedNoise implements NoiseSource {
    private final List<float[]> draws;
    int used;

    ReplayedNoise(List<float[]> draws) {
      this.draws = draws;
    }

    @Override
    public float[] next(int count) {
      assertThat(used).as("more noise draws than the reference made").isLessThan(draws.size());
      float[] draw = draws.get(used++);
      assertThat(draw).hasSize(count);
      return draw.clone();
    }
  }

  /** Each |actual - expected| <= relative * |expected| + absolute. */
  static void assertClose(float[] actual, float[] expected, double relative, double absolute) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      double tolerance = relative * Math.abs(expected[i]) + absolute;
      assertThat((double) actual[i])
          .as("value %d of %d (expected %s)", i, actual.length, expected[i])
          .isCloseTo(expected[i], offset(tolerance));
    }
  }

  private static boolean isWhole(float[] values) {
    for (float v : values) {
      if (v != Math.rint(v)) {
        return false;
      }
    }
    return true;
  }

  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) array.get(i).asDouble();
    }
    return out;
  }
}
