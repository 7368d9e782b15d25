package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.tokenizer.ClipTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded standard configs describe the real networks: their parameter layouts add up to the
 * published parameter counts of SD 1.5, SD 2.1 and SDXL base 1.0.
 */
class StandardConfigsTest {

  @TempDir Path dir;

  private static long parameters(Map<String, long[]> shapes) {
    long total = 0;
    for (long[] shape : shapes.values()) {
      long count = 1;
      for (long d : shape) {
        count *= d;
      }
      total += count;
    }
    return total;
  }

  private static UNetConfig unet(String family) {
    return UNetConfig.parse(
        ConfigJson.resource("standard/" + family + "/unet/config.json"), family + " unet");
  }

  @Test
  void sd15LayoutsHaveThePublishedParameterCounts() {
    Map<String, long[]> unet = ParameterLayout.unetShapes(unet("sd15"));
    assertThat(unet).hasSize(686);
    assertThat(parameters(unet)).isEqualTo(859_520_964L);
    VaeConfig vae =
        VaeConfig.parse(ConfigJson.resource("standard/sd15/vae/config.json"), "sd15 vae");
    assertThat(ParameterLayout.vaeShapes(vae)).hasSize(248);
    assertThat(parameters(ParameterLayout.vaeShapes(vae))).isEqualTo(83_653_863L);
    ClipTextConfig clip =
        ClipTextConfig.parse(
            ConfigJson.resource("standard/sd15/text_encoder/config.json"), "sd15 text encoder");
    assertThat(parameters(ParameterLayout.textEncoderShapes(clip))).isEqualTo(123_060_480L);
  }

  @Test
  void sd21LayoutsHaveThePublishedParameterCounts() {
    UNetConfig config = unet("sd21");
    assertThat(config.useLinearProjection()).isTrue();
    assertThat(config.upcastAttention()).isTrue();
    assertThat(config.headsAt(0)).isEqualTo(5);
    assertThat(config.midHeads()).isEqualTo(20);
    assertThat(parameters(ParameterLayout.unetShapes(config))).isEqualTo(865_910_724L);
    ClipTextConfig clip =
        ClipTextConfig.parse(
            ConfigJson.resource("standard/sd21/text_encoder/config.json"), "sd21 text encoder");
    // OpenCLIP ViT-H/14's 354,032,640 text parameters less its last block and text_projection,
    // which diffusers drops.
    assertThat(parameters(ParameterLayout.textEncoderShapes(clip)))
        .isEqualTo(354_032_640L - 12_596_224L - 1024L * 1024L);
    assertThat(
            ConfigJson.resource("standard/sd21/scheduler/scheduler_config.json")
                .path("prediction_type")
                .asText())
        .isEqualTo("v_prediction");
  }

  @Test
  void standardTokenizersShareTheClipVocabularyAndDifferInPadding() throws IOException {
    Path reference = ModelFilesTest.FOLDER.resolve("tokenizer");
    Path sd1 = ModelFiles.standardTokenizer(ModelFamily.SD1);
    Path sd2 = ModelFiles.standardTokenizer(ModelFamily.SD2);

    for (Path folder : List.of(sd1, sd2)) {
      assertThat(Files.mismatch(folder.resolve("vocab.json"), reference.resolve("vocab.json")))
          .isEqualTo(-1);
      assertThat(Files.mismatch(folder.resolve("merges.txt"), reference.resolve("merges.txt")))
          .isEqualTo(-1);
    }
    assertThat(ClipTokenizer.load(sd1).padId()).isEqualTo(49407);
    assertThat(ClipTokenizer.load(sd2).padId()).isZero();
    assertThat(ClipTokenizer.load(ModelFiles.standardTokenizer(ModelFamily.SDXL)).padId())
        .isEqualTo(49407);
  }

  @Test
  void sdxlLayoutsHaveThePublishedParameterCounts() {
    UNetConfig config = unet("sdxl");
    assertThat(config.additionEmbedType()).isEqualTo("text_time");
    assertThat(config.transformerLayersPerBlock()).containsExactly(1, 2, 10);
    assertThat(parameters(ParameterLayout.unetShapes(config))).isEqualTo(2_567_463_684L);
    VaeConfig vae =
        VaeConfig.parse(ConfigJson.resource("standard/sdxl/vae/config.json"), "sdxl vae");
    assertThat(vae.scalingFactor()).isEqualTo(0.13025);
    assertThat(parameters(ParameterLayout.vaeShapes(vae))).isEqualTo(83_653_863L);
    ClipTextConfig clip =
        ClipTextConfig.parse(
            ConfigJson.resource("standard/sdxl/text_encoder/config.json"), "sdxl text encoder");
    assertThat(parameters(ParameterLayout.textEncoderShapes(clip))).isEqualTo(123_060_480L);
    ClipTextConfig bigG =
        ClipTextConfig.parse(
            ConfigJson.resource("standard/sdxl/text_encoder_2/config.json"), "sdxl text encoder 2");
    assertThat(bigG.withProjection()).isTrue();
    assertThat(parameters(ParameterLayout.textEncoderShapes(bigG))).isEqualTo(694_659_840L);
    // the context is both encoders' widths, the added embedding pooled + 6 time ids x 256
    assertThat(config.crossAttentionDim()).isEqualTo(clip.hiddenSize() + bigG.hiddenSize());
    assertThat(config.projectionClassEmbeddingsInputDim())
        .isEqualTo(bigG.projectionDim() + 6 * config.additionTimeEmbedDim());
  }

