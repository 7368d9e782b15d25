package network.hydrogen.engine.pipeline;

import java.util.function.DoublePredicate;
import java.util.stream.IntStream;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.scheduler.SchedulerRun;
import network.hydrogen.task.TaskArgs;

/**
 * SDXL's ensemble of experts: the base model denoises the high-noise part of the schedule, down to
 * the cutoff timestep set by the split fraction ({@code denoising_end}), and hands its latents to
 * the refiner, which runs the rest of its own schedule from them ({@code denoising_start}) and
 * decodes the image. Computes what the reference implementation's two pipelines compute.
 */
public final class Refiner {

  private Refiner() {}

  /**
   * How the two models share the work.
   *
   * @param split the fraction of the denoising the base model does, in (0, 1) (the task's {@code
   *     denoising_cutoff} / 100)
   * @param refinerSteps the refiner's schedule length; it runs the steps of that schedule below the
   *     cutoff
   * @param aesthetic the refiner's aesthetic conditioning
   */
  public record Handover(double split, int refinerSteps, AestheticScore aesthetic) {
    public Handover {
      if (!(split > 0 && split < 1)) {
        throw new IllegalArgumentException(
            "the split (denoising cutoff) must lie strictly between 0 and 1, was " + split);
      }
      if (refinerSteps < 1) {
        throw new IllegalArgumentException(
            "the refiner needs at least 1 step, was " + refinerSteps);
      }
      aesthetic = aesthetic == null ? AestheticScore.DEFAULT : aesthetic;
    }

    /**
     * The handover a task's {@code refiner} asks for: {@code denoising_cutoff} percent of the
     * denoising by the base, the refiner's {@code steps}, default aesthetic scores.
     *
     * @throws UnsupportedTaskException when the cutoff leaves the refiner nothing (100 percent)
     */
    public static Handover fromTask(TaskArgs.Refiner refiner) {
      int cutoff = refiner.denoisingCutoff();
      if (cutoff <= 0 || cutoff >= 100) {
        throw new UnsupportedTaskException(
            "refiner.denoising_cutoff must leave both models some denoising (1 to 99 percent),"
                + " was "
                + cutoff);
      }
      return new Handover(cutoff / 100.0, refiner.steps(), AestheticScore.DEFAULT);
    }
  }

  /**
   * The timestep dividing the work: {@code round(trainSteps − split · trainSteps)}; the base keeps
   * the timesteps at or above it, the refiner those below.
   */
  static int cutoffTimestep(double split, int trainSteps) {
    return (int) Math.rint(trainSteps - split * trainSteps);
  }

  /**
   * Generates with {@code base} down to the cutoff and {@code refiner} from there, both guided by
   * the request's prompts; {@code noise} gives the base's initial noise and in-step draws (the
   * refiner's in-step draws come after them). The listener sees the steps of both counted as one
   * run, the base's tensors, {@code handover_latents}, the refiner's tensors named {@code
   * refiner.*}, then the final latents and images.
   *
   * @throws IllegalArgumentException when the split leaves either model no step
   */
  public static GeneratedImages ensemble(
      TextToImage base,
      TextToImage refiner,
      GenerationRequest request,
      Handover handover,
      BatchNoise noise,
      GenerationListener listener) {
    return ensemble(base, refiner, request, handover, null, noise, listener);
  }

