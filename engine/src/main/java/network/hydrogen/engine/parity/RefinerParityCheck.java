package network.hydrogen.engine.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.lora.Lora;
import network.hydrogen.engine.lora.LoraFile;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.Adapters;
import network.hydrogen.engine.pipeline.AestheticScore;
import network.hydrogen.engine.pipeline.BatchNoise;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.GenerationRequest;
import network.hydrogen.engine.pipeline.ImageToImage;
import network.hydrogen.engine.pipeline.Refiner;
import network.hydrogen.engine.pipeline.TextToImage;
import network.hydrogen.engine.scheduler.NoiseSource;

/**
 * The cases of an SDXL refiner reference (an index with an {@code ensemble} section): the refiner's
 * prompt encoding, aesthetic time ids and UNet call ({@link SdxlParityCases}), the VAE encoder, the
 * ensemble of experts with the sibling base reference it names, and img2img with the reference's
 * two random draws injected. Runs from the diffusers folder, then from the single file (the base
 * from its own file of the same format).
 */
final class RefinerParityCheck {

  static final String ENSEMBLE = "ensemble";
  static final String IMG2IMG = "img2img";
  static final String LORA = "refiner_lora";

  private final ParityCheck check;
  private final JsonNode index;
  private final InferenceOptions options;

  private RefinerParityCheck(ParityCheck check, JsonNode index, InferenceOptions options) {
    this.check = check;
    this.index = index;
    this.options = options;
  }

  static List<CaseResult> run(
      Path dir, JsonNode index, InferenceOptions options, Consumer<CaseResult> report)
      throws IOException {
    for (String required :
        List.of("tokens_2", "text_embeddings", "time_ids", "unet_call", "vae_encode", "img2img")) {
      if (!index.has(required)) {
        throw new MalformedReferenceException(
            dir + ": the refiner reference has no '" + required + "' section");
      }
    }
    Path base = baseFolder(dir, index.get(ENSEMBLE));
    for (Path required :
        List.of(
            dir.resolve("model"),
            dir.resolve("model.safetensors"),
            base.resolve("model"),
            base.resolve("model.safetensors"))) {
      if (!Files.exists(required)) {
        throw new MalformedReferenceException(required + " is missing");
      }
    }
    RefinerParityCheck refiner =
        new RefinerParityCheck(new ParityCheck(dir, index, options), index, options);
    return ParityCheck.inBothFormats(
        report,
        (format, collect) ->
            refiner.runFormat(format.label(), format.open(dir), format.open(base), collect));
  }

  /**
   * The cases of a refiner LoRA reference (an index with a {@code refiner_lora} section, naming the
   * {@code base_model} and the {@code refiner} reference folders): the ensemble of experts with a
   * base model LoRA applied to both models as a task's {@code lora} is (the refiner takes the
   * networks it fits; its {@code text_embeddings} are the refiner's prompt encodings with it), and
   * img2img on the refiner alone with a LoRA trained for it.
   */
  static List<CaseResult> runLora(
      Path dir, JsonNode index, InferenceOptions options, Consumer<CaseResult> report)
      throws IOException {
    JsonNode cases = index.get(LORA);
    for (String required : List.of(ENSEMBLE, IMG2IMG)) {
      if (!cases.path(required).has("lora")) {
        throw new MalformedReferenceException(
            dir + ": the refiner LoRA reference has no '" + required + "' case with a 'lora'");
      }
    }
    Path base = AdapterParityCheck.baseModel(dir, index);
    Path refinerDir = dir.resolveSibling(index.path("refiner").asText("refiner"));
    for (Path required :
        List.of(refinerDir.resolve("model"), refinerDir.resolve("model.safetensors"))) {
      if (!Files.exists(required)) {
        throw new MalformedReferenceException(dir + ": the refiner " + required + " is missing");
      }
    }
    RefinerParityCheck refiner =
        new RefinerParityCheck(new ParityCheck(dir, index, options), index, options);
    return ParityCheck.inBothFormats(
        report,
        (format, collect) ->
            refiner.runLoraFormat(
                format.label(), dir, cases, format.open(refinerDir), format.open(base), collect));
  }

