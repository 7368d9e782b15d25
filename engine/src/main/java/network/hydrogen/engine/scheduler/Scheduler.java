package network.hydrogen.engine.scheduler;

/**
 * A diffusion sampling method with its configuration resolved: the math of one of diffusers'
 * schedulers. Immutable and thread-safe; each image is denoised by its own {@link SchedulerRun}.
 * Create one with {@link Schedulers#create}.
 */
public sealed interface Scheduler
    permits DpmSolverMultistepScheduler,
        EulerDiscreteScheduler,
        EulerAncestralDiscreteScheduler,
        DdimScheduler,
        LcmScheduler {

  /** The diffusers class name of this method, e.g. {@code DPMSolverMultistepScheduler}. */
  String method();

  /**
   * Starts denoising over {@code steps} steps: the schedule (timesteps, sigmas, initial noise
   * scale) and the stateful stepper.
   *
   * @throws IllegalArgumentException when this method cannot take that many steps
   */
  SchedulerRun start(int steps);
}