  @Test
  void sdxlRefinerConfigsMatchTheBaseEncoderAndFiveTimeIds() {
    UNetConfig config = unet("sdxl-refiner");
    ClipTextConfig bigG =
        ClipTextConfig.parse(
            ConfigJson.resource("standard/sdxl-refiner/text_encoder_2/config.json"),
            "sdxl refiner text encoder 2");
    assertThat(config.blockOutChannels()).containsExactly(384, 768, 1536, 1536);
    assertThat(config.transformerLayersPerBlock()).containsExactly(4, 4, 4, 4);
    // the context is the one encoder's width, the added embedding pooled + 5 time ids x 256
    assertThat(config.crossAttentionDim()).isEqualTo(bigG.hiddenSize());
    assertThat(config.projectionClassEmbeddingsInputDim())
        .isEqualTo(bigG.projectionDim() + 5 * config.additionTimeEmbedDim());
    Map<String, long[]> shapes = ParameterLayout.unetShapes(config);
    assertThat(shapes.get("down_blocks.1.attentions.1.transformer_blocks.3.attn2.to_k.weight"))
        .containsExactly(768, 1280);
    assertThat(shapes).containsKey("down_blocks.3.resnets.1.conv2.weight");
    assertThat(shapes.keySet()).noneMatch(name -> name.startsWith("down_blocks.3.attentions."));
  }

  private Path checkpointWithKeys(String... keys) throws IOException {
    SafeTensorsWriter writer = new SafeTensorsWriter();
    for (String key : keys) {
      writer.add(new Tensor(key, DType.F32, new long[] {1}, ByteBuffer.allocate(4)));
    }
    Path file = dir.resolve("checkpoint.safetensors");
    writer.write(file);
    return file;
  }

  @Test
  void familiesAreRecognisedFromKeyNames() throws IOException {
    assertThat(
            ModelFamily.detect(
                SafeTensorsFile.open(
                    checkpointWithKeys(
                        "model.diffusion_model.input_blocks.0.0.weight",
                        "first_stage_model.decoder.conv_in.weight",
                        "cond_stage_model.model.token_embedding.weight"))))
        .isEqualTo(ModelFamily.SD2);
    assertThat(ModelFamily.detect(SafeTensorsFile.open(ModelFilesTest.SINGLE_FILE)))
        .isEqualTo(ModelFamily.SD1);

    Path sdxl =
        checkpointWithKeys(
            "model.diffusion_model.input_blocks.0.0.weight",
            "first_stage_model.decoder.conv_in.weight",
            "conditioner.embedders.1.model.positional_embedding");
    assertThat(ModelFamily.detect(SafeTensorsFile.open(sdxl))).isEqualTo(ModelFamily.SDXL);
    assertThatThrownBy(() -> ModelFiles.open(sdxl))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(
            "has no tensor conditioner.embedders.0.transformer.text_model.embeddings"
                + ".token_embedding.weight (needed for the text encoder parameter");
    Path refiner =
        checkpointWithKeys(
            "model.diffusion_model.input_blocks.0.0.weight",
            "first_stage_model.decoder.conv_in.weight",
            "conditioner.embedders.0.model.positional_embedding");
    assertThatThrownBy(() -> ModelFiles.open(refiner))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(refiner.toString())
        .hasMessageContaining("for the text encoder parameter");

    Path unetOnly = checkpointWithKeys("model.diffusion_model.input_blocks.0.0.weight");
    assertThatThrownBy(() -> ModelFiles.open(unetOnly))
        .hasMessageContaining("is not a Stable Diffusion 1.x/2.x/XL checkpoint")
        .hasMessageContaining("first_stage_model.* (VAE)");

    Path component = checkpointWithKeys("down_blocks.0.resnets.0.conv1.weight");
    assertThatThrownBy(() -> ModelFiles.open(component))
        .hasMessageContaining("holds a single diffusers component");
  }
}
