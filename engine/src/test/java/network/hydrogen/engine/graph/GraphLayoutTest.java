package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.ControlNetConfig;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.VaeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The graphs consume exactly the parameters, with exactly the shapes, that {@link ParameterLayout}
 * lists for a config (against which the loader checks and maps checkpoints), so the two cannot
 * drift apart. The graphs are built without weights: the embedded standard configs describe the
 * full-size networks.
 */
class GraphLayoutTest {

  private static final String STANDARD = "/network/hydrogen/engine/model/standard/";

  private static JsonNode standard(String family, String component) throws IOException {
    try (InputStream in =
        GraphLayoutTest.class.getResourceAsStream(
            STANDARD + family + "/" + component + "/config.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  private static Map<String, List<Long>> lists(Map<String, long[]> shapes) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    shapes.forEach((name, shape) -> out.put(name, Arrays.stream(shape).boxed().toList()));
    return out;
  }

  private static void assertUNet(UNetConfig config) {
    assertThat(lists(UNetGraph.build(config).parameters()))
        .containsExactlyInAnyOrderEntriesOf(lists(ParameterLayout.unetShapes(config)));
  }

  /** The ControlNet graph and the UNet built with residual inputs consume their layouts too. */
  private static void assertControlNet(ControlNetConfig config) {
    assertThat(lists(ControlNetGraph.build(config).parameters()))
        .containsExactlyInAnyOrderEntriesOf(lists(ParameterLayout.controlNetShapes(config)));
    assertThat(lists(UNetGraph.build(config.unet(), true).parameters()))
        .containsExactlyInAnyOrderEntriesOf(lists(ParameterLayout.unetShapes(config.unet())));
  }

  /**
   * A full-size SD 1.5 ControlNet (lllyasviel/sd-controlnet-canny's config: the SD 1.5 UNet's
   * encoder, conditioning embedding [16, 32, 96, 256]): another config shape than the tiny
   * reference's, with four levels and 12 residuals.
   */
  @Test
  void fullSizeSd15ControlNet() throws IOException {
    ObjectNode json = (ObjectNode) standard("sd15", "unet");
    json.put("_class_name", "ControlNetModel");
    json.remove("up_block_types");
    json.remove("out_channels");
    json.remove("sample_size");
    json.putArray("conditioning_embedding_out_channels").add(16).add(32).add(96).add(256);
    ControlNetConfig config = ControlNetConfig.parse(json, "sd15 controlnet");

    assertControlNet(config);
    assertThat(config.downResiduals()).isEqualTo(12);
    Map<String, long[]> shapes = ParameterLayout.controlNetShapes(config);
    assertThat(shapes.get("controlnet_cond_embedding.conv_out.weight"))
        .containsExactly(320, 256, 3, 3);
    assertThat(shapes.get("controlnet_down_blocks.11.weight")).containsExactly(1280, 1280, 1, 1);
    assertThat(shapes.get("controlnet_mid_block.weight")).containsExactly(1280, 1280, 1, 1);
    assertThat(shapes).doesNotContainKey("conv_out.weight");
  }

  @Test
  void sd15ControlNetReference() throws IOException {
    JsonNode json =
        new ObjectMapper()
            .readTree(
                java.nio.file.Path.of(
                        "src/test/resources/engine-reference/sd15-controlnet/controlnet/config.json")
                    .toFile());
    assertControlNet(ControlNetConfig.parse(json, "sd15-controlnet"));
  }

  private static void assertTextEncoder(ClipTextConfig config) {
    assertThat(lists(ClipTextGraph.build(config).parameters()))
        .containsExactlyInAnyOrderEntriesOf(lists(ParameterLayout.textEncoderShapes(config)));
  }

  /** The decoder and the encoder share no parameter and together consume the whole VAE. */
  private static void assertVae(VaeConfig config) {
    Map<String, List<Long>> decoder = lists(AutoencoderGraph.decoder(config).parameters());
    Map<String, List<Long>> encoder = lists(AutoencoderGraph.encoder(config).parameters());
    assertThat(decoder.keySet()).doesNotContainAnyElementsOf(encoder.keySet());
    Map<String, List<Long>> both = new LinkedHashMap<>(decoder);
    both.putAll(encoder);
    assertThat(both).containsExactlyInAnyOrderEntriesOf(lists(ParameterLayout.vaeShapes(config)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sd15", "sd21"})
  void standardConfigs(String family) throws IOException {
    assertUNet(UNetConfig.parse(standard(family, "unet"), family + " unet"));
    assertTextEncoder(
        ClipTextConfig.parse(standard(family, "text_encoder"), family + " text encoder"));
    assertVae(VaeConfig.parse(standard(family, "vae"), family + " vae"));
  }

  @Test
  void sd15Reference() throws IOException {
    assertUNet(Reference.SD15.unetConfig());
    assertTextEncoder(Reference.SD15.textConfig("text_encoder"));
    assertVae(Reference.SD15.vaeConfig());
  }

  @Test
  void sd2LikeReference() throws IOException {
    assertUNet(Reference.SD2_LIKE.unetConfig());
    assertTextEncoder(Reference.SD2_LIKE.textConfig("text_encoder"));
  }

  @Test
  void sdxlRefinerReference() throws IOException {
    assertTextEncoder(Reference.SDXL_REFINER.textConfig("text_encoder_2"));
    assertVae(Reference.SDXL_REFINER.vaeConfig());
  }
}
