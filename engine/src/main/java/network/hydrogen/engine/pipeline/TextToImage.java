package network.hydrogen.engine.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.LongFunction;
import network.hydrogen.engine.embedding.Embeddings;
import network.hydrogen.engine.embedding.TextualInversion;
import network.hydrogen.engine.graph.ControlNet;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.graph.UNet;
import network.hydrogen.engine.graph.VaeDecoder;
import network.hydrogen.engine.lora.Loras;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.VaeConfig;
import network.hydrogen.engine.model.WeightSource;
import network.hydrogen.engine.prompt.PromptConditioning;
import network.hydrogen.engine.scheduler.Scheduler;
import network.hydrogen.engine.scheduler.SchedulerRun;
import network.hydrogen.engine.scheduler.Schedulers;
import network.hydrogen.engine.tokenizer.ClipTokenizer;

/**
 * The Stable Diffusion 1.x/2.x/XL text-to-image pipeline: tokenize and encode the prompts (SDXL:
 * with both text encoders, plus the pooled text and size conditioning), denoise the initial noise
 * with the UNet under the chosen scheduler and classifier-free guidance, decode the latents with
 * the VAE. Computes what the reference implementation's pipeline computes for the same weights and
 * noise.
 */
public final class TextToImage implements AutoCloseable {

  private final StableDiffusionModel model;
  private final ClipTokenizer tokenizer;
  private final TextEncoder textEncoder;
  private final UNet unet;
  private final VaeDecoder vaeDecoder;
  private final SdxlConditioning sdxl;
  private final ControlNet controlNet;
  private final PromptConditioning prompts;
  private final Networks networks;

  private TextToImage(
      Networks networks,
      StableDiffusionModel model,
      ClipTokenizer tokenizer,
      TextEncoder textEncoder,
      UNet unet,
      VaeDecoder vaeDecoder,
      SdxlConditioning sdxl,
      ControlNet controlNet) {
    this.networks = networks;
    this.model = model;
    this.tokenizer = tokenizer;
    this.textEncoder = textEncoder;
    this.unet = unet;
    this.vaeDecoder = vaeDecoder;
    this.sdxl = sdxl;
    this.controlNet = controlNet;
    this.prompts = textEncoder == null ? null : new PromptConditioning(tokenizer, textEncoder);
  }

  /**
   * What the UNet is conditioned on: encoder hidden states, and for SDXL the added conditioning.
   */
  record Conditioning(FloatTensor context, UNet.AddedConditioning added) {}

  /** The latents after a window of denoising steps and the time the UNet took. */
  record Denoised(float[][] latents, long unetNanos) {}

  /** Builds the networks of {@code model} and opens their ONNX Runtime sessions. */
  public static TextToImage load(StableDiffusionModel model, InferenceOptions options)
      throws IOException {
    return load(model, options, Adapters.NONE);
  }

  /**
   * Builds the networks of {@code model} with {@code adapters} applied and opens their sessions.
   * The base weights stay mapped and shared: loading the same model with other adapters re-reads
   * nothing from disk but the adapters.
   */
  public static TextToImage load(
      StableDiffusionModel model, InferenceOptions options, Adapters adapters) throws IOException {
    return load(model, options, adapters, null);
  }

  /**
   * As {@link #load(StableDiffusionModel, InferenceOptions, Adapters)} with the ControlNet {@code
   * controlNetModel} (null for none): its UNet takes the ControlNet's residuals, and every
   * generation then needs a {@link ControlNetInput}.
   *
   * @throws UnsupportedTaskException for a ControlNet whose text width, latent channels, widths or
   *     added conditioning differ from the model's (an SD 1.x ControlNet on SDXL and vice versa)
   */
  public static TextToImage load(
      StableDiffusionModel model,
      InferenceOptions options,
      Adapters adapters,
      ControlNetModel controlNetModel)
      throws IOException {
    return load(model, options, adapters, controlNetModel, Networks.FRESH);
  }

