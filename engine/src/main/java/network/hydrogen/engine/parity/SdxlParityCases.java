package network.hydrogen.engine.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.UNet;
import network.hydrogen.engine.pipeline.AestheticScore;
import network.hydrogen.engine.pipeline.SdxlConditioning;
import network.hydrogen.engine.pipeline.SdxlOptions;

/**
 * The cases of an SDXL reference that differ from SD 1.x/2.x: {@code tokens_2} (the second
 * tokenizer), {@code text_embeddings} cases (both encoders, pooled output, negative prompt
 * handling), {@code time_ids} (the refiner's with aesthetic scores) and the {@code unet_call} with
 * added conditioning. The shared cases (tokens, VAE, whole generations) run in {@link ParityCheck}.
 */
final class SdxlParityCases {

  private static final Pattern TEXT_CASE = Pattern.compile("text case (\\w+)");

  private final ParityCheck check;
  private final JsonNode index;
  private final SdxlConditioning sdxl;
  private final UNet unet;

  SdxlParityCases(ParityCheck check, JsonNode index, SdxlConditioning sdxl, UNet unet) {
    this.check = check;
    this.index = index;
    this.sdxl = sdxl;
    this.unet = unet;
  }

  void run(String format, Consumer<CaseResult> report) throws IOException {
    for (String required : new String[] {"tokens_2", "time_ids"}) {
      if (!index.has(required)) {
        throw new MalformedReferenceException(
            "the reference has no '" + required + "' section, which an SDXL reference needs");
      }
    }
    ParityCheck.tokens(format, index.get("tokens_2"), "tokens_2", sdxl.tokenizer2(), report);
    textEmbeddings(format, report);
    timeIds(format, report);
    unetCall(format, report);
  }

  /**
   * The SDXL inputs of a reference entry's optional fields: {@code prompt_2}, {@code
   * negative_prompt_2}, {@code original_size}, {@code crops_coords_top_left}, {@code target_size}
   * and their {@code negative_} forms, which (as in the reference pipeline) apply only when both
   * negative sizes are given. Entries without them give the defaults.
   */
  static SdxlOptions options(JsonNode entry) {
    SdxlOptions.SizeConditioning size =
        entry.has("original_size") || entry.has("crops_coords_top_left") || entry.has("target_size")
            ? size(entry, "")
            : null;
    SdxlOptions.SizeConditioning negativeSize =
        entry.has("negative_original_size") && entry.has("negative_target_size")
            ? size(entry, "negative_")
            : null;
    return new SdxlOptions(
        optionalText(entry, "prompt_2"),
        optionalText(entry, "negative_prompt_2"),
        size,
        negativeSize);
  }

  /** The refiner's aesthetic scores of an entry; null when it has none (SDXL base). */
  static AestheticScore aesthetic(JsonNode entry) {
    if (!entry.has("aesthetic_score")) {
      return null;
    }
    return new AestheticScore(
        entry.path("aesthetic_score").asDouble(),
        entry.path("negative_aesthetic_score").asDouble(AestheticScore.DEFAULT.negativeScore()));
  }

  private static SdxlOptions.SizeConditioning size(JsonNode entry, String prefix) {
    JsonNode crop = entry.path(prefix + "crops_coords_top_left");
    return new SdxlOptions.SizeConditioning(
        pixelSize(entry.path(prefix + "original_size")),
        crop.path(0).asInt(0),
        crop.path(1).asInt(0),
        pixelSize(entry.path(prefix + "target_size")));
  }

  private static SdxlOptions.PixelSize pixelSize(JsonNode heightWidth) {
    if (heightWidth.isMissingNode() || heightWidth.isNull()) {
      return null;
    }
    if (heightWidth.size() != 2) {
      throw new MalformedReferenceException("a size must be [height, width], was " + heightWidth);
    }
    return new SdxlOptions.PixelSize(heightWidth.get(0).asInt(), heightWidth.get(1).asInt());
  }

  private static String optionalText(JsonNode entry, String field) {
    JsonNode node = entry.path(field);
    return node.isMissingNode() || node.isNull() ? null : node.asText();
  }

  /** The {@code text_embeddings} cases: both encoders' embeddings and pooled, cond and uncond. */
  void textEmbeddings(String format, Consumer<CaseResult> report) throws IOException {
    for (JsonNode entry : index.path("text_embeddings").path("cases")) {
      String name = "text_embeddings." + entry.path("case").asText();
      SdxlOptions options = options(entry);
      SdxlConditioning.Embeddings cond =
          sdxl.encode(entry.path("prompt").asText(), options.prompt2());
      SdxlConditioning.Embeddings uncond =
          sdxl.encodeNegative(optionalText(entry, "negative_prompt"), options.negativePrompt2());
      compare(format, name + ".prompt_embeds", cond.promptEmbeds(), entry, "prompt_embeds", report);
      compare(
          format,
          name + ".negative_prompt_embeds",
          uncond.promptEmbeds(),
          entry,
          "negative_prompt_embeds",
          report);
      compare(format, name + ".pooled", cond.pooled(), entry, "pooled_prompt_embeds", report);
      compare(
          format,
          name + ".negative_pooled",
          uncond.pooled(),
          entry,
          "negative_pooled_prompt_embeds",
          report);
    }
  }

