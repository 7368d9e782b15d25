package network.hydrogen.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.engine.library.ModelNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlNetModelTest {

  static final Path CONTROLNET =
      Path.of("src/test/resources/engine-reference/sd15-controlnet/controlnet");

  private static ObjectNode config() throws IOException {
    return (ObjectNode) new ObjectMapper().readTree(CONTROLNET.resolve("config.json").toFile());
  }

  @Test
  void opensTheReferenceFolder() throws IOException {
    ControlNetModel model = ControlNetModel.open(CONTROLNET);

    assertThat(model.config().conditioningEmbeddingOutChannels()).containsExactly(16, 32, 96, 256);
    assertThat(model.config().bgr()).isFalse();
    assertThat(model.config().downResiduals()).isEqualTo(6);
    assertThat(model.config().unet().blockOutChannels()).containsExactly(32, 64);
  }

  @Test
  void refusesVariantsItDoesNotRun() throws IOException {
    ObjectNode pooled = config().put("global_pool_conditions", true);
    ObjectNode sdxl =
        config()
            .put("addition_embed_type", "text_time")
            .put("projection_class_embeddings_input_dim", 2816);
    ObjectNode channelOrder = config().put("controlnet_conditioning_channel_order", "gbr");

    assertThatThrownBy(() -> ControlNetConfig.parse(pooled, "pooled"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("global_pool_conditions");
    assertThatThrownBy(() -> ControlNetConfig.parse(sdxl, "sdxl"))
        .hasMessageContaining("addition_embed_type");
    assertThatThrownBy(() -> ControlNetConfig.parse(channelOrder, "order"))
        .hasMessageContaining("must be rgb or bgr");
    assertThat(
            ControlNetConfig.parse(
                    config().put("controlnet_conditioning_channel_order", "bgr"), "bgr")
                .bgr())
        .isTrue();
  }

  @Test
  void refusesWhatIsNoDiffusersControlNet(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("cn.safetensors"), "x");
    Path unet = Files.createDirectories(dir.resolve("unet"));
    Files.writeString(unet.resolve("config.json"), "{\"_class_name\": \"UNet2DConditionModel\"}");
    Path mismatched = Files.createDirectories(dir.resolve("mismatched"));
    Files.writeString(
        mismatched.resolve("config.json"), config().put("cross_attention_dim", 64).toString());
    Files.copy(
        CONTROLNET.resolve("diffusion_pytorch_model.safetensors"),
        mismatched.resolve("diffusion_pytorch_model.safetensors"));

    assertThatThrownBy(() -> ControlNetModel.open(file))
        .hasMessageContaining("single-file ControlNets are not supported yet");
    assertThatThrownBy(() -> ControlNetModel.open(unet))
        .hasMessageContaining("not a ControlNetModel");
    assertThatThrownBy(() -> ControlNetModel.open(mismatched))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("the ControlNet weights do not match the config")
        .hasMessageContaining("attn2.to_k.weight");
  }

  @Test
  void theLibraryFindsControlNetsByRepoId(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("lllyasviel"));
    Files.createSymbolicLink(
        dir.resolve("lllyasviel/sd-controlnet-canny"), CONTROLNET.toAbsolutePath());
    ModelLibrary library = new ModelLibrary(dir);

    assertThat(library.openControlNet("lllyasviel/sd-controlnet-canny", Optional.empty()).config())
        .isEqualTo(ControlNetModel.open(CONTROLNET).config());
    assertThatThrownBy(() -> library.openControlNet("org/missing", Optional.empty()))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessageContaining("ControlNet org/missing is not in the models folder");
  }
}
