package network.hydrogen.engine.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import network.hydrogen.engine.controlnet.ControlImage;
import network.hydrogen.engine.controlnet.Preprocessor;
import network.hydrogen.engine.graph.ControlNet;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.ControlNetModel;
import network.hydrogen.engine.model.StableDiffusionModel;
import network.hydrogen.engine.pipeline.Adapters;
import network.hydrogen.engine.pipeline.ControlNetInput;
import network.hydrogen.engine.pipeline.TextToImage;

/**
 * The parity cases of a ControlNet reference ({@code sd15-controlnet}, {@code sdxl-controlnet}):
 * its index names the ControlNet folder ({@code controlnet.dir}) and the {@code base_model}, loaded
 * in both formats as in {@link AdapterParityCheck}. Cases: {@code canny} (the preprocessor's edge
 * map, exact; or a ready {@code control_png} used as it is), {@code control_image} (the
 * ControlNet's image input for the CFG batch, exact), {@code text_embeddings} (when present),
 * {@code controlnet_call} (each scaled down residual and the mid residual; SDXL: with the entry's
 * {@code text_embeds} and {@code time_ids}), {@code unet_call} (the UNet with those residuals) and
 * {@code txt2img}.
 */
final class ControlNetParityCheck {

  static final String CONTROLNET = "controlnet";
  static final String CONTROL_PNG = "control_png";

  private final Path reference;
  private final JsonNode index;
  private final InferenceOptions options;
  private final ParityCheck check;

  private ControlNetParityCheck(Path reference, JsonNode index, InferenceOptions options) {
    this.reference = reference;
    this.index = index;
    this.options = options;
    this.check = new ParityCheck(reference, index, options);
  }

  static List<CaseResult> run(
      Path dir, JsonNode index, InferenceOptions options, Consumer<CaseResult> report)
      throws IOException {
    Path base = AdapterParityCheck.baseModel(dir, index);
    if (!index.has("canny") && !index.has(CONTROL_PNG)) {
      throw new MalformedReferenceException(
          dir + "/golden/index.json has neither a 'canny' section nor a '" + CONTROL_PNG + "'");
    }
    for (String required : List.of("control_image", "controlnet_call", "unet_call")) {
      if (!index.has(required)) {
        throw new MalformedReferenceException(
            dir + "/golden/index.json has no '" + required + "' section");
      }
    }
    Path controlNetDir = dir.resolve(index.get(CONTROLNET).path("dir").asText(CONTROLNET));
    if (!Files.isDirectory(controlNetDir)) {
      throw new MalformedReferenceException(
          dir + ": the ControlNet folder " + controlNetDir + " is missing");
    }
    ControlNetParityCheck controlCheck = new ControlNetParityCheck(dir, index, options);
    ControlNetModel controlNet = ControlNetModel.open(controlNetDir);
    return ParityCheck.inBothFormats(
        report,
        (format, collect) ->
            controlCheck.runFormat(format.label(), format.open(base), controlNet, collect));
  }

  private void runFormat(
      String format,
      StableDiffusionModel model,
      ControlNetModel controlNet,
      Consumer<CaseResult> report)
      throws IOException {
    ControlImage edges =
        index.has(CONTROL_PNG)
            ? ControlImage.decode(
                Files.readAllBytes(reference.resolve(index.get(CONTROL_PNG).asText())))
            : canny(format, report);
    double scale = index.get("controlnet_call").path("conditioning_scale").asDouble();
    ControlNetInput control = new ControlNetInput(edges, scale);
    try (TextToImage pipeline = TextToImage.load(model, options, Adapters.NONE, controlNet)) {
      ReferenceTensor expectedImage = check.tensor(index.get("control_image"), "out");
      int[] shape = expectedImage.shape();
      FloatTensor image =
          edges.resize(shape[3], shape[2]).toTensor(shape[0], controlNet.config().bgr());
      report.accept(
          new CaseResult(
              format,
              "control_image",
              CaseResult.maxAbsError(image.values(), expectedImage.read()),
              0));
      if (index.has("text_embeddings")) {
        check.textEmbeddings(format, pipeline, report);
      }
      ControlNet.Residuals residuals = controlNetCall(format, pipeline, image, scale, report);
      unetCall(format, pipeline, residuals, report);
      JsonNode cases = index.get("txt2img");
      for (int i = 0; i < cases.size(); i++) {
        JsonNode entry = cases.get(i);
        ControlNetInput input =
            new ControlNetInput(
                control.image(), entry.path("controlnet_conditioning_scale").asDouble(scale));
        check.txt2img(format, pipeline, entry, i, input, report);
      }
    }
  }

  /** The reference annotator's edge map of its input, compared pixel for pixel. */
  private ControlImage canny(String format, Consumer<CaseResult> report) throws IOException {
    JsonNode entry = index.get("canny");
    ControlImage input =
        ControlImage.decode(
            Files.readAllBytes(reference.resolve(entry.path("input_png").asText())));
    ControlImage edges =
        Preprocessor.canny(
                entry.path("low_threshold").asInt(), entry.path("high_threshold").asInt())
            .apply(input, options);
    float[] values = new float[edges.rgb().length];
    for (int i = 0; i < values.length; i++) {
      values[i] = edges.rgb()[i] & 0xff;
    }
    report.accept(
        new CaseResult(
            format,
            "canny",
            CaseResult.maxAbsError(values, check.tensor(entry, "output").read()),
            0));
    return edges;
  }

  private ControlNet.Residuals controlNetCall(
      String format,
      TextToImage pipeline,
      FloatTensor image,
      double scale,
      Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("controlnet_call");
    ControlNet.Residuals residuals =
        pipeline
            .controlNet()
            .orElseThrow()
            .residuals(
                input(entry, "sample"),
                ParityCheck.floats(entry.path("timesteps")),
                input(entry, "encoder_hidden_states"),
                SdxlParityCases.added(check, entry),
                image,
                (float) scale);
    JsonNode down = entry.get("down_block_res_samples");
    if (down.size() != residuals.down().size()) {
      throw new MalformedReferenceException(
          reference
              + ": the reference has "
              + down.size()
              + " down residuals, the ControlNet makes "
              + residuals.down().size());
    }
    for (int i = 0; i < down.size(); i++) {
      ParityCheck.compare(
          format,
          "controlnet_call.down_" + i,
          residuals.down().get(i).values(),
          ReferenceTensor.of(reference, down.get(i), "down_block_res_samples." + i),
          ParityCheck.NETWORK_CALL,
          report);
    }
    ParityCheck.compare(
        format,
        "controlnet_call.mid",
        residuals.mid().values(),
        check.tensor(entry, "mid_block_res_sample"),
        ParityCheck.NETWORK_CALL,
        report);
    return residuals;
  }

  private void unetCall(
      String format,
      TextToImage pipeline,
      ControlNet.Residuals residuals,
      Consumer<CaseResult> report)
      throws IOException {
    JsonNode entry = index.get("controlnet_call");
    FloatTensor out =
        pipeline
            .unet()
            .predict(
                input(entry, "sample"),
                ParityCheck.floats(entry.path("timesteps")),
                input(entry, "encoder_hidden_states"),
                SdxlParityCases.added(check, entry),
                residuals);
    ParityCheck.compare(
        format,
        "unet_call",
        out.values(),
        check.tensor(index.get("unet_call"), "out"),
        ParityCheck.NETWORK_CALL,
        report);
  }

  private FloatTensor input(JsonNode entry, String field) throws IOException {
    ReferenceTensor tensor = check.tensor(entry, field);
    return new FloatTensor(ParityCheck.longs(tensor.shape()), tensor.read());
  }
}
