package network.hydrogen.engine.parity;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.BatchNoise;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.engine.pipeline.GeneratedImages;
import network.hydrogen.engine.pipeline.GenerationListener;
import network.hydrogen.engine.pipeline.GenerationRequest;
import network.hydrogen.engine.pipeline.TextToImage;
import network.hydrogen.engine.scheduler.NoiseSource;
import network.hydrogen.engine.scheduler.Schedulers;
import network.hydrogen.engine.tokenizer.ClipTokenizer;

/**
 * Checks the engine against what the reference implementation computed on a model: loads {@code
 * DIR/model} (a diffusers folder) through the engine's normal loading code, runs every case of
 * {@code DIR/golden/index.json}, then does the same with the weights of {@code
 * DIR/model.safetensors} (configs from {@code DIR/model}). The index is read generically, so a
 * reference folder for another model shape laid out the same way runs unchanged; an SDXL model's
 * prompt encoding and UNet call cases run in {@link SdxlParityCases}; an SDXL refiner reference (an
 * {@code ensemble} section) runs in {@link RefinerParityCheck}; those of references on a {@code
 * base_model} in {@link AdapterParityCheck} (LoRA, textual inversion), {@link CompelParityCases}
 * (prompt weighting) and {@link ControlNetParityCheck}.
 *
 * <p>Tolerances, from the reference README: token ids exact; one network call {@code 1e-4 × max(1,
 * max|ref|)}; whole runs: final latents {@code 5e-4 × max(1, max|ref|)}, image {@code 1e-3}.
 */
public final class ParityCheck {

  static final double NETWORK_CALL = 1e-4;
  static final double FINAL_LATENTS = 5e-4;
  static final double IMAGE = 1e-3;
  static final double TIMESTEPS = 1e-3;

  /** Reads the index; scheduler configs in it may hold -Infinity, as Python's json writes it. */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private final Path reference;
  private final JsonNode index;
  private final InferenceOptions options;

  ParityCheck(Path reference, JsonNode index, InferenceOptions options) {
    this.reference = reference;
    this.index = index;
    this.options = options;
  }

