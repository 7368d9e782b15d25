package network.hydrogen.engine.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import network.hydrogen.engine.embedding.TextualInversion;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.TextEncoder;
import network.hydrogen.engine.lora.Lora;
import network.hydrogen.engine.lora.LoraFile;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.Adapters;
import network.hydrogen.engine.pipeline.SdxlConditioning;
import network.hydrogen.engine.pipeline.TextToImage;
import network.hydrogen.engine.tokenizer.ClipTokenizer;

/**
 * The parity cases of an adapter reference ({@code sd15-lora}, {@code sd15-ti}): its index names
 * the {@code base_model}, a sibling reference folder whose {@code model/} and {@code
 * model.safetensors} are loaded as in {@link ParityCheck}, in both formats, with the folder's LoRA
 * ({@code lora}) or embeddings ({@code embeddings}) applied through {@link Adapters}.
 *
 * <p>LoRA cases: {@code text_embeddings} (an SDXL reference's in the {@code sdxl} reference's
 * form), {@code unet_call} (on the index's encoder hidden states, for SDXL also its added
 * conditioning), {@code unet_call_scale0} (the same call at scale 0, on a second load of the same
 * opened model) and {@code txt2img}. Embedding cases: the vectors read from each file (an {@code
 * alternative_to} file is read and checked but not loaded, as the reference loaded it in another
 * pipeline), the vocabulary size, the prompt's and negative prompt's token ids, {@code
 * text_embeddings} and {@code txt2img}.
 */
final class AdapterParityCheck {

  static final String BASE_MODEL = "base_model";

  private final Path reference;
  private final JsonNode index;
  private final InferenceOptions options;
  private final ParityCheck check;

  private AdapterParityCheck(Path reference, JsonNode index, InferenceOptions options) {
    this.reference = reference;
    this.index = index;
    this.options = options;
    this.check = new ParityCheck(reference, index, options);
  }

  static List<CaseResult> run(
      Path dir, JsonNode index, InferenceOptions options, Consumer<CaseResult> report)
      throws IOException {
    if (!index.has("lora") && !index.has("embeddings")) {
      throw new MalformedReferenceException(
          dir + "/golden/index.json has neither a 'lora' nor an 'embeddings' section");
    }
    AdapterParityCheck adapterCheck = new AdapterParityCheck(dir, index, options);
    return onBaseModel(dir, index, report, adapterCheck::runFormat);
  }

  /** The cases of a reference folder for one format of its model. */
  @FunctionalInterface
  interface FormatCases {
    void run(String format, StableDiffusionModel model, Consumer<CaseResult> report)
        throws IOException;
  }

  /**
   * Runs {@code cases} on the {@code base_model} of the index (a sibling reference folder), first
   * its diffusers folder, then its single file, and returns the results it reported.
   *
   * @throws MalformedReferenceException when the base model lacks one of them
   */
  static List<CaseResult> onBaseModel(
      Path dir, JsonNode index, Consumer<CaseResult> report, FormatCases cases) throws IOException {
    Path base = baseModel(dir, index);
    return ParityCheck.inBothFormats(
        report, (format, collect) -> cases.run(format.label(), format.open(base), collect));
  }

  /** The sibling reference folder named by {@code base_model}, with both of its model files. */
  static Path baseModel(Path dir, JsonNode index) {
    if (!index.hasNonNull(BASE_MODEL)) {
      throw new MalformedReferenceException(
          dir + "/golden/index.json names no '" + BASE_MODEL + "' (the reference's base model)");
    }
    String baseName = index.get(BASE_MODEL).asText();
    Path base = dir.resolveSibling(baseName);
    for (String required : List.of("model", "model.safetensors")) {
      if (!Files.exists(base.resolve(required))) {
        throw new MalformedReferenceException(
            dir + ": the base model " + baseName + " has no " + base.resolve(required));
      }
    }
    return base;
  }

  private void runFormat(String format, StableDiffusionModel model, Consumer<CaseResult> report)
      throws IOException {
    if (index.has("lora")) {
      lora(format, model, report);
    }
    if (index.has("embeddings")) {
      embeddings(format, model, report);
    }
  }

  private void lora(String format, StableDiffusionModel model, Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("lora");
    LoraFile file = LoraFile.open(reference.resolve(entry.path("file").asText()));
    double scale = entry.path("scale").asDouble();
    try (TextToImage pipeline = load(model, new Lora(file, scale))) {
      textEmbeddings(format, pipeline, report);
      unetCall(format, "unet_call", pipeline, index.get("unet_call").get("out"), report);
      txt2img(format, pipeline, report);
    }
    JsonNode scale0 = index.path("unet_call_scale0");
    if (scale0.has("out")) {
      try (TextToImage pipeline = load(model, new Lora(file, scale0.path("scale").asDouble()))) {
        unetCall(format, "unet_call_scale0", pipeline, scale0.get("out"), report);
      }
    }
  }

  /**
   * The text embedding cases: SD 1.x/2.x cond and uncond, or an SDXL reference's {@code cases}
   * (both encoders, pooled embeddings) as {@link SdxlParityCases} checks them.
   */
  private void textEmbeddings(String format, TextToImage pipeline, Consumer<CaseResult> report)
      throws IOException {
    if (pipeline.sdxl().isPresent()) {
      new SdxlParityCases(check, index, pipeline.sdxl().get(), pipeline.unet())
          .textEmbeddings(format, report);
    } else {
      check.textEmbeddings(format, pipeline, report);
    }
  }

