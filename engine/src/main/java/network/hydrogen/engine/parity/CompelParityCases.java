package network.hydrogen.engine.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.UNet;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.SdxlConditioning;
import network.hydrogen.engine.pipeline.TextToImage;
import network.hydrogen.engine.prompt.PromptConditioning;
import network.hydrogen.task.prompt.PromptParser;

/**
 * The parity cases of a prompt weighting reference ({@code sd15-compel}, {@code sdxl-compel}, made
 * with compel): on its {@code base_model} in both formats, the empty prompt's encoding, each
 * weighted prompt's token ids (SD 1.x/2.x) and conditioning (SDXL: and pooled embedding), a long
 * prompt's chunked token ids and conditioning with its negative prompt before and after padding to
 * one length, a UNet call on that long conditioning (SDXL: with the pooled embeddings and time ids)
 * and, where the index has them, whole generations on the prompts.
 */
final class CompelParityCases {

  static final String SECTION = "compel";

  private final JsonNode index;
  private final InferenceOptions options;
  private final ParityCheck check;

  private CompelParityCases(Path reference, JsonNode index, InferenceOptions options) {
    this.index = index;
    this.options = options;
    this.check = new ParityCheck(reference, index, options);
  }

  static List<CaseResult> run(
      Path dir, JsonNode index, InferenceOptions options, Consumer<CaseResult> report)
      throws IOException {
    for (String required : List.of("cases", "long_prompt", "unet_call_long")) {
      if (!index.has(required)) {
        throw new MalformedReferenceException(
            dir + "/golden/index.json has a 'compel' section but no '" + required + "'");
      }
    }
    CompelParityCases cases = new CompelParityCases(dir, index, options);
    return AdapterParityCheck.onBaseModel(dir, index, report, cases::runFormat);
  }

  private void runFormat(String format, StableDiffusionModel model, Consumer<CaseResult> report)
      throws IOException {
    try (TextToImage pipeline = TextToImage.load(model, options)) {
      if (pipeline.sdxl().isPresent()) {
        sdxl(format, pipeline, pipeline.sdxl().get(), report);
        return;
      }
      PromptConditioning prompts = pipeline.prompts();
      emptyZ(format, prompts.emptyConditioning(), report);
      JsonNode cases = index.get("cases");
      for (int i = 0; i < cases.size(); i++) {
        JsonNode entry = cases.get(i);
        String prompt = entry.path("prompt").asText();
        tokenIds(
            format, "compel." + i + ".token_ids", prompts, prompt, entry.get("token_ids"), report);
        compare(
            format,
            "compel." + i + ".conditioning",
            prompts.encode(prompt),
            entry,
            "conditioning",
            report);
      }
      List<FloatTensor> padded = longPrompt(format, prompts, report);
      unetCallLong(format, pipeline, padded, report);
    }
  }

  /** The empty prompt's encoding, what long conditionings are padded with. */
  private void emptyZ(String format, FloatTensor empty, Consumer<CaseResult> report)
      throws IOException {
    ParityCheck.compare(
        format,
        "compel.empty_z",
        empty.values(),
        check.tensor(index.get(SECTION), "empty_z"),
        ParityCheck.NETWORK_CALL,
        report);
  }

  /** The SDXL cases: conditionings and pooled embeddings, the long prompt, UNet call, txt2img. */
  private void sdxl(
      String format, TextToImage pipeline, SdxlConditioning sdxl, Consumer<CaseResult> report)
      throws IOException {
    emptyZ(format, sdxl.emptyConditioning(), report);
    JsonNode cases = index.get("cases");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode entry = cases.get(i);
      SdxlConditioning.Embeddings embeddings = sdxl.encode(entry.path("prompt").asText(), null);
      String name = "compel." + i;
      compare(
          format, name + ".conditioning", embeddings.promptEmbeds(), entry, "conditioning", report);
      compare(format, name + ".pooled", embeddings.pooled(), entry, "pooled", report);
    }
    JsonNode entry = index.get("long_prompt");
    String prompt = entry.path("prompt").asText();
    String negative = entry.path("negative_prompt").asText();
    SdxlConditioning.Embeddings cond = sdxl.encode(prompt, null);
    SdxlConditioning.Embeddings uncond = sdxl.encodeNegative(negative, null);
    compare(format, "long_prompt.cond", cond.promptEmbeds(), entry, "cond", report);
    compare(format, "long_prompt.pooled", cond.pooled(), entry, "pooled", report);
    compare(format, "long_prompt.uncond", uncond.promptEmbeds(), entry, "uncond_unpadded", report);
    compare(
        format, "long_prompt.negative_pooled", uncond.pooled(), entry, "negative_pooled", report);
    SdxlConditioning.Guided guided = sdxl.encodeGuided(prompt, null, negative, null);
    compare(format, "long_prompt.cond_padded", guided.cond().promptEmbeds(), entry, "cond", report);
    compare(
        format,
        "long_prompt.uncond_padded",
        guided.uncond().promptEmbeds(),
        entry,
        "uncond_padded",
        report);

