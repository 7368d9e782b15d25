package network.hydrogen.engine.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.embedding.TextualInversion;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.model.ModelFiles;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.StableDiffusionModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The txt2img pipeline on the tiny SDXL base reference model (random weights): how requests turn
 * into the UNet batch's conditioning. Parity with the reference is ParityCheckTest's.
 */
class SdxlTextToImageTest {

  static final Path MODEL = Path.of("src/test/resources/engine-reference/sdxl/model");

  static StableDiffusionModel model;
  static TextToImage pipeline;

  @BeforeAll
  static void load() throws IOException {
    model = ModelFiles.open(MODEL);
    pipeline = TextToImage.load(model, new InferenceOptions(1));
  }

  @AfterAll
  static void close() {
    pipeline.close();
  }

  static GenerationRequest request(
      String negativePrompt, int images, double cfg, SdxlOptions options) {
    return new GenerationRequest(
        "a red fox in the snow",
        negativePrompt,
        96,
        64,
        2,
        cfg,
        3,
        images,
        "EulerDiscreteScheduler",
        null,
        options);
  }

  /** Runs the request and returns the tensors the listener saw. */
  static Map<String, FloatTensor> tensors(GenerationRequest request) {
    Map<String, FloatTensor> seen = new HashMap<>();
    GeneratedImages images =
        pipeline.generate(
            request,
            new GenerationListener() {
              @Override
              public void onStep(int completed, int total) {}

              @Override
              public void onTensor(String name, FloatTensor tensor) {
                seen.put(name, tensor);
              }
            });
    seen.put("images", new FloatTensor(new long[] {images.images().length}, images.images()));
    return seen;
  }

  @Test
  void anEmptyNegativePromptGivesZeroUnconditionalEmbeddings() {
    Map<String, FloatTensor> seen = tensors(request("", 1, 5, null));

    assertThat(seen.get("text_embeddings.uncond").shape()).containsExactly(1, 77, 64);
    assertThat(seen.get("text_embeddings.uncond").values()).containsOnly(0f);
    assertThat(seen.get("pooled_embeddings.uncond").shape()).containsExactly(1, 48);
    assertThat(seen.get("pooled_embeddings.uncond").values()).containsOnly(0f);
    assertThat(seen.get("text_embeddings.cond").values()).isNotEqualTo(new float[77 * 64]);
    assertThat(seen.get("time_ids").shape()).containsExactly(2, 6);
    assertThat(seen.get("time_ids").values())
        .containsExactly(64, 96, 0, 0, 64, 96, 64, 96, 0, 0, 64, 96);
  }

  @Test
  void withoutForcedZerosAMissingNegativePromptIsTheEncodedEmptyText() throws IOException {
    ObjectNode index = model.modelIndex().deepCopy();
    index.put("force_zeros_for_empty_prompt", false);
    StableDiffusionModel refinerLike =
        new StableDiffusionModel(
            model.source(),
            model.family(),
            index,
            model.textEncoder(),
            model.unet(),
            model.vae(),
            model.schedulerConfig(),
            model.tokenizer(),
            model.textEncoder2(),
            model.tokenizer2());
    try (TextToImage encodingEmpty = TextToImage.load(refinerLike, new InferenceOptions(1))) {
      SdxlConditioning conditioning = encodingEmpty.sdxl().orElseThrow();
      SdxlConditioning.Embeddings none = conditioning.encodeNegative(null, null);
      SdxlConditioning.Embeddings empty = conditioning.encode("", null);

      assertThat(none.promptEmbeds()).isEqualTo(empty.promptEmbeds());
      assertThat(none.pooled()).isEqualTo(empty.pooled());
      assertThat(none.pooled().values()).isNotEqualTo(new float[48]);
    }
  }

  @Test
  void timeIdsFollowTheBatchOrderNegativeFirst() {
    SdxlOptions options =
        new SdxlOptions(
            null,
            null,
            new SdxlOptions.SizeConditioning(new SdxlOptions.PixelSize(1024, 1536), 16, 32, null),
            new SdxlOptions.SizeConditioning(new SdxlOptions.PixelSize(512, 512), 0, 0, null));
    Map<String, FloatTensor> seen = tensors(request("ugly", 2, 5, options));

    assertThat(seen.get("time_ids").shape()).containsExactly(4, 6);
    assertThat(seen.get("time_ids").values())
        .containsExactly(
            512, 512, 0, 0, 64, 96, 512, 512, 0, 0, 64, 96, 1024, 1536, 16, 32, 64, 96, 1024, 1536,
            16, 32, 64, 96);
  }

