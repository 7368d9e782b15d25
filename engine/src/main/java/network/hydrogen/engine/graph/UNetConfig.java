package network.hydrogen.engine.graph;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * The shape of a diffusers {@code UNet2DConditionModel}, from its {@code config.json}, with the
 * per-block fields (an integer or a list in the file) expanded to one value per down block.
 *
 * @param numAttentionHeads heads per block: {@code num_attention_heads}, or, when that is null,
 *     {@code attention_head_dim} (which diffusers uses as the head count, a historical quirk)
 * @param upcastAttention whether attention scores are computed in fp32 (only matters below fp32)
 * @param timeEmbeddingDim width of the time embedding ({@code time_embedding_dim} or 4 x the first
 *     block's channels)
 * @param additionEmbedType {@code addition_embed_type} ({@code text_time} for SDXL), or null; only
 *     null is built today
 */
public record UNetConfig(
    int inChannels,
    int outChannels,
    List<Integer> blockOutChannels,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    String midBlockType,
    List<Integer> layersPerBlock,
    List<Integer> transformerLayersPerBlock,
    List<Integer> numAttentionHeads,
    List<Integer> crossAttentionDim,
    boolean useLinearProjection,
    boolean upcastAttention,
    int normNumGroups,
    double normEps,
    boolean flipSinToCos,
    int freqShift,
    int timeEmbeddingDim,
    int downsamplePadding,
    double midBlockScaleFactor,
    boolean centerInputSample,
    int convInKernel,
    int convOutKernel,
    String additionEmbedType) {

  static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
  static final String DOWN = "DownBlock2D";
  static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
  static final String UP = "UpBlock2D";
  static final String CROSS_ATTN_MID = "UNetMidBlock2DCrossAttn";

  public UNetConfig {
    blockOutChannels = List.copyOf(blockOutChannels);
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    layersPerBlock = List.copyOf(layersPerBlock);
    transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    numAttentionHeads = List.copyOf(numAttentionHeads);
    crossAttentionDim = List.copyOf(crossAttentionDim);
    int blocks = blockOutChannels.size();
    for (List<?> perBlock :
        List.of(
            downBlockTypes,
            upBlockTypes,
            layersPerBlock,
            transformerLayersPerBlock,
            numAttentionHeads,
            crossAttentionDim)) {
      if (perBlock.size() != blocks) {
        throw new IllegalArgumentException(
            "every per-block list needs "
                + blocks
                + " values (one per block_out_channels), got "
                + perBlock);
      }
    }
    for (String type : downBlockTypes) {
      if (!Set.of(CROSS_ATTN_DOWN, DOWN).contains(type)) {
        throw new IllegalArgumentException("down block type " + type + " is not supported");
      }
    }
    for (String type : upBlockTypes) {
      if (!Set.of(CROSS_ATTN_UP, UP).contains(type)) {
        throw new IllegalArgumentException("up block type " + type + " is not supported");
      }
    }
    if (midBlockType != null && !midBlockType.equals(CROSS_ATTN_MID)) {
      throw new IllegalArgumentException("mid block type " + midBlockType + " is not supported");
    }
    for (int i = 0; i < blocks; i++) {
      if (blockOutChannels.get(i) % numAttentionHeads.get(i) != 0) {
        throw new IllegalArgumentException(
            "block "
                + i
                + ": "
                + blockOutChannels.get(i)
                + " channels do not split into "
                + numAttentionHeads.get(i)
                + " heads");
      }
    }
  }

  /** Reads a {@code unet/config.json}. */
  public static UNetConfig read(Path configJson) throws IOException {
    return from(ConfigJson.read(configJson));
  }

  /** Parses config JSON text; {@code source} names it in errors. */
  public static UNetConfig parse(String json, String source) {
    return from(ConfigJson.parse(json, source));
  }

  private static UNetConfig from(ConfigJson json) {
    json.requireUnset("class_embed_type", "class-conditioned UNets are not built");
    json.requireUnset("encoder_hid_dim_type", "encoder hidden projections are not built");
    json.requireUnset(
        "time_cond_proj_dim", "guidance-embedding (LCM-distilled) UNets are not built");
    json.requireUnset("timestep_post_act", "a post-timestep activation is not built");
    json.requireUnset("dual_cross_attention", "dual cross-attention is not built");
    json.requireUnset("only_cross_attention", "cross-attention-only blocks are not built");
    json.requireUnset(
        "mid_block_only_cross_attention", "cross-attention-only blocks are not built");
    json.requireUnset("cross_attention_norm", "cross-attention norms are not built");
    json.requireUnset("resnet_skip_time_act", "resnets without time activation are not built");
    json.requireUnset(
        "reverse_transformer_layers_per_block", "per-layer up-block transformer depths");
    json.requireValue("act_fn", "silu");
    json.requireValue("time_embedding_type", "positional");
    json.requireValue("resnet_time_scale_shift", "default");
    json.requireValue("attention_type", "default");
    List<Integer> channels = json.integers("block_out_channels");
    int blocks = channels.size();
    Integer headDim = json.has("attention_head_dim") ? null : 8;
    List<Integer> heads =
        json.has("num_attention_heads")
            ? json.perBlock("num_attention_heads", blocks, null)
            : json.perBlock("attention_head_dim", blocks, headDim);
    try {
      return new UNetConfig(
          json.integer("in_channels", 4),
          json.integer("out_channels", 4),
          channels,
          json.strings("down_block_types"),
          json.strings("up_block_types"),
          json.string("mid_block_type", CROSS_ATTN_MID),
          json.perBlock("layers_per_block", blocks, 2),
          json.perBlock("transformer_layers_per_block", blocks, 1),
          heads,
          json.perBlock("cross_attention_dim", blocks, 1280),
          json.bool("use_linear_projection", false),
          json.bool("upcast_attention", false),
          json.integer("norm_num_groups", 32),
          json.number("norm_eps", 1e-5),
          json.bool("flip_sin_to_cos", true),
          json.integer("freq_shift", 0),
          json.integer("time_embedding_dim", channels.getFirst() * 4),
          json.integer("downsample_padding", 1),
          json.number("mid_block_scale_factor", 1.0),
          json.bool("center_input_sample", false),
          json.integer("conv_in_kernel", 3),
          json.integer("conv_out_kernel", 3),
          json.string("addition_embed_type", null));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(json.source() + ": " + e.getMessage());
    }
  }

  /** The number of resolution levels. */
  public int blocks() {
    return blockOutChannels.size();
  }
}
