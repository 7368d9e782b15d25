package network.hydrogen.engine.pipeline;

import java.io.IOException;
import java.util.Arrays;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.VaeEncoder;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.scheduler.SchedulerRun;

/**
 * Image-to-image (and the SDXL refiner on its own): encode the input image with the VAE encoder,
 * sample its latent distribution, noise the latents to the level of the step the strength starts at
 * ({@code add_noise}) and denoise the rest of the schedule with {@link TextToImage}'s loop.
 * Computes what the reference implementation's img2img pipelines compute.
 */
public final class ImageToImage implements AutoCloseable {

  private final TextToImage pipeline;
  private final VaeEncoder vaeEncoder;

  private ImageToImage(TextToImage pipeline, VaeEncoder vaeEncoder) {
    this.pipeline = pipeline;
    this.vaeEncoder = vaeEncoder;
  }

  /** Builds the networks of {@code model} and its VAE encoder and opens their sessions. */
  public static ImageToImage load(StableDiffusionModel model, InferenceOptions options)
      throws IOException {
    return load(model, options, Adapters.NONE);
  }

  /**
   * As {@link #load(StableDiffusionModel, InferenceOptions)} with {@code adapters} applied as
   * {@link TextToImage#load(StableDiffusionModel, InferenceOptions, Adapters)} applies them (on the
   * SDXL refiner: a LoRA to the networks it fits).
   */
  public static ImageToImage load(
      StableDiffusionModel model, InferenceOptions options, Adapters adapters) throws IOException {
    TextToImage pipeline = TextToImage.load(model, options, adapters);
    try {
      return new ImageToImage(
          pipeline, VaeEncoder.create(model.vae().config(), model.vae().weights(), options));
    } catch (IOException | RuntimeException e) {
      pipeline.close();
      throw e;
    }
  }

  /** The text-to-image pipeline whose networks and loop this uses. */
  public TextToImage pipeline() {
    return pipeline;
  }

  public VaeEncoder vaeEncoder() {
    return vaeEncoder;
  }

  /**
   * The steps an img2img run of {@code steps} takes at {@code strength}: {@code min(int(steps ·
   * strength), steps)}, the last ones of the schedule.
   *
   * @throws IllegalArgumentException when strength is outside (0, 1] or leaves no step
   */
  static int stepsAt(int steps, double strength) {
    if (!(strength > 0 && strength <= 1)) {
      throw new IllegalArgumentException("strength must lie in (0, 1], was " + strength);
    }
    int taken = Math.min((int) (steps * strength), steps);
    if (taken == 0) {
      throw new IllegalArgumentException(
          "strength " + strength + " of " + steps + " steps leaves no step to run");
    }
    return taken;
  }

  /**
   * Generates from {@code image} ([numImages or 1, 3, height, width] in [0, 1], the request's size;
   * one image is used for the whole batch). Image i's draws come from {@code noise}: its initial
   * draw samples the latent distribution, its step source gives next the noise added at the first
   * step, then the schedulers' in-step noise, as the reference pipeline draws from one generator.
   */
  public GeneratedImages generate(
      GenerationRequest request,
      FloatTensor image,
      double strength,
      AestheticScore aesthetic,
      BatchNoise noise,
      GenerationListener listener) {
    int taken = stepsAt(request.steps(), strength);
    int images = request.numImages();
    if (image.rank() != 4
        || image.dim(1) != 3
        || image.dim(2) != request.height()
        || image.dim(3) != request.width()
        || (image.dim(0) != 1 && image.dim(0) != images)) {
      throw new IllegalArgumentException(
          "the input image must be [1 or "
              + images
              + ", 3, "
              + request.height()
              + ", "
              + request.width()
              + "], was "
              + Arrays.toString(image.shape()));
    }
    long start = System.nanoTime();
    TextToImage.Conditioning conditioning =
        pipeline.condition(
            request, aesthetic == null ? AestheticScore.DEFAULT : aesthetic, listener);
    long encoded = System.nanoTime();
    SchedulerRun[] runs = pipeline.start(request);
    int begin = request.steps() - taken;
    float scale = (float) pipeline.model().vae().config().scalingFactor();
    int pixels = 3 * request.height() * request.width();
    float[][] latents = new float[images][];
    for (int i = 0; i < images; i++) {
      int offset = image.dim(0) == 1 ? 0 : i * pixels;
      float[] input = new float[pixels];
      for (int j = 0; j < pixels; j++) {
        input[j] = 2 * image.values()[offset + j] - 1;
      }
      VaeEncoder.LatentDistribution posterior =
          vaeEncoder.encode(
              new FloatTensor(new long[] {1, 3, request.height(), request.width()}, input));
      float[] mean = posterior.mean().values();
      float[] std = posterior.std().values();
      float[] eps = noise.initial(i, mean.length);
      float[] imageLatents = new float[mean.length];
      for (int j = 0; j < mean.length; j++) {
        imageLatents[j] = scale * (mean[j] + std[j] * eps[j]);
      }
      float[] added = noise.steps(i).next(mean.length);
      latents[i] = runs[i].addNoise(imageLatents, added, begin);
      if (i == 0) {
        listener.onTensor("image_latents", new FloatTensor(posterior.mean().shape(), imageLatents));
        listener.onTensor("noised_latents", new FloatTensor(posterior.mean().shape(), latents[i]));
      }
    }
    TextToImage.Denoised denoised =
        pipeline.denoise(
            request, conditioning, runs, latents, begin, request.steps(), null, noise, listener);
    long end = System.nanoTime();
    return pipeline.decode(
        request,
        denoised.latents(),
        listener,
        vaeNanos ->
            new GenerationTimings(
                encoded - start, denoised.unetNanos(), end - encoded, vaeNanos, taken));
  }

  @Override
  public void close() {
    vaeEncoder.close();
    pipeline.close();
  }
}