  @Test
  void unguidedRequestsRunOnlyTheConditionalRows() {
    Map<String, FloatTensor> seen = tensors(request("ugly", 1, 1, null));

    assertThat(seen).doesNotContainKey("text_embeddings.uncond");
    assertThat(seen.get("time_ids").shape()).containsExactly(1, 6);
  }

  @Test
  void theSecondPromptAndTheSizeConditioningChangeTheImage() {
    float[] base = tensors(request("ugly", 1, 5, null)).get("images").values();

    assertThat(tensors(request("ugly", 1, 5, null)).get("images").values()).isEqualTo(base);
    assertThat(
            tensors(request("ugly", 1, 5, new SdxlOptions("watercolor", null, null, null)))
                .get("images")
                .values())
        .isNotEqualTo(base);
    SdxlOptions cropped =
        new SdxlOptions(null, null, new SdxlOptions.SizeConditioning(null, 16, 32, null), null);
    assertThat(tensors(request("ugly", 1, 5, cropped)).get("images").values()).isNotEqualTo(base);
  }

  @Test
  void optionsDefaultToTheOutputSizeAndRefuseBadValues() {
    assertThat(SdxlOptions.DEFAULTS.timeIds(64, 96)).containsExactly(64, 96, 0, 0, 64, 96);
    assertThat(SdxlOptions.DEFAULTS.negativeTimeIds(64, 96)).containsExactly(64, 96, 0, 0, 64, 96);
    assertThat(request("", 1, 5, null).sdxl()).isEqualTo(SdxlOptions.DEFAULTS);
    assertThatThrownBy(() -> new SdxlOptions.SizeConditioning(null, -1, 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("crop coordinates must not be negative, were (-1, 0)");
    assertThatThrownBy(() -> new SdxlOptions.PixelSize(0, 512))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a size must be positive, was 0x512");
  }

  @Test
  void longPromptsPadTheirNegativeWithTheEmptyEncodingOrWithForcedZeros() {
    SdxlConditioning sdxl = pipeline.sdxl().orElseThrow();
    String longPrompt = "a red fox in the snow, " + "tall pine trees, frozen river, ".repeat(12);
    float[] empty = sdxl.emptyConditioning().values();

    SdxlConditioning.Guided zeros = sdxl.encodeGuided(longPrompt, null, null, null);
    SdxlConditioning.Guided padded = sdxl.encodeGuided("a red fox", null, longPrompt, null);

    assertThat(zeros.cond().promptEmbeds().shape()).containsExactly(1, 154, 64);
    assertThat(zeros.uncond().promptEmbeds().shape()).containsExactly(1, 154, 64);
    assertThat(zeros.uncond().promptEmbeds().values()).containsOnly(0f);
    assertThat(zeros.uncond().pooled().values()).containsOnly(0f);
    float[] cond = padded.cond().promptEmbeds().values();
    assertThat(padded.cond().promptEmbeds().shape()).containsExactly(1, 154, 64);
    assertThat(Arrays.copyOfRange(cond, empty.length, cond.length)).containsExactly(empty);
    assertThat(Arrays.copyOf(cond, empty.length))
        .containsExactly(sdxl.encode("a red fox", null).promptEmbeds().values());
    assertThat(padded.cond().pooled().values())
        .containsExactly(sdxl.encode("a red fox", null).pooled().values());
  }

  @Test
  void sdxlTakesOnlySdxlEmbeddingsAndOtherModelsNone() throws IOException {
    TextualInversion single =
        new TextualInversion("<fox>", new float[][] {new float[16]}, Path.of("fox.safetensors"));
    TextualInversion dual =
        new TextualInversion(
            "<fox>",
            new float[][] {new float[32]},
            new float[][] {new float[48]},
            Path.of("fox-xl.safetensors"));
    StableDiffusionModel sd15 =
        ModelFiles.open(Path.of("src/test/resources/engine-reference/sd15/model"));

    assertThatThrownBy(
            () ->
                TextToImage.load(
                    model, new InferenceOptions(1), new Adapters(List.of(), List.of(single))))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("fox.safetensors")
        .hasMessageContaining("SDXL needs an SDXL embedding with clip_l and clip_g vectors");
    assertThatThrownBy(
            () ->
                TextToImage.load(
                    sd15, new InferenceOptions(1), new Adapters(List.of(), List.of(dual))))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("fox-xl.safetensors is an SDXL embedding")
        .hasMessageContaining("the model is not SDXL");
    assertThatThrownBy(
            () ->
                new TextualInversion(
                    "<fox>",
                    new float[][] {new float[16]},
                    new float[][] {new float[48], new float[48]},
                    Path.of("bad.safetensors")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("has 1 clip_l vectors but 2 clip_g vectors");
  }
}