  /**
   * As {@link #load(StableDiffusionModel, InferenceOptions, Adapters, ControlNetModel)}, with the
   * networks' sessions from {@code networks} (a {@link PipelineCache} lease reuses those whose
   * weights are the same); closing the pipeline gives them back to it. On the SDXL refiner a LoRA
   * patches the networks it fits ({@link Loras#applyWhereFits}): a base model's LoRA its {@code
   * text_encoder_2}, which is the base model's OpenCLIP encoder.
   */
  public static TextToImage load(
      StableDiffusionModel model,
      InferenceOptions requested,
      Adapters adapters,
      ControlNetModel controlNetModel,
      Networks networks)
      throws IOException {
    if (controlNetModel != null) {
      ControlNets.requireCompatible(model, controlNetModel);
    }
    StableDiffusionModel patched =
        model.isRefiner()
            ? Loras.applyWhereFits(model, adapters.loras())
            : Loras.apply(model, adapters.loras());
    String slot = model.isRefiner() ? "refiner." : "";
    List<WeightSource> loaded = new ArrayList<>();
    if (!model.isRefiner()) {
      loaded.add(patched.textEncoder().weights());
    }
    if (model.isSdxl()) {
      loaded.add(patched.textEncoder2().weights());
    }
    loaded.add(patched.unet().weights());
    loaded.add(model.vae().weights());
    if (controlNetModel != null) {
      loaded.add(controlNetModel.weights());
    }
    InferenceOptions options =
        requested.withMemory(MemoryBudget.choose(requested.memory(), loaded));
    ClipTokenizer tokenizer = null;
    TextEncoder textEncoder = null;
    TextEncoder textEncoder2 = null;
    UNet unet = null;
    ControlNet controlNet = null;
    try {
      if (!model.isRefiner()) {
        Embeddings embedded =
            Embeddings.add(
                ClipTokenizer.load(model.tokenizer()),
                patched.textEncoder(),
                adapters.embeddings().stream()
                    .map(embedding -> embedding.forFirstEncoder(model.isSdxl()))
                    .toList());
        tokenizer = embedded.tokenizer();
        textEncoder = textEncoder(networks, slot + "text_encoder", embedded, options);
      }
      SdxlConditioning sdxl = null;
      if (model.isSdxl()) {
        Embeddings embedded2 =
            Embeddings.add(
                ClipTokenizer.load(model.tokenizer2()),
                patched.textEncoder2(),
                adapters.embeddings().stream().map(TextualInversion::forSecondEncoder).toList());
        textEncoder2 = textEncoder(networks, slot + "text_encoder_2", embedded2, options);
        sdxl =
            new SdxlConditioning(
                tokenizer,
                textEncoder,
                embedded2.tokenizer(),
                textEncoder2,
                model.forceZerosForEmptyPrompt());
      }
      UNetConfig unetConfig = patched.unet().config();
      WeightSource unetWeights = patched.unet().weights();
      if (controlNetModel == null) {
        unet =
            networks.network(
                slot + "unet",
                "UNet",
                unetConfig,
                unetWeights,
                options,
                () -> UNet.create(unetConfig, unetWeights, options));
      } else {
        unet =
            networks.network(
                slot + "unet",
                "UNet with ControlNet inputs",
                unetConfig,
                unetWeights,
                options,
                () -> UNet.createWithControl(unetConfig, unetWeights, options));
        controlNet =
            networks.network(
                slot + "controlnet",
                "ControlNet",
                controlNetModel.config(),
                controlNetModel.weights(),
                options,
                () ->
                    ControlNet.create(
                        controlNetModel.config(), controlNetModel.weights(), options));
      }
      VaeDecoder vaeDecoder =
          networks.network(
              slot + "vae_decoder",
              "VaeDecoder",
              model.vae().config(),
              model.vae().weights(),
              options,
              () -> VaeDecoder.create(model.vae().config(), model.vae().weights(), options));
      return new TextToImage(
          networks, model, tokenizer, textEncoder, unet, vaeDecoder, sdxl, controlNet);
    } catch (IOException | RuntimeException e) {
      releaseQuietly(networks, textEncoder, e);
      releaseQuietly(networks, textEncoder2, e);
      releaseQuietly(networks, unet, e);
      releaseQuietly(networks, controlNet, e);
      throw e;
    }
  }

  private static TextEncoder textEncoder(
      Networks networks, String slot, Embeddings embedded, InferenceOptions options)
      throws IOException {
    ClipTextConfig config = embedded.textEncoder().config();
    WeightSource weights = embedded.textEncoder().weights();
    return networks.network(
        slot,
        "TextEncoder",
        config,
        weights,
        options,
        () -> TextEncoder.create(config, weights, options));
  }