    JsonNode call = index.get("unet_call_long");
    ReferenceTensor sample = check.tensor(call, "sample");
    FloatTensor out =
        pipeline
            .unet()
            .predict(
                new FloatTensor(ParityCheck.longs(sample.shape()), sample.read()),
                ParityCheck.floats(call.path("timesteps")),
                SdxlParityCases.stack(guided.cond().promptEmbeds(), guided.uncond().promptEmbeds()),
                new UNet.AddedConditioning(
                    SdxlParityCases.stack(guided.cond().pooled(), guided.uncond().pooled()),
                    SdxlParityCases.timeIds(call.path("time_ids"))));
    ParityCheck.compare(
        format,
        "unet_call_long",
        out.values(),
        check.tensor(call, "out"),
        ParityCheck.NETWORK_CALL,
        report);
    JsonNode runs = index.path("txt2img");
    for (int i = 0; i < runs.size(); i++) {
      check.txt2img(format, pipeline, runs.get(i), i, report);
    }
  }

  /** The long prompt's cases; returns its conditioning and its negative's, padded. */
  private List<FloatTensor> longPrompt(
      String format, PromptConditioning prompts, Consumer<CaseResult> report) throws IOException {
    JsonNode entry = index.get("long_prompt");
    String prompt = entry.path("prompt").asText();
    tokenIds(
        format,
        "long_prompt.token_ids",
        prompts,
        prompt,
        ParityCheck.flatten(entry.get("token_ids_per_chunk")),
        report);
    FloatTensor cond = prompts.encode(prompt);
    FloatTensor uncond = prompts.encode(entry.path("negative_prompt").asText());
    compare(format, "long_prompt.cond", cond, entry, "cond", report);
    compare(format, "long_prompt.uncond", uncond, entry, "uncond_unpadded", report);
    List<FloatTensor> padded = prompts.padToSameLength(List.of(cond, uncond));
    compare(format, "long_prompt.cond_padded", padded.get(0), entry, "cond_padded", report);
    compare(format, "long_prompt.uncond_padded", padded.get(1), entry, "uncond_padded", report);
    return padded;
  }

  /** One batch-2 UNet call on [cond, uncond] of the long prompt (308 tokens each). */
  private void unetCallLong(
      String format, TextToImage pipeline, List<FloatTensor> padded, Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("unet_call_long");
    ReferenceTensor sample = check.tensor(entry, "sample");
    FloatTensor cond = padded.get(0);
    float[] context = new float[2 * cond.values().length];
    System.arraycopy(cond.values(), 0, context, 0, cond.values().length);
    System.arraycopy(
        padded.get(1).values(), 0, context, cond.values().length, cond.values().length);
    FloatTensor out =
        pipeline
            .unet()
            .predict(
                new FloatTensor(ParityCheck.longs(sample.shape()), sample.read()),
                ParityCheck.floats(entry.path("timesteps")),
                new FloatTensor(new long[] {2, cond.dim(1), cond.dim(2)}, context));
    ParityCheck.compare(
        format,
        "unet_call_long",
        out.values(),
        check.tensor(entry, "out"),
        ParityCheck.NETWORK_CALL,
        report);
  }

  private static void tokenIds(
      String format,
      String name,
      PromptConditioning prompts,
      String prompt,
      JsonNode expected,
      Consumer<CaseResult> report) {
    int[] ids = prompts.tokenIds(PromptParser.parse(prompt));
    report.accept(new CaseResult(format, name, ParityCheck.idError(ids, expected), 0));
  }

  private void compare(
      String format,
      String name,
      FloatTensor actual,
      JsonNode entry,
      String field,
      Consumer<CaseResult> report)
      throws IOException {
    ReferenceTensor expected = check.tensor(entry, field);
    if (!Arrays.equals(ParityCheck.longs(expected.shape()), actual.shape())) {
      report.accept(new CaseResult(format, name, Double.POSITIVE_INFINITY, 0));
      return;
    }
    ParityCheck.compare(format, name, actual.values(), expected, ParityCheck.NETWORK_CALL, report);
  }
}
