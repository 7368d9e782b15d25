package network.hydrogen.engine.scheduler;

/**
 * One denoising run: the schedule and the stepper, whose state (step counter, earlier model outputs
 * of multistep methods) belongs to this run alone. Call, for each step index i from 0 in order:
 * {@code in = scaleModelInput(x, i)}, the model on {@code in} at {@code schedule().timesteps()[i]},
 * then {@code x = step(output, i, x, noise)}. Latents are flat float arrays of any shape (NCHW).
 * Not thread-safe.
 */
public final class SchedulerRun {

  /** The per-method math of one run. */
  interface Stepper {
    float[] scaleModelInput(float[] sample, int stepIndex);

    float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise);

    float[] addNoise(float[] original, float[] noise, int stepIndex);
  }

  private final Schedule schedule;
  private final Stepper stepper;
  private int nextStep;
  private int begun;

  SchedulerRun(Schedule schedule, Stepper stepper) {
    this.schedule = schedule;
    this.stepper = stepper;
  }

  public Schedule schedule() {
    return schedule;
  }

  /**
   * Makes step {@code index} the first this run takes, as diffusers' {@code set_begin_index} does
   * when img2img or a refiner starts part-way into the schedule; call it before any step.
   */
  public void beginAt(int index) {
    checkIndex(index);
    if (nextStep != begun) {
      throw new IllegalStateException("beginAt after step " + (nextStep - 1) + " was taken");
    }
    nextStep = index;
    begun = index;
  }

  /**
   * {@code original} noised with {@code noise} to the noise level of step {@code stepIndex} (the
   * scheduler's {@code add_noise}): the starting latents of img2img.
   */
  public float[] addNoise(float[] original, float[] noise, int stepIndex) {
    checkIndex(stepIndex);
    if (original.length != noise.length) {
      throw new IllegalArgumentException(
          "noise has " + noise.length + " values but the sample has " + original.length);
    }
    return stepper.addNoise(original, noise, stepIndex);
  }

  /** The UNet input for step {@code stepIndex}: the sample scaled as the method needs. */
  public float[] scaleModelInput(float[] sample, int stepIndex) {
    checkIndex(stepIndex);
    return stepper.scaleModelInput(sample, stepIndex);
  }

  /**
   * The sample after step {@code stepIndex}, from the model's output on that step's input. Steps
   * must come in order 0, 1, ..., N-1, each once; {@code noise} is used only by the methods that
   * draw noise.
   */
  public float[] step(float[] modelOutput, int stepIndex, float[] sample, NoiseSource noise) {
    checkIndex(stepIndex);
    if (stepIndex != nextStep) {
      throw new IllegalStateException(
          "step " + stepIndex + " called, but the next step of this run is " + nextStep);
    }
    if (modelOutput.length != sample.length) {
      throw new IllegalArgumentException(
          "model output has " + modelOutput.length + " values but the sample has " + sample.length);
    }
    NoiseSource checkedNoise =
        count -> {
          if (noise == null) {
            throw new IllegalArgumentException(
                "this method draws noise but no noise source was given");
          }
          float[] drawn = noise.next(count);
          if (drawn.length != count) {
            throw new IllegalStateException(
                "noise source gave " + drawn.length + " values for " + count + " requested");
          }
          return drawn;
        };
    float[] next = stepper.step(modelOutput, stepIndex, sample, checkedNoise);
    nextStep++;
    return next;
  }

  private void checkIndex(int stepIndex) {
    if (stepIndex < 0 || stepIndex >= schedule.steps()) {
      throw new IndexOutOfBoundsException(
          "step " + stepIndex + " is outside this run of " + schedule.steps() + " steps");
    }
  }
}
