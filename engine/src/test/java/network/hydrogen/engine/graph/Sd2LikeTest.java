package network.hydrogen.engine.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.UNetConfig;
import org.junit.jupiter.api.Test;

/**
 * An SD 2.x-shaped text encoder and UNet (see tools/engine-graph-reference/make_sd2_like.py): gelu,
 * first-end-token pooling, per-block head counts, linear projections, two transformer layers per
 * block, a 10x6 latent that does not halve evenly.
 */
class Sd2LikeTest {

  private static final Reference REF = Reference.SD2_LIKE;

  @Test
  void textEncoderMatchesTransformers() throws IOException {
    JsonNode text = REF.index().get("text");
    long[][] ids = new long[2][77];
    for (int row = 0; row < 2; row++) {
      for (int i = 0; i < 77; i++) {
        ids[row][i] = text.get("input_ids").get(row).get(i).asLong();
      }
    }
    ClipTextConfig config = REF.textConfig("text_encoder");
    assertThat(config.eosTokenId()).isEqualTo(500);
    assertThat(config.legacyPooling()).isFalse();
    try (TextEncoder encoder =
        TextEncoder.create(
            config, REF.weights("text_encoder", "model.safetensors"), new InferenceOptions(1))) {
      TextEncoder.Output out = encoder.encode(ids);
      Reference.assertClose(out.lastHiddenState(), REF.tensor(text.get("last_hidden_state")));
      Reference.assertClose(
          out.penultimateHiddenState(), REF.tensor(text.get("penultimate_hidden_state")));
      Reference.assertClose(out.pooled(), REF.tensor(text.get("pooled_output")));
    }
  }

  @Test
  void unetMatchesDiffusers() throws IOException {
    UNetConfig config = REF.unetConfig();
    assertThat(List.of(config.headsAt(0), config.headsAt(1), config.headsAt(2)))
        .containsExactly(2, 4, 8);
    assertThat(config.useLinearProjection()).isTrue();
    assertThat(config.transformerLayersPerBlock()).containsExactly(2, 2, 2);
    assertThat(config.upTransformerLayers(0)).isEqualTo(2);
    JsonNode call = REF.index().get("unet_call");
    float[] timesteps = {
      (float) call.get("timesteps").get(0).asDouble(),
      (float) call.get("timesteps").get(1).asDouble()
    };
    try (UNet unet =
        UNet.create(
            config,
            REF.weights("unet", "diffusion_pytorch_model.safetensors"),
            new InferenceOptions(1))) {
      FloatTensor out =
          unet.predict(
              REF.tensor(call.get("sample")),
              timesteps,
              REF.tensor(REF.index().get("text").get("last_hidden_state")));
      Reference.assertClose(out, REF.tensor(call.get("out")));
    }
  }

  @Test
  void aConvProjectionConfigNamesTheLinearProjectionTensorItCannotUse() throws IOException {
    ObjectNode json = (ObjectNode) REF.config("unet");
    json.put("use_linear_projection", false);
    UNetConfig conv = UNetConfig.parse(json, "conv-projection unet");
    assertThatThrownBy(
            () ->
                UNet.create(
                    conv,
                    REF.weights("unet", "diffusion_pytorch_model.safetensors"),
                    InferenceOptions.defaults()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("sd2-like/model/unet/diffusion_pytorch_model.safetensors")
        .hasMessageContaining(
            "tensor down_blocks.0.attentions.0.proj_in.weight has shape [32, 32] but the config"
                + " requires [32, 32, 1, 1]");
  }
}