  private void runLoraFormat(
      String format,
      Path dir,
      JsonNode cases,
      StableDiffusionModel refinerModel,
      StableDiffusionModel baseModel,
      Consumer<CaseResult> report)
      throws IOException {
    JsonNode ensemble = cases.get(ENSEMBLE);
    Adapters baseLora = lora(dir, ensemble.get("lora"));
    try (TextToImage base = TextToImage.load(baseModel, options, baseLora);
        TextToImage refiner = TextToImage.load(refinerModel, options, baseLora)) {
      new SdxlParityCases(check, index, refiner.sdxl().orElseThrow(), refiner.unet())
          .textEmbeddings(format, report);
      ensemble(format, "lora." + ENSEMBLE, ensemble, base, refiner, report);
    }
    JsonNode img2img = cases.get(IMG2IMG);
    try (ImageToImage refiner =
        ImageToImage.load(refinerModel, options, lora(dir, img2img.get("lora")))) {
      img2img(format, "lora." + IMG2IMG, img2img, refiner, report);
    }
  }

  /** The LoRA of a case: {@code file} relative to the reference folder, at {@code scale}. */
  private static Adapters lora(Path dir, JsonNode entry) throws IOException {
    Lora lora =
        new Lora(
            LoraFile.open(dir.resolve(entry.path("file").asText()).normalize()),
            entry.path("scale").asDouble());
    return new Adapters(List.of(lora), List.of());
  }

  /** The base reference folder: the ensemble's {@code base}, as {@code ../NAME/model ...}. */
  private static Path baseFolder(Path dir, JsonNode ensemble) {
    String base = ensemble.path("base").asText("");
    String[] parts = base.split("[\\s(]", 2)[0].split("/");
    if (parts.length != 3 || !parts[0].equals("..") || !parts[2].equals("model")) {
      throw new MalformedReferenceException(
          "ensemble.base must name a sibling model as ../NAME/model, was '" + base + "'");
    }
    return dir.resolveSibling(parts[1]);
  }

  private void runFormat(
      String format,
      StableDiffusionModel refinerModel,
      StableDiffusionModel baseModel,
      Consumer<CaseResult> report)
      throws IOException {
    try (ImageToImage refiner = ImageToImage.load(refinerModel, options)) {
      TextToImage pipeline = refiner.pipeline();
      new SdxlParityCases(check, index, pipeline.sdxl().orElseThrow(), pipeline.unet())
          .run(format, report);
      vaeEncode(format, refiner, report);
      try (TextToImage base = TextToImage.load(baseModel, options)) {
        ensemble(format, ENSEMBLE, index.get(ENSEMBLE), base, pipeline, report);
      }
      img2img(format, IMG2IMG, index.get(IMG2IMG), refiner, report);
    }
  }

  /** The VAE encoder's mean and standard deviation against the reference's moments. */
  private void vaeEncode(String format, ImageToImage refiner, Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("vae_encode");
    ReferenceTensor image = check.tensor(entry, "image");
    float[] signed = image.read();
    for (int i = 0; i < signed.length; i++) {
      signed[i] = 2 * signed[i] - 1;
    }
    float[] moments = check.tensor(entry, "moments").read();
    int half = moments.length / 2;
    float[] mean = Arrays.copyOfRange(moments, 0, half);
    float[] std = new float[half];
    for (int i = 0; i < half; i++) {
      std[i] = (float) Math.exp(0.5 * Math.clamp(moments[half + i], -30f, 20f));
    }
    var posterior =
        refiner.vaeEncoder().encode(new FloatTensor(ParityCheck.longs(image.shape()), signed));
    report.accept(result(format, "vae_encode.mean", posterior.mean().values(), mean));
    report.accept(result(format, "vae_encode.std", posterior.std().values(), std));
  }

  private static CaseResult result(String format, String name, float[] actual, float[] expected) {
    return new CaseResult(
        format,
        name,
        CaseResult.maxAbsError(actual, expected),
        CaseResult.scaledTolerance(ParityCheck.NETWORK_CALL, expected));
  }

  private void ensemble(
      String format,
      String name,
      JsonNode entry,
      TextToImage base,
      TextToImage refiner,
      Consumer<CaseResult> report)
      throws IOException {
    GenerationRequest request = request(entry);
    float[] noise = check.tensor(entry, "noise").read();
    Capture capture = new Capture();
    GeneratedImages result =
        Refiner.ensemble(
            base,
            refiner,
            request,
            new Refiner.Handover(
                entry.path("split").asDouble(), request.steps(), AestheticScore.DEFAULT),
            injected(noise, new float[0][]),
            capture);
    timeIds(
        format, name + ".base_time_ids", capture, 0, entry.get("base_add_time_ids_used"), report);
    timeIds(
        format,
        name + ".refiner_time_ids",
        capture,
        1,
        entry.get("refiner_add_time_ids_used"),
        report);
    ParityCheck.compare(
        format,
        name + ".handover_latents",
        capture.handover == null ? new float[0] : capture.handover.values(),
        check.tensor(entry, "handover_latents"),
        ParityCheck.FINAL_LATENTS,
        report);
    ParityCheck.compare(
        format,
        name + ".latents",
        result.latents(),
        check.tensor(entry, "final_latents"),
        ParityCheck.FINAL_LATENTS,
        report);
    ParityCheck.compare(
        format,
        name + ".image",
        result.images(),
        check.tensor(entry, "image"),
        ParityCheck.IMAGE,
        report);
  }