  /**
   * The reference folders under {@code dir}: {@code dir} itself when it has {@code
   * golden/index.json}, else each sub-folder that has one.
   *
   * @throws MalformedReferenceException when there is none
   */
  public static List<Path> referenceFolders(Path dir) throws IOException {
    if (Files.isRegularFile(dir.resolve("golden/index.json"))) {
      return List.of(dir);
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> children = Files.list(dir)) {
        List<Path> folders =
            children
                .filter(child -> Files.isRegularFile(child.resolve("golden/index.json")))
                .sorted()
                .toList();
        if (!folders.isEmpty()) {
          return folders;
        }
      }
    }
    throw new MalformedReferenceException(
        dir + " is not a reference folder: it has no golden/index.json, nor do its sub-folders");
  }

  /**
   * Runs every case of the reference folder {@code dir} in both formats, reporting each result to
   * {@code report} as it comes, and returns them all.
   *
   * @throws MalformedReferenceException when the folder lacks something the index promises
   */
  public static List<CaseResult> run(
      Path dir, InferenceOptions options, Consumer<CaseResult> report) throws IOException {
    Path indexFile = dir.resolve("golden/index.json");
    if (!Files.isRegularFile(indexFile)) {
      throw new MalformedReferenceException(dir + ": golden/index.json is missing");
    }
    JsonNode index = JSON.readTree(indexFile.toFile());
    if (index.has(ControlNetParityCheck.CONTROLNET)) {
      return ControlNetParityCheck.run(dir, index, options, report);
    }
    if (index.has(RefinerParityCheck.LORA)) {
      return RefinerParityCheck.runLora(dir, index, options, report);
    }
    if (index.has(AdapterParityCheck.BASE_MODEL)) {
      return index.has(CompelParityCases.SECTION)
          ? CompelParityCases.run(dir, index, options, report)
          : AdapterParityCheck.run(dir, index, options, report);
    }
    if (index.has(RefinerParityCheck.ENSEMBLE)) {
      return RefinerParityCheck.run(dir, index, options, report);
    }
    for (String required :
        List.of("tokens", "text_embeddings", "unet_call", "vae_decode", "txt2img")) {
      if (!index.has(required)) {
        throw new MalformedReferenceException(
            indexFile
                + " has no '"
                + required
                + "' section (arch "
                + index.path("arch").asText("?")
                + "): this reference shape is not supported yet");
      }
    }
    for (String required : List.of("model", "model.safetensors")) {
      if (!Files.exists(dir.resolve(required))) {
        throw new MalformedReferenceException(dir + ": " + required + " is missing");
      }
    }
    ParityCheck check = new ParityCheck(dir, index, options);
    return inBothFormats(
        report, (format, collect) -> check.runFormat(format.label(), format.open(dir), collect));
  }

  /** The two file formats of a reference folder's model, in the order they are checked. */
  enum Format {
    /** {@code model/}, a diffusers folder. */
    DIFFUSERS("diffusers"),
    /** {@code model.safetensors}, the original-format single file, with the folder's configs. */
    SINGLE_FILE("single-file");

    private final String label;

    Format(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }

    /** The model of the reference folder {@code folder} in this format. */
    StableDiffusionModel open(Path folder) throws IOException {
      return this == DIFFUSERS
          ? ModelFiles.open(folder.resolve("model"))
          : ModelFiles.open(folder.resolve("model.safetensors"), folder.resolve("model"));
    }
  }

  /** The cases of one format, reporting to {@code report}. */
  @FunctionalInterface
  interface CasesInFormat {
    void run(Format format, Consumer<CaseResult> report) throws IOException;
  }

  /** Runs {@code cases} in each format, reporting each result as it comes, and returns them all. */
  static List<CaseResult> inBothFormats(Consumer<CaseResult> report, CasesInFormat cases)
      throws IOException {
    List<CaseResult> results = new ArrayList<>();
    Consumer<CaseResult> collect =
        result -> {
          results.add(result);
          report.accept(result);
        };
    for (Format format : Format.values()) {
      cases.run(format, collect);
    }
    return results;
  }

  private void runFormat(String format, StableDiffusionModel model, Consumer<CaseResult> report)
      throws IOException {
    try (TextToImage pipeline = TextToImage.load(model, options)) {
      tokens(format, index.get("tokens"), "tokens", pipeline.tokenizer(), report);
      if (pipeline.sdxl().isPresent()) {
        new SdxlParityCases(this, index, pipeline.sdxl().get(), pipeline.unet())
            .run(format, report);
      } else {
        float[] cond = textEmbeddings(format, pipeline, report);
        unetCall(format, pipeline, cond, report);
      }
      vaeDecode(format, pipeline, report);
      JsonNode cases = index.get("txt2img");
      for (int i = 0; i < cases.size(); i++) {
        txt2img(format, pipeline, cases.get(i), i, report);
      }
    }
  }

  /** The token cases of {@code tokens} (a {@code tokens} or {@code tokens_2} section). */
  static void tokens(
      String format,
      JsonNode tokens,
      String name,
      ClipTokenizer tokenizer,
      Consumer<CaseResult> report) {
    JsonNode cases = tokens.path("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode entry = cases.get(i);
      int[] ids = tokenizer.encode(entry.path("text").asText());
      report.accept(new CaseResult(format, name + "." + i, idError(ids, entry.get("ids")), 0));
    }
    JsonNode long_ = tokens.path("long_untruncated");
    if (long_.has("text")) {
      int[] ids = tokenizer.encodeUntruncated(long_.get("text").asText());
      report.accept(
          new CaseResult(format, name + ".long_untruncated", idError(ids, long_.get("ids")), 0));
    }
  }

  static double idError(int[] ids, JsonNode expected) {
    if (expected == null || ids.length != expected.size()) {
      return Double.POSITIVE_INFINITY;
    }
    double max = 0;
    for (int i = 0; i < ids.length; i++) {
      max = Math.max(max, Math.abs(ids[i] - expected.get(i).asLong()));
    }
    return max;
  }

  /** Checks cond and uncond; returns cond for the UNet call. */
  float[] textEmbeddings(String format, TextToImage pipeline, Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("text_embeddings");
    float[] cond = pipeline.encode(entry.path("prompt").asText());
    float[] uncond = pipeline.encode(entry.path("negative_prompt").asText());
    compare(format, "text_embeddings.cond", cond, tensor(entry, "cond"), NETWORK_CALL, report);
    compare(
        format, "text_embeddings.uncond", uncond, tensor(entry, "uncond"), NETWORK_CALL, report);
    return cond;
  }

  private void unetCall(
      String format, TextToImage pipeline, float[] cond, Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("unet_call");
    ReferenceTensor sample = tensor(entry, "sample");
    JsonNode timestepsNode = entry.path("timesteps");
    float[] timesteps = floats(timestepsNode);
    JsonNode embeddings = index.get("text_embeddings");
    float[] uncond = pipeline.encode(embeddings.path("negative_prompt").asText());
    // Item 0 is conditioned on the prompt, item 1 on the negative prompt (the index says so).
    float[][] perItem = {cond, uncond};
    int batch = sample.shape()[0];
    float[] context = new float[batch * cond.length];
    for (int i = 0; i < batch; i++) {
      System.arraycopy(perItem[i % 2], 0, context, i * cond.length, cond.length);
    }
    int[] condShape = tensor(embeddings, "cond").shape();
    FloatTensor out =
        pipeline
            .unet()
            .predict(
                new FloatTensor(longs(sample.shape()), sample.read()),
                timesteps,
                new FloatTensor(new long[] {batch, condShape[1], condShape[2]}, context));
    compare(format, "unet_call", out.values(), tensor(entry, "out"), NETWORK_CALL, report);
  }

  private void vaeDecode(String format, TextToImage pipeline, Consumer<CaseResult> report)
      throws IOException {
    ReferenceTensor sample = tensor(index.get("unet_call"), "sample");
    float[] latents = sample.read();
    float scale = (float) pipeline.model().vae().config().scalingFactor();
    for (int i = 0; i < latents.length; i++) {
      latents[i] /= scale;
    }
    FloatTensor out = pipeline.vaeDecoder().decode(new FloatTensor(longs(sample.shape()), latents));
    compare(
        format,
        "vae_decode",
        out.values(),
        tensor(index.get("vae_decode"), "out"),
        NETWORK_CALL,
        report);
  }

  void txt2img(
      String format, TextToImage pipeline, JsonNode entry, int number, Consumer<CaseResult> report)
      throws IOException {
    txt2img(format, pipeline, entry, number, null, report);
  }

  /** The txt2img case {@code entry}, conditioned on {@code control} (null without a ControlNet). */
  void txt2img(
      String format,
      TextToImage pipeline,
      JsonNode entry,
      int number,
      ControlNetInput control,
      Consumer<CaseResult> report)
      throws IOException {
    String name = "txt2img." + caseLabel(entry, number);
    ReferenceTensor noise = tensor(entry, "noise");
    int[] shape = noise.shape();
    int vaeScale = 1 << (pipeline.model().vae().config().blockOutChannels().size() - 1);
    JsonNode embeddings = index.path("text_embeddings");
    GenerationRequest request =
        new GenerationRequest(
            entry.path("prompt").asText(embeddings.path("prompt").asText()),
            text(entry.path("negative_prompt"), embeddings.path("negative_prompt").asText()),
            shape[3] * vaeScale,
            shape[2] * vaeScale,
            entry.path("steps").asInt(),
            entry.path("cfg").asDouble(),
            0,
            entry.path("batch").asInt(shape[0]),
            entry
                .path("scheduler_config")
                .path("_class_name")
                .asText(entry.path("scheduler").asText()),
            entry.has("args") ? entry.get("args") : null,
            SdxlParityCases.options(entry));
    if (entry.has("timesteps")) {
      float[] timesteps =
          Schedulers.create(
                  request.scheduler(), pipeline.model().schedulerConfig(), request.schedulerArgs())
              .start(request.steps())
              .schedule()
              .timesteps();
      report.accept(
          new CaseResult(
              format,
              name + ".timesteps",
              CaseResult.maxAbsError(timesteps, floats(entry.get("timesteps"))),
              TIMESTEPS));
    }
    BatchNoise injected = referenceNoise(noise.read(), shape, entry.get("step_noise"));
    List<FloatTensor> timeIds = new ArrayList<>();
    GeneratedImages result =
        pipeline.generate(
            request,
            control,
            injected,
            new GenerationListener() {
              @Override
              public void onStep(int completed, int total) {}

              @Override
              public void onTensor(String tensor, FloatTensor value) {
                if (tensor.equals("time_ids")) {
                  timeIds.add(value);
                }
              }
            });
    if (entry.has("add_time_ids_used")) {
      float[] expected = floats(flatten(entry.get("add_time_ids_used")));
      float[] actual = timeIds.isEmpty() ? new float[0] : timeIds.getFirst().values();
      report.accept(
          new CaseResult(format, name + ".time_ids", CaseResult.maxAbsError(actual, expected), 0));
    }
    compare(
        format,
        name + ".latents",
        result.latents(),
        tensor(entry, "final_latents"),
        FINAL_LATENTS,
        report);
    compare(format, name + ".image", result.images(), tensor(entry, "image"), IMAGE, report);
  }

  /** A readable case label: the final latents' file name without {@code latents-} and suffix. */
  private static String caseLabel(JsonNode entry, int number) {
    String file = entry.path("final_latents").path("file").asText("");
    String base = file.substring(file.lastIndexOf('/') + 1).replaceFirst("\\.f32$", "");
    return base.startsWith("latents-")
        ? base.substring("latents-".length())
        : number + "." + entry.path("scheduler").asText();
  }

  /** The reference's initial noise per image and its in-step draws [draws, batch, ...] in order. */
  private BatchNoise referenceNoise(float[] initial, int[] shape, JsonNode stepNoiseEntry)
      throws IOException {
    int perImage = initial.length / shape[0];
    float[] stepNoise;
    int draws;
    if (stepNoiseEntry == null || stepNoiseEntry.isNull()) {
      stepNoise = new float[0];
      draws = 0;
    } else {
      ReferenceTensor tensor = ReferenceTensor.of(reference, stepNoiseEntry, "step_noise");
      stepNoise = tensor.read();
      draws = tensor.shape()[0];
    }
    int batch = shape[0];
    int[] nextDraw = new int[batch];
    return new BatchNoise() {
      @Override
      public float[] initial(int image, int count) {
        return Arrays.copyOfRange(initial, image * perImage, image * perImage + count);
      }

      @Override
      public NoiseSource steps(int image) {
        return count -> {
          if (nextDraw[image] >= draws) {
            throw new MalformedReferenceException(
                "the scheduler drew more in-step noise than the reference's " + draws + " draws");
          }
          int offset = (nextDraw[image]++ * batch + image) * perImage;
          return Arrays.copyOfRange(stepNoise, offset, offset + count);
        };
      }
    };
  }

  /** A text field that may be JSON null (no text: empty), or {@code fallback} when absent. */
  private static String text(JsonNode node, String fallback) {
    if (node.isMissingNode()) {
      return fallback;
    }
    return node.isNull() ? "" : node.asText();
  }

  /** The numbers of a nested JSON array, row by row. */
  static JsonNode flatten(JsonNode rows) {
    ArrayNode flat = JSON.createArrayNode();
    rows.forEach(row -> row.forEach(flat::add));
    return flat;
  }

  ReferenceTensor tensor(JsonNode parent, String field) {
    return ReferenceTensor.of(reference, parent.get(field), field);
  }

  static void compare(
      String format,
      String name,
      float[] actual,
      ReferenceTensor expected,
      double relative,
      Consumer<CaseResult> report)
      throws IOException {
    float[] reference = expected.read();
    report.accept(
        new CaseResult(
            format,
            name,
            CaseResult.maxAbsError(actual, reference),
            CaseResult.scaledTolerance(relative, reference)));
  }

  static float[] floats(JsonNode array) {
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) array.get(i).asDouble();
    }
    return values;
  }

  static long[] longs(int[] shape) {
    return Arrays.stream(shape).asLongStream().toArray();
  }
}