  private void compare(
      String format,
      String name,
      FloatTensor actual,
      JsonNode entry,
      String field,
      Consumer<CaseResult> report)
      throws IOException {
    ParityCheck.compare(
        format,
        name,
        actual.values(),
        check.tensor(entry, field),
        ParityCheck.NETWORK_CALL,
        report);
  }

  /** The time ids for the entry's sizes; its target size stands for the output size. */
  private void timeIds(String format, Consumer<CaseResult> report) {
    for (JsonNode entry : index.path("time_ids").path("cases")) {
      String name = "time_ids." + entry.path("case").asText();
      SdxlOptions options = options(entry);
      SdxlOptions.PixelSize output = pixelSize(entry.path("target_size"));
      if (output == null) {
        throw new MalformedReferenceException(name + " has no target_size");
      }
      AestheticScore aesthetic = aesthetic(entry);
      float[] ids =
          aesthetic == null
              ? options.timeIds(output.height(), output.width())
              : aesthetic.timeIds(options, output.height(), output.width());
      float[] negative =
          aesthetic == null
              ? options.negativeTimeIds(output.height(), output.width())
              : aesthetic.negativeTimeIds(options, output.height(), output.width());
      report.accept(
          new CaseResult(
              format,
              name + ".add_time_ids",
              CaseResult.maxAbsError(ids, ParityCheck.floats(entry.path("add_time_ids"))),
              0));
      report.accept(
          new CaseResult(
              format,
              name + ".negative_add_time_ids",
              CaseResult.maxAbsError(
                  negative, ParityCheck.floats(entry.path("negative_add_time_ids"))),
              0));
    }
  }

  /**
   * One UNet call; item 0 is conditioned on the named text case's prompt, item 1 on its negative
   * prompt (the index says which case).
   */
  private void unetCall(String format, Consumer<CaseResult> report) throws IOException {
    JsonNode entry = index.get("unet_call");
    JsonNode text = textCase(entry.path("encoder_hidden_states").asText());
    SdxlOptions options = options(text);
    SdxlConditioning.Embeddings cond = sdxl.encode(text.path("prompt").asText(), options.prompt2());
    SdxlConditioning.Embeddings uncond =
        sdxl.encodeNegative(optionalText(text, "negative_prompt"), options.negativePrompt2());
    ReferenceTensor sample = check.tensor(entry, "sample");
    int batch = sample.shape()[0];
    if (batch != 2) {
      throw new MalformedReferenceException("unet_call: expected a batch of 2, got " + batch);
    }
    FloatTensor context = stack(cond.promptEmbeds(), uncond.promptEmbeds());
    FloatTensor pooled = stack(cond.pooled(), uncond.pooled());
    FloatTensor timeIds = timeIds(entry.path("time_ids"));
    FloatTensor out =
        unet.predict(
            new FloatTensor(ParityCheck.longs(sample.shape()), sample.read()),
            ParityCheck.floats(entry.path("timesteps")),
            context,
            new UNet.AddedConditioning(pooled, timeIds));
    ParityCheck.compare(
        format,
        "unet_call",
        out.values(),
        check.tensor(entry, "out"),
        ParityCheck.NETWORK_CALL,
        report);
  }

  private JsonNode textCase(String description) {
    Matcher matcher = TEXT_CASE.matcher(description);
    if (!matcher.find()) {
      throw new MalformedReferenceException(
          "unet_call.encoder_hidden_states names no text case: " + description);
    }
    for (JsonNode entry : index.path("text_embeddings").path("cases")) {
      if (entry.path("case").asText().equals(matcher.group(1))) {
        return entry;
      }
    }
    throw new MalformedReferenceException(
        "unet_call names the text case " + matcher.group(1) + ", which text_embeddings lacks");
  }

  /**
   * The added conditioning stored in a reference entry ({@code text_embeds} tensor, {@code
   * time_ids} rows), or null when it has none (SD 1.x/2.x).
   */
  static UNet.AddedConditioning added(ParityCheck check, JsonNode entry) throws IOException {
    if (!entry.has("text_embeds")) {
      return null;
    }
    ReferenceTensor pooled = check.tensor(entry, "text_embeds");
    return new UNet.AddedConditioning(
        new FloatTensor(ParityCheck.longs(pooled.shape()), pooled.read()),
        timeIds(entry.path("time_ids")));
  }

  /** Time id rows as a [rows, ids] tensor. */
  static FloatTensor timeIds(JsonNode rows) {
    return new FloatTensor(
        new long[] {rows.size(), rows.path(0).size()},
        ParityCheck.floats(ParityCheck.flatten(rows)));
  }

  /** Two tensors of shape [1, ...] as one of [2, ...]. */
  static FloatTensor stack(FloatTensor first, FloatTensor second) {
    long[] shape = first.shape();
    shape[0] = 2;
    float[] values = new float[first.values().length * 2];
    System.arraycopy(first.values(), 0, values, 0, first.values().length);
    System.arraycopy(second.values(), 0, values, first.values().length, second.values().length);
    return new FloatTensor(shape, values);
  }
}