  private void img2img(
      String format, String name, JsonNode entry, ImageToImage refiner, Consumer<CaseResult> report)
      throws IOException {
    GenerationRequest request = request(entry);
    Capture capture = new Capture();
    GeneratedImages result =
        refiner.generate(
            request,
            tensor(check.tensor(entry, "image")),
            entry.path("strength").asDouble(),
            AestheticScore.DEFAULT,
            injected(
                check.tensor(entry, "vae_posterior_eps").read(),
                new float[][] {check.tensor(entry, "noise").read()}),
            capture);
    timeIds(format, name + ".time_ids", capture, 0, entry.get("add_time_ids_used"), report);
    if (entry.has("image_latents")) {
      ParityCheck.compare(
          format,
          name + ".image_latents",
          capture.imageLatents == null ? new float[0] : capture.imageLatents.values(),
          check.tensor(entry, "image_latents"),
          ParityCheck.NETWORK_CALL,
          report);
      ParityCheck.compare(
          format,
          name + ".noised_latents",
          capture.noisedLatents == null ? new float[0] : capture.noisedLatents.values(),
          check.tensor(entry, "noised_latents"),
          ParityCheck.NETWORK_CALL,
          report);
    }
    ParityCheck.compare(
        format,
        name + ".latents",
        result.latents(),
        check.tensor(entry, "final_latents"),
        ParityCheck.FINAL_LATENTS,
        report);
    ParityCheck.compare(
        format,
        name + ".image",
        result.images(),
        check.tensor(entry, "output_image"),
        ParityCheck.IMAGE,
        report);
  }

  private static GenerationRequest request(JsonNode entry) {
    return new GenerationRequest(
        entry.path("prompt").asText(),
        entry.path("negative_prompt").asText(""),
        entry.path("width").asInt(),
        entry.path("height").asInt(),
        entry.path("steps").asInt(),
        entry.path("cfg").asDouble(),
        0,
        entry.path("batch").asInt(1),
        entry.path("scheduler_config").path("_class_name").asText(),
        null,
        SdxlParityCases.options(entry));
  }

  private static FloatTensor tensor(ReferenceTensor reference) throws IOException {
    return new FloatTensor(ParityCheck.longs(reference.shape()), reference.read());
  }

  private static void timeIds(
      String format,
      String name,
      Capture capture,
      int call,
      JsonNode expected,
      Consumer<CaseResult> report) {
    float[] actual =
        capture.timeIds.size() > call ? capture.timeIds.get(call).values() : new float[0];
    report.accept(
        new CaseResult(
            format,
            name,
            CaseResult.maxAbsError(actual, ParityCheck.floats(ParityCheck.flatten(expected))),
            0));
  }

  /**
   * Batch-1 noise: {@code initial} first, then the {@code draws} in order from the step source; a
   * further draw is a malformed reference.
   */
  private static BatchNoise injected(float[] initial, float[][] draws) {
    int[] next = {0};
    return new BatchNoise() {
      @Override
      public float[] initial(int image, int count) {
        return Arrays.copyOf(initial, count);
      }

      @Override
      public NoiseSource steps(int image) {
        return count -> {
          if (next[0] >= draws.length) {
            throw new MalformedReferenceException(
                "the engine drew more noise than the reference's " + draws.length + " draws");
          }
          return Arrays.copyOf(draws[next[0]++], count);
        };
      }
    };
  }

  /** The tensors a run reports that the reference also recorded. */
  private static final class Capture implements GenerationListener {
    final List<FloatTensor> timeIds = new ArrayList<>();
    FloatTensor handover;
    FloatTensor imageLatents;
    FloatTensor noisedLatents;

    @Override
    public void onStep(int completed, int total) {}

    @Override
    public void onTensor(String tensor, FloatTensor value) {
      switch (tensor) {
        case "time_ids", "refiner.time_ids" -> timeIds.add(value);
        case "handover_latents" -> handover = value;
        case "image_latents" -> imageLatents = value;
        case "noised_latents" -> noisedLatents = value;
        default -> {}
      }
    }
  }
}