  private TextToImage load(StableDiffusionModel model, Lora lora) throws IOException {
    return TextToImage.load(model, options, new Adapters(List.of(lora), List.of()));
  }

  /**
   * One UNet call on the index's {@code unet_call} inputs, compared with {@code out}; an SDXL
   * reference's call also gives the added conditioning ({@code text_embeds} and {@code time_ids}).
   */
  private void unetCall(
      String format, String name, TextToImage pipeline, JsonNode out, Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("unet_call");
    ReferenceTensor sample = check.tensor(entry, "sample");
    ReferenceTensor context = check.tensor(entry, "encoder_hidden_states");
    FloatTensor result =
        pipeline
            .unet()
            .predict(
                new FloatTensor(ParityCheck.longs(sample.shape()), sample.read()),
                ParityCheck.floats(entry.path("timesteps")),
                new FloatTensor(ParityCheck.longs(context.shape()), context.read()),
                SdxlParityCases.added(check, entry));
    ParityCheck.compare(
        format,
        name,
        result.values(),
        ReferenceTensor.of(reference, out, name + ".out"),
        ParityCheck.NETWORK_CALL,
        report);
  }

  private void txt2img(String format, TextToImage pipeline, Consumer<CaseResult> report)
      throws IOException {
    JsonNode cases = index.get("txt2img");
    for (int i = 0; i < cases.size(); i++) {
      check.txt2img(format, pipeline, cases.get(i), i, report);
    }
  }

  private void embeddings(String format, StableDiffusionModel model, Consumer<CaseResult> report)
      throws IOException {
    List<TextualInversion> loaded = new ArrayList<>();
    for (JsonNode entry : index.get("embeddings")) {
      String file = entry.path("file").asText();
      TextualInversion embedding =
          TextualInversion.read(reference.resolve(file), entry.path("token").asText());
      String name = "embeddings." + Path.of(file).getFileName();
      vectors(format, name, embedding.vectors(), check.tensor(entry, "vectors_tensor"), report);
      if (entry.has("vectors_2_tensor")) {
        vectors(
            format,
            name + ".2",
            embedding.secondVectors() == null ? new float[0][] : embedding.secondVectors(),
            check.tensor(entry, "vectors_2_tensor"),
            report);
      }
      if (!entry.has("alternative_to")) {
        loaded.add(embedding);
      }
    }
    try (TextToImage pipeline = TextToImage.load(model, options, new Adapters(List.of(), loaded))) {
      JsonNode vocab = index.path("vocab");
      vocab(format, "vocab", pipeline.textEncoder(), vocab.path("after_loading"), report);
      JsonNode tokens = index.path("tokens");
      tokens(format, "", pipeline.tokenizer(), tokens, report);
      if (pipeline.sdxl().isPresent()) {
        SdxlConditioning sdxl = pipeline.sdxl().get();
        vocab(format, "vocab_2", sdxl.textEncoder2(), vocab.path("after_loading_2"), report);
        tokens(format, "_2", sdxl.tokenizer2(), tokens, report);
      }
      textEmbeddings(format, pipeline, report);
      txt2img(format, pipeline, report);
    }
  }

  /** An embedding's vectors, flattened, against the reference's (exact). */
  private static void vectors(
      String format,
      String name,
      float[][] vectors,
      ReferenceTensor expected,
      Consumer<CaseResult> report)
      throws IOException {
    float[] flat = new float[Arrays.stream(vectors).mapToInt(v -> v.length).sum()];
    int offset = 0;
    for (float[] vector : vectors) {
      System.arraycopy(vector, 0, flat, offset, vector.length);
      offset += vector.length;
    }
    report.accept(new CaseResult(format, name, CaseResult.maxAbsError(flat, expected.read()), 0));
  }

  /** A text encoder's vocabulary size after loading, when the reference gives it. */
  private static void vocab(
      String format,
      String name,
      TextEncoder encoder,
      JsonNode expected,
      Consumer<CaseResult> report) {
    if (!expected.isMissingNode()) {
      report.accept(
          new CaseResult(
              format, name, Math.abs(encoder.config().vocabSize() - expected.asLong()), 0));
    }
  }

  /**
   * The prompt's and negative prompt's ids of {@code tokenizer} ({@code prompt_ids} and {@code
   * negative_ids} with the suffix), when the reference gives them.
   */
  private static void tokens(
      String format,
      String suffix,
      ClipTokenizer tokenizer,
      JsonNode tokens,
      Consumer<CaseResult> report) {
    for (String text : List.of("prompt", "negative")) {
      String field = text.equals("prompt") ? "prompt" : "negative_prompt";
      JsonNode expected = tokens.get(text + "_ids" + suffix);
      if (expected != null) {
        int[] ids = tokenizer.encode(tokens.path(field).asText());
        report.accept(
            new CaseResult(
                format, "tokens." + field + suffix, ParityCheck.idError(ids, expected), 0));
      }
    }
  }
}
