package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The config of a diffusers {@code ControlNetModel} ({@code config.json}): the encoder half of a
 * UNet ({@link #unet()}: conv_in, time embedding (SDXL ControlNets: and the {@code text_time} added
 * embedding), down and mid blocks, parsed with the UNet's fields, defaults and refusals; its
 * up-block fields mirror the down blocks and are unused) plus the conditioning embedding that
 * brings the control image to the latent size.
 *
 * @param conditioningChannels the control image's channels ({@code conditioning_channels})
 * @param conditioningEmbeddingOutChannels the conditioning embedding's widths; each step after the
 *     first halves the size
 * @param bgr whether the model wants the control image's channels in BGR order
 */
public record ControlNetConfig(
    UNetConfig unet,
    int conditioningChannels,
    List<Integer> conditioningEmbeddingOutChannels,
    boolean bgr) {

  public ControlNetConfig {
    conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
  }

  /** Parses a ControlNet {@code config.json} tree; {@code source} names it in errors. */
  public static ControlNetConfig parse(JsonNode json, String source) {
    ConfigJson c = new ConfigJson(json, source);
    c.requireUnset("global_pool_conditions", "global pooling (shuffle-style ControlNets)");
    String order = c.string("controlnet_conditioning_channel_order", "rgb");
    if (!order.equals("rgb") && !order.equals("bgr")) {
      throw c.unsupported("controlnet_conditioning_channel_order", "must be rgb or bgr");
    }
    ObjectNode unet = ((ObjectNode) json).deepCopy();
    ArrayNode up = unet.putArray("up_block_types");
    List<String> down =
        c.strings(
            "down_block_types",
            List.of(
                UNetConfig.CROSS_ATTN_DOWN,
                UNetConfig.CROSS_ATTN_DOWN,
                UNetConfig.CROSS_ATTN_DOWN,
                UNetConfig.DOWN));
    for (String type : down.reversed()) {
      up.add(type.equals(UNetConfig.CROSS_ATTN_DOWN) ? UNetConfig.CROSS_ATTN_UP : UNetConfig.UP);
    }
    List<Integer> embedding =
        c.integers("conditioning_embedding_out_channels", List.of(16, 32, 96, 256));
    if (embedding.isEmpty()) {
      throw c.unsupported("conditioning_embedding_out_channels", "needs at least one width");
    }
    return new ControlNetConfig(
        UNetConfig.parse(unet, source),
        c.integer("conditioning_channels", 3),
        embedding,
        order.equals("bgr"));
  }

  /** The ControlNet's residuals: one per UNet skip connection, plus the mid block's. */
  public int downResiduals() {
    return ParameterLayout.skipChannels(unet).size();
  }
}