  /**
   * As {@link #ensemble(TextToImage, TextToImage, GenerationRequest, Handover, BatchNoise,
   * GenerationListener)} with the base loaded with a ControlNet: {@code control} conditions the
   * base's steps (the refiner has no ControlNet; it finishes the controlled composition).
   */
  public static GeneratedImages ensemble(
      TextToImage base,
      TextToImage refiner,
      GenerationRequest request,
      Handover handover,
      ControlNetInput control,
      BatchNoise noise,
      GenerationListener listener) {
    if (!refiner.model().isRefiner()) {
      throw new IllegalArgumentException(
          refiner.model().source() + " is no SDXL refiner (it has a first text encoder)");
    }
    base.requireControlFits(control);
    SchedulerRun[] baseRuns = base.start(request);
    int cutoff = cutoffTimestep(handover.split(), trainSteps(base));
    int baseSteps = (int) count(baseRuns[0].schedule().timesteps(), t -> t >= cutoff);
    if (baseSteps == 0) {
      throw new IllegalArgumentException(
          "a split of "
              + handover.split()
              + " leaves the base model no step (cutoff "
              + cutoff
              + ")");
    }
    GenerationRequest refinerRequest = withSteps(request, handover.refinerSteps());
    SchedulerRun[] refinerRuns = refiner.start(refinerRequest);
    float[] refinerTimesteps = refinerRuns[0].schedule().timesteps();
    int refinerSteps = (int) count(refinerTimesteps, t -> t < cutoff);
    if (refinerSteps == 0) {
      throw new IllegalArgumentException(
          "a split of " + handover.split() + " leaves the refiner no step (cutoff " + cutoff + ")");
    }
    int total = baseSteps + refinerSteps;
    GenerationListener baseListener =
        new GenerationListener() {
          @Override
          public void onStep(int completed, int steps) {
            listener.onStep(completed, total);
          }

          @Override
          public void onTensor(String name, FloatTensor tensor) {
            listener.onTensor(name, tensor);
          }
        };
    GenerationListener refinerListener =
        new GenerationListener() {
          @Override
          public void onStep(int completed, int steps) {
            listener.onStep(baseSteps + completed, total);
          }

          @Override
          public void onTensor(String name, FloatTensor tensor) {
            listener.onTensor("refiner." + name, tensor);
          }
        };
    long start = System.nanoTime();
    TextToImage.Conditioning baseConditioning =
        base.condition(request, AestheticScore.DEFAULT, baseListener);
    long encoded = System.nanoTime();
    float[][] initial = base.initialLatents(request, baseRuns, noise);
    TextToImage.Denoised first =
        base.denoise(
            request,
            baseConditioning,
            baseRuns,
            initial,
            0,
            baseSteps,
            control,
            noise,
            baseListener);
    listener.onTensor("handover_latents", batch(first.latents(), request, base));

    long refinerStart = System.nanoTime();
    TextToImage.Conditioning refinerConditioning =
        refiner.condition(refinerRequest, handover.aesthetic(), refinerListener);
    long refinerEncoded = System.nanoTime();
    int begin = refinerTimesteps.length - refinerSteps;
    TextToImage.Denoised second =
        refiner.denoise(
            refinerRequest,
            refinerConditioning,
            refinerRuns,
            first.latents(),
            begin,
            refinerTimesteps.length,
            null,
            noise,
            refinerListener);
    long end = System.nanoTime();
    long textNanos = (encoded - start) + (refinerEncoded - refinerStart);
    return refiner.decode(
        request,
        second.latents(),
        listener,
        vaeNanos ->
            new GenerationTimings(
                textNanos,
                first.unetNanos() + second.unetNanos(),
                end - start - textNanos,
                vaeNanos,
                total));
  }

  private static int trainSteps(TextToImage pipeline) {
    return pipeline.model().schedulerConfig().path("num_train_timesteps").asInt(1000);
  }

  private static long count(float[] timesteps, DoublePredicate keep) {
    return IntStream.range(0, timesteps.length).filter(i -> keep.test(timesteps[i])).count();
  }

  private static GenerationRequest withSteps(GenerationRequest request, int steps) {
    return new GenerationRequest(
        request.prompt(),
        request.negativePrompt(),
        request.width(),
        request.height(),
        steps,
        request.cfg(),
        request.seed(),
        request.numImages(),
        request.scheduler(),
        request.schedulerArgs(),
        request.sdxl());
  }

  /** The images' latents as one [batch, channels, h, w] tensor. */
  private static FloatTensor batch(
      float[][] latents, GenerationRequest request, TextToImage pipeline) {
    int perImage = latents[0].length;
    float[] all = new float[latents.length * perImage];
    for (int i = 0; i < latents.length; i++) {
      System.arraycopy(latents[i], 0, all, i * perImage, perImage);
    }
    int scale = pipeline.vaeScale();
    long channels = pipeline.model().unet().config().inChannels();
    return new FloatTensor(
        new long[] {latents.length, channels, request.height() / scale, request.width() / scale},
        all);
  }
}