  private static void releaseQuietly(Networks networks, AutoCloseable network, Exception failure) {
    if (network != null) {
      try {
        networks.release(network);
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
    }
  }

  public StableDiffusionModel model() {
    return model;
  }

  /** The (first) tokenizer; null for the SDXL refiner, which has only {@link #sdxl()}'s. */
  public ClipTokenizer tokenizer() {
    return tokenizer;
  }

  /** The (first) text encoder; null for the SDXL refiner, which has only {@link #sdxl()}'s. */
  public TextEncoder textEncoder() {
    return textEncoder;
  }

  public UNet unet() {
    return unet;
  }

  public VaeDecoder vaeDecoder() {
    return vaeDecoder;
  }

  /** The ControlNet, present when loaded with one. */
  public Optional<ControlNet> controlNet() {
    return Optional.ofNullable(controlNet);
  }

  /** SDXL's text conditioning (both encoders), present for SDXL models only. */
  public Optional<SdxlConditioning> sdxl() {
    return Optional.ofNullable(sdxl);
  }

  /** Generates with noise drawn from the request's seed. */
  public GeneratedImages generate(GenerationRequest request, GenerationListener listener) {
    return generate(request, BatchNoise.seeded(request.seed(), request.numImages()), listener);
  }

  /**
   * Generates with the given noise (parity checks inject the reference's draws).
   *
   * @throws CancellationException when the running thread is interrupted; checked between steps
   */
  public GeneratedImages generate(
      GenerationRequest request, BatchNoise noise, GenerationListener listener) {
    return generate(request, null, noise, listener);
  }

  /** Generates with noise drawn from the request's seed, conditioned on {@code control}. */
  public GeneratedImages generate(
      GenerationRequest request, ControlNetInput control, GenerationListener listener) {
    return generate(
        request, control, BatchNoise.seeded(request.seed(), request.numImages()), listener);
  }

  /**
   * Generates with the given noise, conditioned on {@code control} (required with a ControlNet,
   * refused without): each step runs the ControlNet on the UNet's batch with the control image
   * resized to the request's size, and the UNet with its residuals.
   *
   * @throws CancellationException when the running thread is interrupted; checked between steps
   */
  public GeneratedImages generate(
      GenerationRequest request,
      ControlNetInput control,
      BatchNoise noise,
      GenerationListener listener) {
    requireControlFits(control);
    long start = System.nanoTime();
    Conditioning conditioning = condition(request, AestheticScore.DEFAULT, listener);
    long encoded = System.nanoTime();
    SchedulerRun[] runs = start(request);
    float[][] latents = initialLatents(request, runs, noise);
    Denoised denoised =
        denoise(request, conditioning, runs, latents, 0, request.steps(), control, noise, listener);
    long end = System.nanoTime();
    return decode(
        request,
        denoised.latents(),
        listener,
        vaeNanos ->
            new GenerationTimings(
                encoded - start, denoised.unetNanos(), end - encoded, vaeNanos, request.steps()));
  }

  /** One scheduler run per image of the request, over its steps, with this model's config. */
  SchedulerRun[] start(GenerationRequest request) {
    Scheduler scheduler =
        Schedulers.create(request.scheduler(), model.schedulerConfig(), request.schedulerArgs());
    SchedulerRun[] runs = new SchedulerRun[request.numImages()];
    for (int i = 0; i < runs.length; i++) {
      runs[i] = scheduler.start(request.steps());
    }
    return runs;
  }

  /** The values in one image's latents for the request's size. */
  private int latentValues(GenerationRequest request) {
    return model.unet().config().inChannels()
        * (request.height() / vaeScale())
        * (request.width() / vaeScale());
  }

  /** Text-to-image's starting latents: each image's initial noise times the initial sigma. */
  float[][] initialLatents(GenerationRequest request, SchedulerRun[] runs, BatchNoise noise) {
    int perImage = latentValues(request);
    float[][] latents = new float[runs.length][];
    for (int i = 0; i < runs.length; i++) {
      float sigma = runs[i].schedule().initNoiseSigma();
      latents[i] = noise.initial(i, perImage);
      for (int j = 0; j < perImage; j++) {
        latents[i][j] *= sigma;
      }
    }
    return latents;
  }

  /** The conditioning of the request's UNet batch; {@code aesthetic} applies to refiners only. */
  Conditioning condition(
      GenerationRequest request, AestheticScore aesthetic, GenerationListener listener) {
    try {
      return sdxl == null
          ? new Conditioning(conditioning(request, listener), null)
          : sdxlConditioning(request, aesthetic, listener);
    } finally {
      if (textEncoder != null) {
        textEncoder.unload();
      }
      if (sdxl != null) {
        sdxl.textEncoder2().unload();
      }
    }
  }

  /** Refuses a control image without a ControlNet, and a ControlNet without one. */
  void requireControlFits(ControlNetInput control) {
    if ((controlNet == null) != (control == null)) {
      throw new IllegalArgumentException(
          controlNet == null
              ? "this pipeline has no ControlNet; load it with one to use a control image"
              : "this pipeline has a ControlNet and needs a control image (ControlNetInput)");
    }
  }

  /**
   * THE denoising loop: steps {@code begin} (inclusive) to {@code end} (exclusive) of the runs'
   * schedule from {@code latents}, one guided UNet batch per step. Runs must not have stepped yet;
   * a later begin starts them there ({@link SchedulerRun#beginAt}).
   *
   * @throws CancellationException when the running thread is interrupted; checked between steps
   */
  Denoised denoise(
      GenerationRequest request,
      Conditioning conditioning,
      SchedulerRun[] runs,
      float[][] latents,
      int begin,
      int end,
      ControlNetInput control,
      BatchNoise noise,
      GenerationListener listener) {
    int images = request.numImages();
    int channels = model.unet().config().inChannels();
    int latentHeight = request.height() / vaeScale();
    int latentWidth = request.width() / vaeScale();
    int perImage = channels * latentHeight * latentWidth;
    long unetNanos = 0;
    if (begin > 0) {
      for (SchedulerRun run : runs) {
        run.beginAt(begin);
      }
    }
    latents = latents.clone();
    float[] timesteps = runs[0].schedule().timesteps();
    int passes = request.guided() ? 2 : 1;
    FloatTensor controlImage =
        control == null
            ? null
            : ControlNets.controlTensor(control, request, passes * images, controlNet.config());
    for (int step = begin; step < end; step++) {
      if (Thread.currentThread().isInterrupted()) {
        throw new CancellationException("generation cancelled before step " + (step + 1));
      }
      float[] input = new float[passes * images * perImage];
      for (int i = 0; i < images; i++) {
        float[] scaled = runs[i].scaleModelInput(latents[i], step);
        for (int pass = 0; pass < passes; pass++) {
          System.arraycopy(scaled, 0, input, (pass * images + i) * perImage, perImage);
        }
      }
      float[] stepTimesteps = new float[passes * images];
      Arrays.fill(stepTimesteps, timesteps[step]);
      long unetStart = System.nanoTime();
      FloatTensor sample =
          new FloatTensor(new long[] {passes * images, channels, latentHeight, latentWidth}, input);
      ControlNet.Residuals residuals =
          control == null
              ? null
              : controlNet.residuals(
                  sample,
                  stepTimesteps,
                  conditioning.context(),
                  conditioning.added(),
                  controlImage,
                  (float) control.scale());
      FloatTensor unetOut =
          unet.predict(
              sample, stepTimesteps, conditioning.context(), conditioning.added(), residuals);
      unetNanos += System.nanoTime() - unetStart;
      if (step == begin) {
        listener.onTensor("unet_out.step0", unetOut);
      }
      float[] output = unetOut.values();
      for (int i = 0; i < images; i++) {
        float[] prediction = guided(output, i, images, perImage, request);
        latents[i] = runs[i].step(prediction, step, latents[i], noise.steps(i));
      }
      listener.onStep(step + 1 - begin, end - begin);
    }
    unet.unload();
    if (controlNet != null) {
      controlNet.unload();
    }
    return new Denoised(latents, unetNanos);
  }

  /**
   * The encoder hidden states of the UNet batch: [uncond × n, cond × n], or cond × n unguided; a
   * prompt and negative prompt of different lengths (long prompts) are padded to the longer.
   */
  private FloatTensor conditioning(GenerationRequest request, GenerationListener listener) {
    int images = request.numImages();
    FloatTensor cond = prompts.encode(request.prompt());
    FloatTensor uncond = null;
    if (request.guided()) {
      List<FloatTensor> padded =
          prompts.padToSameLength(List.of(cond, prompts.encode(request.negativePrompt())));
      cond = padded.get(0);
      uncond = padded.get(1);
    }
    listener.onTensor("text_embeddings.cond", cond);
    if (uncond != null) {
      listener.onTensor("text_embeddings.uncond", uncond);
    }
    int passes = uncond == null ? 1 : 2;
    return new FloatTensor(
        new long[] {passes * images, cond.dim(1), cond.dim(2)},
        batchRows(uncond == null ? null : uncond.values(), cond.values(), images));
  }

  /**
   * SDXL's conditioning of the UNet batch, each in the order [uncond × n, cond × n] (cond × n
   * unguided): prompt embeddings, pooled embeddings and time ids.
   */
  private Conditioning sdxlConditioning(
      GenerationRequest request, AestheticScore aesthetic, GenerationListener listener) {
    SdxlOptions options = request.sdxl();
    SdxlConditioning.Embeddings cond;
    SdxlConditioning.Embeddings uncond = null;
    if (request.guided()) {
      SdxlConditioning.Guided guided =
          sdxl.encodeGuided(
              request.prompt(),
              options.prompt2(),
              request.negativePrompt().isEmpty() ? null : request.negativePrompt(),
              options.negativePrompt2());
      cond = guided.cond();
      uncond = guided.uncond();
    } else {
      cond = sdxl.encode(request.prompt(), options.prompt2());
    }
    listener.onTensor("text_embeddings.cond", cond.promptEmbeds());
    listener.onTensor("pooled_embeddings.cond", cond.pooled());
    if (uncond != null) {
      listener.onTensor("text_embeddings.uncond", uncond.promptEmbeds());
      listener.onTensor("pooled_embeddings.uncond", uncond.pooled());
    }
    int images = request.numImages();
    int rows = (uncond == null ? 1 : 2) * images;
    boolean refiner = model.requiresAestheticsScore();
    float[] timeIds =
        refiner
            ? aesthetic.timeIds(options, request.height(), request.width())
            : options.timeIds(request.height(), request.width());
    float[] negativeTimeIds =
        uncond == null
            ? null
            : refiner
                ? aesthetic.negativeTimeIds(options, request.height(), request.width())
                : options.negativeTimeIds(request.height(), request.width());
    FloatTensor context = cond.promptEmbeds();
    FloatTensor pooled = cond.pooled();
    FloatTensor batchContext =
        new FloatTensor(
            new long[] {rows, context.dim(1), context.dim(2)},
            batchRows(
                uncond == null ? null : uncond.promptEmbeds().values(), context.values(), images));
    FloatTensor batchPooled =
        new FloatTensor(
            new long[] {rows, pooled.dim(1)},
            batchRows(uncond == null ? null : uncond.pooled().values(), pooled.values(), images));
    FloatTensor batchTimeIds =
        new FloatTensor(
            new long[] {rows, timeIds.length}, batchRows(negativeTimeIds, timeIds, images));
    listener.onTensor("time_ids", batchTimeIds);
    return new Conditioning(batchContext, new UNet.AddedConditioning(batchPooled, batchTimeIds));
  }

  /** {@code uncond} n times then {@code cond} n times, or {@code cond} n times when unguided. */
  private static float[] batchRows(float[] uncond, float[] cond, int images) {
    int passes = uncond == null ? 1 : 2;
    float[] rows = new float[passes * images * cond.length];
    for (int i = 0; i < images; i++) {
      if (uncond != null) {
        System.arraycopy(uncond, 0, rows, i * cond.length, cond.length);
      }
      System.arraycopy(cond, 0, rows, ((passes - 1) * images + i) * cond.length, cond.length);
    }
    return rows;
  }

  /**
   * The SD 1.x/2.x conditioning of {@code text} in Compel syntax, [1, 77 × chunks, hidden]
   * flattened: the text encoder's last hidden state for a plain prompt of up to 75 tokens (SDXL
   * models are conditioned through {@link #sdxl()}).
   *
   * @throws network.hydrogen.task.prompt.PromptSyntaxException when it is not valid Compel syntax
   */
  public float[] encode(String text) {
    if (prompts == null) {
      throw new IllegalStateException(
          "the SDXL refiner has no first text encoder; encode through sdxl()");
    }
    return prompts.encode(text).values();
  }

  /** Compel prompt weighting and long prompts on this model's tokenizer and text encoder. */
  public PromptConditioning prompts() {
    return prompts;
  }

  /** Image {@code i}'s guided model output: {@code uncond + cfg · (cond − uncond)}. */
  private static float[] guided(
      float[] output, int i, int images, int perImage, GenerationRequest request) {
    float[] prediction = new float[perImage];
    if (!request.guided()) {
      System.arraycopy(output, i * perImage, prediction, 0, perImage);
      return prediction;
    }
    float cfg = (float) request.cfg();
    int uncond = i * perImage;
    int cond = (images + i) * perImage;
    for (int j = 0; j < perImage; j++) {
      float u = output[uncond + j];
      prediction[j] = u + cfg * (output[cond + j] - u);
    }
    return prediction;
  }

  /** Decodes the final latents with the VAE into the request's images. */
  GeneratedImages decode(
      GenerationRequest request,
      float[][] latents,
      GenerationListener listener,
      LongFunction<GenerationTimings> timings) {
    long start = System.nanoTime();
    int latentHeight = request.height() / vaeScale();
    int latentWidth = request.width() / vaeScale();
    VaeConfig vae = model.vae().config();
    float scale = (float) vae.scalingFactor();
    float shift = vae.shiftFactor() == null ? 0f : vae.shiftFactor().floatValue();
    int images = latents.length;
    int perImage = latents[0].length;
    int pixels = 3 * request.height() * request.width();
    float[] allLatents = new float[images * perImage];
    float[] decoded = new float[images * pixels];
    String[] parameters = new String[images];
    for (int i = 0; i < images; i++) {
      System.arraycopy(latents[i], 0, allLatents, i * perImage, perImage);
      float[] unscaled = new float[perImage];
      for (int j = 0; j < perImage; j++) {
        unscaled[j] = latents[i][j] / scale + shift;
      }
      float[] raw =
          vaeDecoder
              .decode(
                  new FloatTensor(
                      new long[] {1, vae.latentChannels(), latentHeight, latentWidth}, unscaled))
              .values();
      for (int j = 0; j < pixels; j++) {
        decoded[i * pixels + j] = Math.min(1f, Math.max(0f, raw[j] / 2 + 0.5f));
      }
      parameters[i] = parameters(request, request.seed() + i);
    }
    vaeDecoder.unload();
    listener.onTensor(
        "final_latents",
        new FloatTensor(
            new long[] {images, vae.latentChannels(), latentHeight, latentWidth}, allLatents));
    listener.onTensor(
        "image",
        new FloatTensor(new long[] {images, 3, request.height(), request.width()}, decoded));
    return new GeneratedImages(
        allLatents,
        decoded,
        images,
        request.width(),
        request.height(),
        parameters,
        timings.apply(System.nanoTime() - start));
  }

  /** The generation parameters in the text layout image tools read from PNGs. */
  private String parameters(GenerationRequest request, long seed) {
    StringBuilder text = new StringBuilder(request.prompt());
    if (!request.negativePrompt().isEmpty()) {
      text.append("\nNegative prompt: ").append(request.negativePrompt());
    }
    text.append(
        String.format(
            Locale.ROOT,
            "\nSteps: %d, Sampler: %s, CFG scale: %s, Seed: %d, Size: %dx%d, Model: %s",
            request.steps(),
            request.scheduler(),
            request.cfg(),
            seed,
            request.width(),
            request.height(),
            model.source().getFileName()));
    return text.toString();
  }

  /** The VAE's downsampling factor: 2 per level after the first. */
  int vaeScale() {
    return 1 << (model.vae().config().blockOutChannels().size() - 1);
  }

  @Override
  public void close() {
    if (controlNet != null) {
      networks.release(controlNet);
    }
    if (textEncoder != null) {
      networks.release(textEncoder);
    }
    if (sdxl != null) {
      networks.release(sdxl.textEncoder2());
    }
    networks.release(unet);
    networks.release(vaeDecoder);
  }
}
