package network.hydrogen.engine.pipeline;

import java.io.IOException;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelSource;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.safety.SafetyChecker;
import network.hydrogen.task.TaskArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task whose models are opened and checked, ready to run: the one way from a task to its images,
 * shared by {@code hydrogen generate} and the node. Preparing fails early, before any inference,
 * when the task asks for a model that is not there or something the engine cannot run; both are the
 * task's fault, not the machine's, which is what a node reports on chain.
 *
 * <p>A task with {@code safety_checker} set runs the safety checker when the library has one (see
 * {@link ModelSource#safetyChecker}) and blacks out the images it flags, as diffusers does; without
 * a checker the images stay unchecked, which {@link #safetyChecked()} tells.
 */
public final class PreparedTask {

  private static final Logger LOG = LoggerFactory.getLogger(PreparedTask.class);

  private final TaskArgs args;
  private final GenerationRequest request;
  private final StableDiffusionModel model;
  private final Adapters adapters;
  private final StableDiffusionModel refinerModel;
  private final Refiner.Handover handover;
  private final ControlNetModel controlNet;
  private final ControlNetInput.Pending control;
  private final ModelSource.SafetyCheckerFiles safetyChecker;

  private PreparedTask(
      TaskArgs args,
      GenerationRequest request,
      StableDiffusionModel model,
      Adapters adapters,
      StableDiffusionModel refinerModel,
      Refiner.Handover handover,
      ControlNetModel controlNet,
      ControlNetInput.Pending control,
      ModelSource.SafetyCheckerFiles safetyChecker) {
    this.args = args;
    this.request = request;
    this.model = model;
    this.adapters = adapters;
    this.refinerModel = refinerModel;
    this.handover = handover;
    this.controlNet = controlNet;
    this.control = control;
    this.safetyChecker = safetyChecker;
  }

  /**
   * Opens the models {@code args} names from {@code library} (the local models folder, or a {@link
   * network.hydrogen.engine.library.ModelStore} lease that downloads what is missing).
   *
   * @throws UnsupportedTaskException when the task asks for something this engine cannot run
   * @throws network.hydrogen.engine.library.ModelNotFoundException when a model is not in the
   *     library
   * @throws network.hydrogen.engine.library.ModelDownloadException when a download failed
   * @throws network.hydrogen.engine.model.ModelFormatException when a model file is malformed
   * @throws IOException when a model file cannot be read
   */
  public static PreparedTask prepare(TaskArgs args, ModelSource library) throws IOException {
    GenerationRequest request = GenerationRequest.fromTask(args);
    StableDiffusionModel model = library.openBase(args);
    Adapters adapters = Adapters.fromTask(args, library);
    StableDiffusionModel refinerModel = null;
    Refiner.Handover handover = null;
    if (args.refiner().isPresent()) {
      TaskArgs.Refiner refiner = args.refiner().get();
      handover = Refiner.Handover.fromTask(refiner);
      refinerModel = library.open(refiner.model(), refiner.variant());
      if (!refinerModel.isRefiner()) {
        throw new UnsupportedTaskException(
            "refiner.model " + refiner.model() + " is no SDXL refiner (it has two text encoders)");
      }
    }
    ControlNetModel controlNet = null;
    ControlNetInput.Pending control = null;
    if (args.controlnet().isPresent()) {
      TaskArgs.ControlNet task = args.controlnet().get();
      controlNet = library.openControlNet(task.model(), task.variant());
      control = ControlNetInput.fromTask(args, library).orElseThrow();
    }
    ModelSource.SafetyCheckerFiles checker =
        args.taskConfig().safetyChecker()
            ? library
                .safetyChecker(args.baseModel().name(), args.baseModel().variant())
                .orElse(null)
            : null;
    return new PreparedTask(
        args, request, model, adapters, refinerModel, handover, controlNet, control, checker);
  }

  /** The task this runs. */
  public TaskArgs args() {
    return args;
  }

  /** The generation the task asks for. */
  public GenerationRequest request() {
    return request;
  }

  /** Whether the images are checked by a safety checker: the task asks for it and one is there. */
  public boolean safetyChecked() {
    return safetyChecker != null;
  }

  /**
   * Runs the task: loads the networks with {@code options}, denoises and decodes, telling {@code
   * listener} of each step, then runs the safety checker when {@link #safetyChecked()}.
   * Interrupting the thread cancels between steps.
   *
   * @throws IOException when a model file cannot be read while loading the networks
   */
  public GeneratedImages run(InferenceOptions options, GenerationListener listener)
      throws IOException {
    return checked(generate(options, Networks.FRESH, listener), options);
  }

  /**
   * As {@link #run(InferenceOptions, GenerationListener)}, with the networks from {@code cache}:
   * those of the previous task whose weights this task does not change are reused, the others
   * replaced, and this task's stay open for the next.
   */
  public GeneratedImages run(
      PipelineCache cache, InferenceOptions options, GenerationListener listener)
      throws IOException {
    GeneratedImages images;
    try (PipelineCache.Lease lease = cache.lease()) {
      images = generate(options, lease, listener);
    }
    return checked(images, options);
  }

  private GeneratedImages checked(GeneratedImages images, InferenceOptions options)
      throws IOException {
    if (safetyChecker == null) {
      return images;
    }
    try (SafetyChecker checker =
        SafetyChecker.open(
            safetyChecker.folder(),
            args.baseModel().variant().orElse(null),
            safetyChecker.preprocessorConfig(),
            options)) {
      SafetyChecker.Verdict verdict = checker.check(images);
      for (int i = 0; i < verdict.flagged().size(); i++) {
        if (verdict.flagged().get(i)) {
          LOG.warn("the safety checker flagged image {}: it is blacked out", i);
        }
      }
      return verdict.images();
    }
  }

  /**
   * The task's images: the base model with the task's adapters (and ControlNet), then for an
   * ensemble the refiner with the same adapters where they fit it (see {@link TextToImage#load}).
   */
  private GeneratedImages generate(
      InferenceOptions options, Networks networks, GenerationListener listener) throws IOException {
    ControlNetInput controlInput = control == null ? null : control.preprocess(options);
    try (TextToImage pipeline = TextToImage.load(model, options, adapters, controlNet, networks)) {
      if (handover != null) {
        try (TextToImage refiner =
            TextToImage.load(refinerModel, options, adapters, null, networks)) {
          return Refiner.ensemble(
              pipeline,
              refiner,
              request,
              handover,
              controlInput,
              BatchNoise.seeded(request.seed(), request.numImages()),
              listener);
        }
      }
      return controlInput == null
          ? pipeline.generate(request, listener)
          : pipeline.generate(request, controlInput, listener);
    }
  }
}
