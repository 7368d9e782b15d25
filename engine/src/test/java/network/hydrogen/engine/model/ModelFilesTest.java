package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

  static final Path SD15 = Path.of("src/test/resources/engine-reference/sd15");
  static final Path FOLDER = SD15.resolve("model");
  static final Path SINGLE_FILE = SD15.resolve("model.safetensors");

  @TempDir Path dir;

  @Test
  void diffusersFolderHasConfigsAndExactlyTheParametersTheyRequire() throws IOException {
    StableDiffusionModel model = ModelFiles.open(FOLDER);

    assertThat(model.family()).isEqualTo(ModelFamily.SD1);
    assertThat(model.modelIndex().path("_class_name").asText())
        .isEqualTo("StableDiffusionPipeline");
    UNetConfig unet = model.unet().config();
    assertThat(unet.blockOutChannels()).containsExactly(32, 64);
    assertThat(unet.downBlockTypes()).containsExactly("CrossAttnDownBlock2D", "DownBlock2D");
    assertThat(unet.crossAttentionDim()).isEqualTo(32);
    assertThat(unet.headsAt(0)).isEqualTo(8);
    assertThat(unet.transformerLayersPerBlock()).containsExactly(1, 1);
    assertThat(unet.sampleSize()).isEqualTo(8);
    assertThat(unet.additionEmbedType()).isNull();
    ClipTextConfig clip = model.textEncoder().config();
    assertThat(clip.hiddenAct()).isEqualTo("quick_gelu");
    assertThat(clip.numHiddenLayers()).isEqualTo(2);
    assertThat(clip.eosTokenId()).isEqualTo(49407);
    assertThat(clip.withProjection()).isFalse();
    VaeConfig vae = model.vae().config();
    assertThat(vae.blockOutChannels()).containsExactly(32, 32, 64, 64);
    assertThat(vae.scalingFactor()).isEqualTo(0.18215);
    assertThat(vae.shiftFactor()).isNull();
    assertThat(model.schedulerConfig().path("_class_name").asText()).isEqualTo("PNDMScheduler");
    assertThat(model.tokenizer()).isEqualTo(FOLDER.resolve("tokenizer"));

    assertThat(model.unet().weights().names())
        .containsExactlyInAnyOrderElementsOf(ParameterLayout.unetShapes(unet).keySet());
    assertThat(model.vae().weights().names())
        .containsExactlyInAnyOrderElementsOf(ParameterLayout.vaeShapes(vae).keySet());
    assertThat(model.textEncoder().weights().names())
        .containsExactlyInAnyOrderElementsOf(ParameterLayout.textEncoderShapes(clip).keySet());
  }

  @Test
  void singleFileGivesEveryFolderTensorWithTheSameShapeAndBytes() throws IOException {
    StableDiffusionModel folder = ModelFiles.open(FOLDER);
    StableDiffusionModel single = ModelFiles.open(SINGLE_FILE, FOLDER);

    assertThat(single.family()).isEqualTo(ModelFamily.SD1);
    assertThat(single.source()).isEqualTo(SINGLE_FILE);
    assertThat(single.unet().config()).isEqualTo(folder.unet().config());
    int compared = 0;
    compared +=
        WeightsAssert.sameTensors(folder.textEncoder().weights(), single.textEncoder().weights());
    compared += WeightsAssert.sameTensors(folder.unet().weights(), single.unet().weights());
    compared += WeightsAssert.sameTensors(folder.vae().weights(), single.vae().weights());
    assertThat(compared).isEqualTo(36 + 304 + 180);
  }

  @Test
  void singleFileThatDoesNotMatchTheStandardConfigNamesTheTensor() {
    assertThatThrownBy(() -> ModelFiles.open(SINGLE_FILE))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(SINGLE_FILE.toString())
        .hasMessageContaining(
            "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight")
        .hasMessageContaining("has shape [49408, 32] but the config requires [49408, 768]");
  }

  @Test
  void truncatedCheckpointIsRefusedNamingFileAndTensor() throws IOException {
    Path truncated = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(SINGLE_FILE);
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 1000));

    assertThatThrownBy(() -> ModelFiles.open(truncated, FOLDER))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(truncated.toString())
        .hasMessageContaining("tensor ")
        .hasMessageContaining("truncated");
  }

  @Test
  void missingFilesAreNamed() throws IOException {
    Path absent = dir.resolve("absent.safetensors");
    assertThatThrownBy(() -> ModelFiles.open(absent, FOLDER)).hasMessage(absent + " is missing");

    Path folder = copyFolder();
    Files.delete(folder.resolve("vae/diffusion_pytorch_model.safetensors"));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(folder.resolve("vae").toString())
        .hasMessageContaining("has no weights");

    Files.delete(folder.resolve("unet/config.json"));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessage(folder.resolve("unet/config.json") + " is missing");

    assertThatThrownBy(() -> ModelFiles.open(SINGLE_FILE, dir.resolve("nowhere")))
        .hasMessageContaining("has no model_index.json");
  }

  @Test
  void malformedConfigNamesFileAndField() throws IOException {
    Path folder = copyFolder();
    Files.writeString(folder.resolve("vae/config.json"), "{\"block_out_channels\": [32, ");
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessageContaining(folder.resolve("vae/config.json") + " is not valid JSON");

    Files.copy(
        FOLDER.resolve("vae/config.json"),
        folder.resolve("vae/config.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String unet = Files.readString(folder.resolve("unet/config.json"));
    Files.writeString(
        folder.resolve("unet/config.json"),
        unet.replace("\"layers_per_block\": 2", "\"layers_per_block\": \"two\""));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessageContaining(folder.resolve("unet/config.json").toString())
        .hasMessageContaining("\"layers_per_block\" must be an integer");
  }

  @Test
  void incompleteSdxlFolderAndBadSchedulerConfigAreRefusedClearly() throws IOException {
    Path folder = copyFolder();
    Files.writeString(folder.resolve("scheduler/scheduler_config.json"), "[1, 2]");
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessage(folder.resolve("scheduler/scheduler_config.json") + " is not a JSON object");

    String index = Files.readString(folder.resolve("model_index.json"));
    Files.writeString(
        folder.resolve("model_index.json"),
        index.replace("\"StableDiffusionPipeline\"", "\"StableDiffusionXLPipeline\""));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessage(folder.resolve("model_index.json") + " lists no text_encoder_2 component");
  }

  @Test
  void folderWeightsThatDoNotMatchTheirConfigNameTheTensor() throws IOException {
    Path folder = copyFolder();
    String unet = Files.readString(folder.resolve("unet/config.json"));
    Files.writeString(
        folder.resolve("unet/config.json"),
        unet.replace("\"cross_attention_dim\": 32", "\"cross_attention_dim\": 48"));

    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessageContaining(folder.resolve("unet/diffusion_pytorch_model.safetensors").toString())
        .hasMessageContaining(
            "tensor down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight")
        .hasMessageContaining("has shape [32, 32] but the config requires [32, 48]");

    Files.writeString(
        folder.resolve("unet/config.json"),
        unet.replace("\"layers_per_block\": 2", "\"layers_per_block\": 3"));
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessageContaining(folder.resolve("unet/diffusion_pytorch_model.safetensors").toString())
        .hasMessageContaining("no tensor down_blocks.0.resnets.2.norm1.weight [32]");
  }

  @Test
  void pickleFilesAreRefusedWithoutReadingThem() throws IOException {
    Path ckpt = dir.resolve("model.ckpt");
    Files.write(ckpt, new byte[] {(byte) 0x80, 2, 'c'});
    assertThatThrownBy(() -> ModelFiles.open(ckpt))
        .hasMessageContaining(ckpt.toString())
        .hasMessageContaining("pickle")
        .hasMessageContaining("Convert it to .safetensors");

    Path disguised = dir.resolve("model.safetensors");
    Files.write(disguised, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
    assertThatThrownBy(() -> ModelFiles.open(disguised, FOLDER))
        .hasMessageContaining(disguised + " is a PyTorch pickle file");

    Path folder = copyFolder();
    Files.delete(folder.resolve("text_encoder/model.safetensors"));
    Files.write(folder.resolve("text_encoder/pytorch_model.bin"), new byte[] {(byte) 0x80});
    assertThatThrownBy(() -> ModelFiles.open(folder))
        .hasMessageContaining(folder.resolve("text_encoder/pytorch_model.bin").toString())
        .hasMessageContaining("pickle");
  }

  private Path copyFolder() throws IOException {
    Path target = dir.resolve("copy");
    try (Stream<Path> files = Files.walk(FOLDER)) {
      for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
        Path copy = target.resolve(FOLDER.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(source, copy);
        }
      }
    }
    return target;
  }
}
